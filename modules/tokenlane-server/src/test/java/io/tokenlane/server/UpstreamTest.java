package io.tokenlane.server;

import static io.tokenlane.server.GatewayServer.chat;
import static io.tokenlane.server.GatewayServer.streamingChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway in front of two fake OpenAI-compatible upstreams and the mock, all at once. */
class UpstreamTest {

  private static final String KEY_A = "sk-upstream-a-0123456789abcdef";

  private Vertx vertx;
  private FakeOpenAiUpstream upstreamA;
  private FakeOpenAiUpstream upstreamB;
  private GatewayServer gateway;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstreamA = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    upstreamB = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    gateway = GatewayServer.start(vertx, """
      providers:
        openai-a:
          type: openai
          config:
            baseUrl: %s
            apiKey: %s
            headers: { OpenAI-Organization: org-42 }
        vllm-b:
          type: openai
          config:
            baseUrl: %s
        mock:
          type: mock
      models:
        gpt-a: { provider: openai-a, model: gpt-4o-mini }
        llama-b: { provider: vllm-b, model: meta-llama/Llama-3.1-8B-Instruct }
        simulated: { provider: mock }
      """.formatted(upstreamA.baseUrl(), KEY_A, upstreamB.baseUrl()));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void eachPublicModelReachesItsOwnUpstreamWithItsUpstreamModelName() throws Exception {
    upstreamA.enqueue(Script.tokens("from ", "A").usage(4, 2));
    upstreamB.enqueue(Script.tokens("from ", "B").usage(4, 2));
    assertEquals("from A", gateway.post("/v1/chat/completions", streamingChat("gpt-a", "hi")).streamedText());
    assertEquals("from B", gateway.post("/v1/chat/completions", streamingChat("llama-b", "hi")).streamedText());
    assertFalse(gateway.post("/v1/chat/completions", streamingChat("simulated", "hi")).streamedText().isEmpty());
    JsonObject sentToA = upstreamA.lastRequest().body();
    assertEquals("gpt-4o-mini", sentToA.getString("model"));
    assertEquals("Bearer " + KEY_A, upstreamA.lastRequest().headers().get("authorization"));
    assertEquals("org-42", upstreamA.lastRequest().headers().get("openai-organization"));
    assertEquals("meta-llama/Llama-3.1-8B-Instruct", upstreamB.lastRequest().body().getString("model"));
    assertEquals(null, upstreamB.lastRequest().headers().get("authorization"));
  }

  @Test
  void textWithQuotesControlCharactersAndNonAsciiArrivesIntact() throws Exception {
    String[] tokens = {"h\u00e9llo \"q\" ", "back\\slash\n", "tab\t\u0001 ", "\u4e16\u754c \ud83d\ude00"};
    upstreamA.enqueue(Script.tokens(tokens));
    String streamed = gateway.post("/v1/chat/completions", streamingChat("gpt-a", "hi")).streamedText();
    assertEquals(String.join("", tokens), streamed);
  }

  @Test
  void toolsAndUnknownFieldsReachTheUpstreamUntouched() throws Exception {
    upstreamA.enqueue(Script.tokens("ok"));
    JsonObject body = chat("gpt-a", "weather?")
      .put("tools", new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", "weather").put("parameters", new JsonObject()))))
      .put("response_format", new JsonObject().put("type", "text"))
      .put("x_vendor_extension", 7);
    assertEquals(200, gateway.post("/v1/chat/completions", body).status());
    JsonObject sent = upstreamA.lastRequest().body();
    assertEquals(body.getJsonArray("tools"), sent.getJsonArray("tools"));
    assertEquals(body.getJsonObject("response_format"), sent.getJsonObject("response_format"));
    assertEquals(7, sent.getInteger("x_vendor_extension"));
  }

  @Test
  void aToolCallStreamedByTheUpstreamIsAssembledForNonStreamingClients() throws Exception {
    upstreamA.enqueue(Script.tokens().toolCall("call_1", "weather", "{\"city\":", "\"Paris\"}").finish("tool_calls"));
    JsonObject completion = gateway.post("/v1/chat/completions", chat("gpt-a", "weather?")).json();
    JsonObject choice = completion.getJsonArray("choices").getJsonObject(0);
    assertEquals("tool_calls", choice.getString("finish_reason"));
    JsonObject call = choice.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0);
    assertEquals("call_1", call.getString("id"));
    assertEquals("weather", call.getJsonObject("function").getString("name"));
    assertEquals("{\"city\":\"Paris\"}", call.getJsonObject("function").getString("arguments"));
  }

  @Test
  void aClientThatDisconnectsMidStreamClosesTheUpstreamRequest() throws Exception {
    upstreamA.enqueue(Script.tokens("a", "b", "c", "d", "e", "f", "g", "h").delay(Duration.ofMillis(200)));
    HttpClientResponse response = gateway.openStream(streamingChat("gpt-a", "long")).await(10, TimeUnit.SECONDS);
    Promise<Void> firstChunk = Promise.promise();
    response.handler(buffer -> firstChunk.tryComplete()).resume();
    firstChunk.future().await(10, TimeUnit.SECONDS);
    response.request().connection().close();
    upstreamA.awaitClientClosed().await(10, TimeUnit.SECONDS);
    assertEquals(1, upstreamA.clientClosedCount());
  }

  @Test
  void upstreamErrorsBecomeOpenAiErrorsWithTheRightStatusAndNeverTheKey() throws Exception {
    upstreamA.enqueue(Script.unauthorized());
    upstreamA.enqueue(Script.rateLimited(7));
    upstreamA.enqueue(Script.serverError());
    upstreamA.enqueue(Script.garbage("<html>502 Bad Gateway</html>"));
    List<int[]> expected = List.of(new int[] {502}, new int[] {429}, new int[] {502}, new int[] {502});
    List<String> codes = List.of("upstream_auth_failed", "rate_limited", "upstream_error", "upstream_bad_response");
    for (int i = 0; i < expected.size(); i++) {
      GatewayServer.Reply reply = gateway.post("/v1/chat/completions", streamingChat("gpt-a", "hi"));
      assertEquals(expected.get(i)[0], reply.status(), reply.body());
      assertEquals(codes.get(i), reply.json().getJsonObject("error").getString("code"), reply.body());
      assertFalse(reply.body().contains(KEY_A), "the upstream key leaked: " + reply.body());
    }
    // The gateway is unharmed: the next request streams normally.
    upstreamA.enqueue(Script.tokens("still ", "fine"));
    assertEquals("still fine", gateway.post("/v1/chat/completions", streamingChat("gpt-a", "hi")).streamedText());
  }

  @Test
  void anUpstreamThatDropsMidStreamEndsTheClientStreamWithAnErrorNotADone() throws Exception {
    upstreamA.enqueue(Script.tokens("one ", "two ", "three ", "four").dropConnectionAfter(2));
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", streamingChat("gpt-a", "hi"));
    List<String> data = reply.data();
    assertFalse(data.contains("[DONE]"), reply.body());
    assertTrue(new JsonObject(data.get(data.size() - 1)).containsKey("error"), reply.body());
  }
}
