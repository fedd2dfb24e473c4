package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.anthropic.FakeAnthropicUpstream;
import io.tokenlane.testkit.gemini.FakeGeminiUpstream;
import io.tokenlane.testkit.gemini.GeminiScript;
import io.tokenlane.testkit.ollama.FakeOllamaUpstream;
import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bundled native plugins behind the gateway, each against its fake upstream speaking the provider's wire format:
 * configured by {@code type}, their text, usage and reasoning reach OpenAI-compatible and native clients, and the
 * reasoning never mixes into the answer.
 */
class NativeProvidersTest {

  static Vertx vertx;
  static FakeAnthropicUpstream anthropic;
  static FakeGeminiUpstream gemini;
  static FakeOllamaUpstream ollama;
  static FakeOpenAiUpstream deepseek;
  static GatewayServer gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    anthropic = FakeAnthropicUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    gemini = FakeGeminiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    ollama = FakeOllamaUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    deepseek = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    gateway = GatewayServer.start(vertx, """
      providers:
        anthropic: { type: anthropic, config: { baseUrl: "%s", apiKey: sk-ant-test } }
        gemini: { type: gemini, config: { baseUrl: "%s", apiKey: gm-test } }
        ollama: { type: ollama, config: { baseUrl: "%s" } }
        deepseek: { type: openai, config: { baseUrl: "%s" } }
      models:
        claude: { provider: anthropic, model: claude-sonnet-4-5 }
        flash: { provider: gemini, model: gemini-2.5-flash }
        llama: { provider: ollama, model: "llama3.2:3b" }
        reasoner: { provider: deepseek, model: deepseek-reasoner }
      """.formatted(anthropic.baseUrl(), gemini.baseUrl(), ollama.baseUrl(), deepseek.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void anthropicThinkingReachesOpenAiStreamsAsReasoningContentApartFromTheAnswer() throws Exception {
    anthropic.enqueue(io.tokenlane.testkit.anthropic.Script.message().thinking("Let me", " think.")
      .text("Hel", "lo").usage(21, 9));
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", GatewayServer.streamingChat("claude", "hi")
      .put("stream_options", new JsonObject().put("include_usage", true)));
    assertEquals(200, reply.status(), reply.body());
    List<JsonObject> chunks = chunks(reply.body());
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    JsonObject usage = null;
    for (JsonObject chunk : chunks) {
      assertEquals("claude", chunk.getString("model"), "the public model name");
      if (chunk.getValue("usage") instanceof JsonObject counts) {
        usage = counts;
      }
      if (chunk.getJsonArray("choices").isEmpty()) {
        continue;
      }
      JsonObject delta = chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      if (delta.getString("reasoning_content") != null) {
        assertNull(delta.getValue("content"), "reasoning and answer never share a delta");
        assertEquals(0, content.length(), "the reasoning comes first");
        reasoning.append(delta.getString("reasoning_content"));
      }
      if (delta.getString("content") != null) {
        content.append(delta.getString("content"));
      }
    }
    assertEquals("Let me think.", reasoning.toString());
    assertEquals("Hello", content.toString());
    assertEquals(21, usage.getInteger("prompt_tokens"));
    assertEquals(9, usage.getInteger("completion_tokens"));
    assertEquals("claude-sonnet-4-5", anthropic.lastRequest().body().getString("model"));
  }

  @Test
  void aCompletionCarriesTheReasoningBesideTheAnswer() throws Exception {
    anthropic.enqueue(io.tokenlane.testkit.anthropic.Script.message().thinking("Hmm.").text("Yes"));
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", GatewayServer.chat("claude", "hi"));
    assertEquals(200, reply.status(), reply.body());
    JsonObject message = reply.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message");
    assertEquals("Yes", message.getString("content"));
    assertEquals("Hmm.", message.getString("reasoning_content"));
  }

  @Test
  void nativeClientsGetReasoningEventsBeforeTheTokens() throws Exception {
    ollama.enqueue(io.tokenlane.testkit.ollama.Script.tokens("4").thinking("2+2", " is 4").evalCounts(12, 5));
    try (NativeClient client = new NativeClient(vertx, gateway.port())) {
      String token = client.session().getString("token");
      String id = client.start(token, NativeClient.prompt("llama", "2+2?"));
      List<JsonObject> events = client.pollToEnd(token, id, 0);
      StringBuilder reasoning = new StringBuilder();
      for (JsonObject event : events) {
        if ("reasoning".equals(event.getString("type"))) {
          reasoning.append(event.getString("text"));
        }
      }
      assertEquals("2+2 is 4", reasoning.toString());
      assertEquals("4", NativeClient.text(events), "the answer holds no reasoning");
      JsonObject usage = events.stream().filter(e -> "usage".equals(e.getString("type"))).findFirst().orElseThrow();
      assertEquals(12, usage.getInteger("promptTokens"));
      assertEquals(5, usage.getInteger("completionTokens"));
      assertEquals("stop", events.get(events.size() - 1).getString("reason"));
    }
  }

  @Test
  void geminiThoughtsAndTextStreamThroughTheOpenAiApi() throws Exception {
    gemini.enqueue(GeminiScript.thoughts("Thinking").andText("Par", "is").usage(7, 2, 3));
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", GatewayServer.streamingChat("flash", "capital?")
      .put("stream_options", new JsonObject().put("include_usage", true)));
    assertEquals(200, reply.status(), reply.body());
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    JsonObject usage = null;
    for (JsonObject chunk : chunks(reply.body())) {
      if (chunk.getValue("usage") instanceof JsonObject counts) {
        usage = counts;
      }
      if (!chunk.getJsonArray("choices").isEmpty()) {
        JsonObject delta = chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
        reasoning.append(delta.getString("reasoning_content", ""));
        content.append(delta.getString("content", ""));
      }
    }
    assertEquals("Thinking", reasoning.toString());
    assertEquals("Paris", content.toString());
    assertEquals(7, usage.getInteger("prompt_tokens"));
    assertEquals(5, usage.getInteger("completion_tokens"), "thoughts count as completion tokens");
    assertTrue(gemini.lastRequest().path().endsWith("/models/gemini-2.5-flash:streamGenerateContent"),
      gemini.lastRequest().path());
  }

  @Test
  void anUpstreamRateLimitReachesTheClientWithItsRetryAfter() throws Exception {
    anthropic.enqueue(io.tokenlane.testkit.anthropic.Script.rateLimited(7));
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", GatewayServer.streamingChat("claude", "hi"));
    assertEquals(429, reply.status(), reply.body());
    assertEquals("7", reply.headers().get("retry-after"), "the upstream's hint");
    assertEquals("rate_limited", reply.json().getJsonObject("error").getString("code"));
    assertFalse(reply.body().contains("sk-ant-test"), "never the key");
  }

  @Test
  void aStreamThatFailsMidwayStillReportsItsUsageEstimatedThenTheError() throws Exception {
    ollama.enqueue(io.tokenlane.testkit.ollama.Script.tokens("a", "b", "c").errorLineAfter(2, "model runner crashed"));
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", GatewayServer.streamingChat("llama", "hi")
      .put("stream_options", new JsonObject().put("include_usage", true)));
    assertEquals(200, reply.status(), reply.body());
    List<JsonObject> chunks = chunks(reply.body());
    JsonObject usage = chunks.get(chunks.size() - 2).getJsonObject("usage");
    assertEquals(2, usage.getInteger("completion_tokens"), "the deltas delivered");
    assertTrue(usage.getInteger("prompt_tokens") > 0, "the prompt's estimate");
    assertTrue(usage.getBoolean("estimated"), "marked as estimated");
    assertTrue(chunks.get(chunks.size() - 1).containsKey("error"), reply.body());
    assertFalse(reply.body().contains("[DONE]"), "an error, not a normal end");
    // Without streaming, the usage is in the completion.
    ollama.enqueue(io.tokenlane.testkit.ollama.Script.tokens("ok"));
    JsonObject completion = gateway.post("/v1/chat/completions", GatewayServer.chat("llama", "hi")).json();
    assertEquals(1, completion.getJsonObject("usage").getInteger("completion_tokens"));
  }

  @Test
  void anOpenAiCompatibleUpstreamsReasoningContentReachesNativeClientsAsReasoning() throws Exception {
    // DeepSeek's and vLLM's shape: delta.reasoning_content before delta.content.
    String head = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"deepseek-reasoner\","
      + "\"choices\":[{\"index\":0,\"delta\":";
    String tail = ",\"finish_reason\":null}]}\n\n";
    deepseek.enqueue(io.tokenlane.testkit.openai.Script.raw(200, "text/event-stream",
      head + "{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"Think\"}" + tail
        + head + "{\"reasoning_content\":\"ing.\"}" + tail
        + head + "{\"content\":\"Answer\"}" + tail
        + head + "{},\"finish_reason\":\"stop\"}]}\n\n"
        + "data: [DONE]\n\n"));
    try (NativeClient client = new NativeClient(vertx, gateway.port())) {
      String token = client.session().getString("token");
      String id = client.start(token, NativeClient.prompt("reasoner", "hi"));
      List<JsonObject> events = client.pollToEnd(token, id, 0);
      StringBuilder reasoning = new StringBuilder();
      events.stream().filter(e -> "reasoning".equals(e.getString("type")))
        .forEach(e -> reasoning.append(e.getString("text")));
      assertEquals("Thinking.", reasoning.toString(), events.toString());
      assertEquals("Answer", NativeClient.text(events));
      assertEquals("stop", events.get(events.size() - 1).getString("reason"));
    }
  }

  private static List<JsonObject> chunks(String body) {
    return body.lines().filter(line -> line.startsWith("data: {"))
      .map(line -> new JsonObject(line.substring("data: ".length()))).toList();
  }
}
