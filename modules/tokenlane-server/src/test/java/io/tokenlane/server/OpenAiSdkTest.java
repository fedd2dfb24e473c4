package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Node SDK (npm package {@code openai}), unchanged, with its base URL pointed at the gateway.
 * The SDK is installed into src/it/node on first use ({@link NodeSdks}).
 */
class OpenAiSdkTest {

  private static Vertx vertx;
  private static FakeOpenAiUpstream upstream;
  private static GatewayServer gateway;

  @BeforeAll
  static void start() throws Exception {
    installSdk();
    vertx = Vertx.vertx();
    upstream = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    gateway = GatewayServer.start(vertx, """
      providers:
        mock: { type: mock, config: { length: 50 } }
        broken: { type: mock, config: { failure: error-mid-stream, length: 20, failAfterTokens: 4 } }
        upstream: { type: openai, config: { baseUrl: %s } }
      models:
        mock-fast: { provider: mock }
        broken: { provider: broken }
        relayed: { provider: upstream, model: gpt-4o-mini }
      """.formatted(upstream.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static void installSdk() throws Exception {
    NodeSdks.install();
  }

  private static JsonObject sdk(String scenario, String model) throws Exception {
    return NodeSdks.run(Map.of(), "sdk-check.mjs", scenario, gateway.baseUrl(), model);
  }

  @Test
  void theSdkStreamsTextFinishReasonAndUsage() throws Exception {
    JsonObject seen = sdk("stream", "mock-fast");
    assertFalse(seen.getString("text").isBlank());
    assertEquals("stop", seen.getString("finishReason"));
    assertEquals(50, seen.getJsonObject("usage").getInteger("completion_tokens"));
    assertEquals(1, seen.getInteger("ids"));
    JsonObject whole = sdk("nonstream", "mock-fast");
    assertEquals("chat.completion", whole.getString("object"));
    assertEquals(seen.getString("text"), whole.getString("text"));
  }

  @Test
  void theSdkListsModels() throws Exception {
    assertEquals(List.of("mock-fast", "broken", "relayed"), sdk("models", "-").getJsonArray("ids").getList());
  }

  @Test
  void theSdkRaisesItsUsualErrorsForAnUnknownModelAndAMidStreamFailure() throws Exception {
    JsonObject unknown = sdk("error", "no-such-model");
    assertEquals("NotFoundError", unknown.getString("error"));
    assertEquals(404, unknown.getInteger("status"));
    assertEquals("model_not_found", unknown.getString("code"));
    JsonObject midStream = sdk("error", "broken");
    assertEquals("APIError", midStream.getString("error"), midStream.encode());
    assertTrue(midStream.getString("message").contains("injected"), midStream.encode());
  }

  @Test
  void anSdkClientThatAbortsMidStreamClosesTheUpstreamRequest() throws Exception {
    upstream.enqueue(Script.tokens("one ", "two ", "three ", "four ", "five ").delay(Duration.ofMillis(300)));
    JsonObject seen = sdk("abort", "relayed");
    assertTrue(seen.getBoolean("aborted"));
    upstream.awaitClientClosed().await(10, TimeUnit.SECONDS);
    assertEquals(1, upstream.clientClosedCount());
  }
}
