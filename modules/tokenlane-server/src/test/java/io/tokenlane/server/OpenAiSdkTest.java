package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Node SDK (npm package {@code openai}), unchanged, with its base URL pointed at the gateway.
 * The SDK is installed into src/it/node on first use.
 */
class OpenAiSdkTest {

  private static final Path NODE_DIR = Path.of(System.getProperty("tokenlane.node.dir", "src/it/node"));

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
    if (Files.isDirectory(NODE_DIR.resolve("node_modules/openai"))) {
      return;
    }
    Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund")
      .directory(NODE_DIR.toFile()).redirectErrorStream(true).start();
    String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      throw new IllegalStateException("npm install failed in " + NODE_DIR + ":\n" + output);
    }
  }

  private static JsonObject sdk(String scenario, String model) throws IOException, InterruptedException {
    Process node = new ProcessBuilder("node", "sdk-check.mjs", scenario, gateway.baseUrl(), model)
      .directory(NODE_DIR.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(node.waitFor(60, TimeUnit.SECONDS), "node did not finish");
    assertEquals(0, node.exitValue(), output);
    List<String> lines = output.lines().toList();
    return new JsonObject(lines.get(lines.size() - 1));
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
