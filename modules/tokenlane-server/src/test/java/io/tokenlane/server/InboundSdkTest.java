package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.anthropic.FakeAnthropicUpstream;
import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official SDKs of the gateway's other inbound APIs, unchanged, with their base URL pointed at the gateway:
 * the Anthropic TypeScript SDK on {@code /v1/messages}, the OpenAI Node SDK's {@code responses.create} and the Vercel
 * AI SDK's default OpenAI provider on {@code /v1/responses}. Installed into src/it/node on first use ({@link NodeSdks}).
 */
class InboundSdkTest {

  private static Vertx vertx;
  private static FakeOpenAiUpstream upstream;
  private static FakeAnthropicUpstream anthropic;
  private static GatewayServer gateway;

  @BeforeAll
  static void start() throws Exception {
    NodeSdks.install();
    vertx = Vertx.vertx();
    upstream = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    anthropic = FakeAnthropicUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    gateway = GatewayServer.start(vertx, """
      providers:
        mock: { type: mock, config: { length: 50 } }
        broken: { type: mock, config: { failure: error-mid-stream, length: 20, failAfterTokens: 4 } }
        upstream: { type: openai, config: { baseUrl: %s } }
        claude: { type: anthropic, config: { baseUrl: "%s", apiKey: sk-ant-test } }
      models:
        mock-fast: { provider: mock }
        broken: { provider: broken }
        relayed: { provider: upstream, model: gpt-4o-mini }
        sonnet: { provider: claude, model: claude-sonnet-4-5 }
      """.formatted(upstream.baseUrl(), anthropic.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    anthropic.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String root() {
    return "http://127.0.0.1:" + gateway.port();
  }

  @Test
  void theAnthropicSdkStreamsTextAndAToolCallFromAnOpenAiUpstream() throws Exception {
    upstream.enqueue(Script.tokens("Let me ", "check.").toolCall("call_42", "weather", "{\"city\":", "\"Köln\"}")
      .usage(12, 8));
    JsonObject seen = NodeSdks.run(Map.of(), "anthropic-check.mjs", "stream-tool", root(), "relayed");
    assertEquals("Let me check.", seen.getString("text"), seen.encode());
    assertEquals("tool_use", seen.getString("stopReason"));
    assertTrue(seen.getString("id").startsWith("msg_"));
    JsonObject toolUse = seen.getJsonObject("toolUse");
    assertEquals("call_42", toolUse.getString("id"));
    assertEquals("weather", toolUse.getString("name"));
    assertEquals(new JsonObject().put("city", "Köln"), toolUse.getJsonObject("input"));
    assertEquals(12, seen.getJsonObject("usage").getInteger("input_tokens"));
    assertEquals(8, seen.getJsonObject("usage").getInteger("output_tokens"));
  }

  @Test
  void theAnthropicSdkStreamsTextAndAToolCallFromAnAnthropicUpstream() throws Exception {
    anthropic.enqueue(io.tokenlane.testkit.anthropic.Script.message().thinking("The user wants weather.").text("Let me ", "check.")
      .toolUse("toolu_01", "weather", "{\"city\":", "\"Köln\"}").stopReason("tool_use").usage(31, 17));
    JsonObject seen = NodeSdks.run(Map.of(), "anthropic-check.mjs", "stream-tool", root(), "sonnet");
    assertEquals("Let me check.", seen.getString("text"), seen.encode());
    assertEquals("tool_use", seen.getString("stopReason"));
    JsonObject toolUse = seen.getJsonObject("toolUse");
    assertEquals("toolu_01", toolUse.getString("id"));
    assertEquals("weather", toolUse.getString("name"));
    assertEquals(new JsonObject().put("city", "Köln"), toolUse.getJsonObject("input"));
    assertEquals(31, seen.getJsonObject("usage").getInteger("input_tokens"));
    assertEquals(17, seen.getJsonObject("usage").getInteger("output_tokens"));
    assertEquals("claude-sonnet-4-5", anthropic.lastRequest().body().getString("model"));
  }

  @Test
  void theOpenAiSdkStreamsFromAnAnthropicUpstreamThroughChatCompletionsAndResponses() throws Exception {
    anthropic.enqueue(io.tokenlane.testkit.anthropic.Script.message().text("Streaming ", "gateways ", "relay.").usage(12, 3));
    JsonObject chat = NodeSdks.run(Map.of(), "sdk-check.mjs", "stream", gateway.baseUrl(), "sonnet");
    assertEquals("Streaming gateways relay.", chat.getString("text"), chat.encode());
    assertEquals("stop", chat.getString("finishReason"));
    assertEquals(12, chat.getJsonObject("usage").getInteger("prompt_tokens"));
    assertEquals(3, chat.getJsonObject("usage").getInteger("completion_tokens"));

    anthropic.enqueue(io.tokenlane.testkit.anthropic.Script.message().text("Through ", "responses.").usage(10, 2));
    JsonObject responses = NodeSdks.run(Map.of(), "responses-check.mjs", "stream", gateway.baseUrl(), "sonnet");
    assertEquals("Through responses.", responses.getString("text"), responses.encode());
    assertEquals("response.completed", responses.getString("last"));
    assertEquals("completed", responses.getString("status"));
    assertEquals(2, responses.getJsonObject("usage").getInteger("output_tokens"));
  }

  @Test
  void theAnthropicSdkGetsWholeMessagesAndRaisesAMidStreamError() throws Exception {
    JsonObject message = NodeSdks.run(Map.of(), "anthropic-check.mjs", "create", root(), "mock-fast");
    assertEquals("message", message.getString("type"), message.encode());
    assertEquals("end_turn", message.getString("stopReason"));
    assertFalse(message.getString("text").isBlank());
    assertEquals(50, message.getJsonObject("usage").getInteger("output_tokens"));
    JsonObject failed = NodeSdks.run(Map.of(), "anthropic-check.mjs", "error", root(), "broken");
    assertEquals("APIError", failed.getString("error"), failed.encode());
    assertEquals("api_error", failed.getString("type"), failed.encode());
    JsonObject unknown = NodeSdks.run(Map.of(), "anthropic-check.mjs", "error", root(), "no-such-model");
    assertEquals("NotFoundError", unknown.getString("error"), unknown.encode());
    assertEquals(404, unknown.getInteger("status"));
  }

  @Test
  void theOpenAiSdkStreamsAndCreatesResponses() throws Exception {
    JsonObject streamed = NodeSdks.run(Map.of(), "responses-check.mjs", "stream", gateway.baseUrl(), "mock-fast");
    assertFalse(streamed.getString("text").isBlank(), streamed.encode());
    assertEquals("response.created", streamed.getString("first"));
    assertEquals("response.completed", streamed.getString("last"));
    assertEquals("completed", streamed.getString("status"));
    assertEquals(50, streamed.getJsonObject("usage").getInteger("output_tokens"));
    JsonObject created = NodeSdks.run(Map.of(), "responses-check.mjs", "create", gateway.baseUrl(), "mock-fast");
    assertEquals("response", created.getString("object"), created.encode());
    assertTrue(created.getString("id").startsWith("resp_"));
    assertEquals("completed", created.getString("status"));
    // output_text is the SDK's own convenience, computed from the output items.
    assertEquals(streamed.getString("text"), created.getString("text"));
  }

  @Test
  void theOpenAiSdkStreamHelperRebuildsAResponseWithAFunctionCall() throws Exception {
    upstream.enqueue(Script.tokens("Checking.").toolCall("call_9", "weather", "{\"city\":", "\"Köln\"}").usage(14, 6));
    JsonObject seen = NodeSdks.run(Map.of(), "responses-check.mjs", "helper", gateway.baseUrl(), "relayed");
    assertEquals("Checking.", seen.getString("text"), seen.encode());
    assertEquals("Checking.", seen.getString("outputText"));
    assertEquals("completed", seen.getString("status"));
    assertEquals(new JsonObject().put("callId", "call_9").put("name", "weather").put("arguments", "{\"city\":\"Köln\"}"),
      seen.getJsonObject("call"));
    assertEquals(20, seen.getJsonObject("usage").getInteger("total_tokens"));
    assertEquals("weather", upstream.lastRequest().body().getJsonArray("tools").getJsonObject(0)
      .getJsonObject("function").getString("name"));
  }

  @Test
  void theVercelAiSdkStreamsTextThroughItsDefaultOpenAiProvider() throws Exception {
    upstream.enqueue(Script.tokens("Gateways ", "stream ", "tokens.").usage(9, 3));
    JsonObject seen = NodeSdks.run(Map.of("OPENAI_BASE_URL", gateway.baseUrl(), "OPENAI_API_KEY", "not-needed"),
      "responses-check.mjs", "vercel", gateway.baseUrl(), "relayed");
    assertNull(seen.getValue("error"), seen.encode());
    assertEquals("Gateways stream tokens.", seen.getString("text"));
    assertEquals("stop", seen.getString("finishReason"));
    assertEquals(9, seen.getJsonObject("usage").getInteger("inputTokens"));
    assertEquals(3, seen.getJsonObject("usage").getInteger("outputTokens"));
  }
}
