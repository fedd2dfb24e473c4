package io.tokenlane.server;

import static io.tokenlane.server.GatewayServer.chat;
import static io.tokenlane.server.GatewayServer.streamingChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible API over real HTTP on loopback, on the simulated provider. */
class OpenAiApiTest {

  private static final String CONFIG = """
    http:
      host: 127.0.0.1
      port: 0
      maxBodyBytes: 4096
    providers:
      fast:
        type: mock
        config: { length: 40 }
      slashed:
        type: mock
      steady:
        type: mock
        config: { tokensPerSecond: 200, length: 60 }
      broken-early:
        type: mock
        config: { failure: error-before-first-token }
      broken-mid:
        type: mock
        config: { failure: error-mid-stream, length: 20, failAfterTokens: 5 }
    models:
      fast: { provider: fast, description: quick }
      steady: { provider: steady }
      broken-early: { provider: broken-early }
      broken-mid: { provider: broken-mid }
      org/model-v1: { provider: slashed }
    """;

  private static Vertx vertx;
  private static GatewayServer gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    gateway = GatewayServer.start(vertx, CONFIG);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aStreamIsOpenAiChunksWithProxySafeHeadersEndingWithFinishReasonAndDone() throws Exception {
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", streamingChat("fast", "hello"));
    assertEquals(200, reply.status());
    assertTrue(reply.headers().get("content-type").startsWith("text/event-stream"));
    assertEquals("no-cache, no-transform", reply.headers().get("cache-control"));
    assertEquals("no", reply.headers().get("x-accel-buffering"));
    List<String> data = reply.data();
    assertEquals("[DONE]", data.get(data.size() - 1));
    List<JsonObject> chunks = reply.chunks();
    JsonObject first = chunks.get(0);
    assertEquals("chat.completion.chunk", first.getString("object"));
    assertEquals("fast", first.getString("model"));
    assertEquals("assistant", first.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("role"));
    JsonObject last = chunks.get(chunks.size() - 1);
    assertEquals("stop", last.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertTrue(chunks.stream().allMatch(c -> c.getString("id").equals(first.getString("id"))), "one id per stream");
    assertFalse(reply.streamedText().isBlank());
  }

  @Test
  void streamedTextEqualsTheNonStreamedAnswerForTheSamePrompt() throws Exception {
    String streamed = gateway.post("/v1/chat/completions", streamingChat("fast", "same prompt")).streamedText();
    GatewayServer.Reply whole = gateway.post("/v1/chat/completions", chat("fast", "same prompt"));
    assertEquals(200, whole.status());
    JsonObject completion = whole.json();
    assertEquals("chat.completion", completion.getString("object"));
    JsonObject choice = completion.getJsonArray("choices").getJsonObject(0);
    assertEquals(streamed, choice.getJsonObject("message").getString("content"));
    assertEquals("stop", choice.getString("finish_reason"));
    assertEquals(40, completion.getJsonObject("usage").getInteger("completion_tokens"));
  }

  @Test
  void includeUsageAddsAUsageChunkWithEmptyChoicesBeforeDone() throws Exception {
    JsonObject body = streamingChat("fast", "count").put("stream_options", new JsonObject().put("include_usage", true));
    List<JsonObject> chunks = gateway.post("/v1/chat/completions", body).chunks();
    JsonObject usageChunk = chunks.get(chunks.size() - 1);
    assertEquals(new JsonArray(), usageChunk.getJsonArray("choices"));
    assertEquals(40, usageChunk.getJsonObject("usage").getInteger("completion_tokens"));
    assertTrue(chunks.subList(0, chunks.size() - 1).stream().allMatch(c -> c.containsKey("usage") && c.getValue("usage") == null),
      "with include_usage every other chunk carries usage: null, as OpenAI's do");
  }

  @Test
  void anExplicitNullIncludeUsageIsTreatedAsFalse() throws Exception {
    JsonObject body = streamingChat("fast", "count").put("stream_options", new JsonObject().putNull("include_usage"));
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", body);
    assertEquals(200, reply.status(), reply.body());
    assertTrue(reply.chunks().stream().noneMatch(c -> c.containsKey("usage")), reply.body());
  }

  @Test
  void maxTokensCutsTheAnswerWithFinishReasonLength() throws Exception {
    JsonObject completion = gateway.post("/v1/chat/completions", chat("fast", "long").put("max_tokens", 7)).json();
    assertEquals("length", completion.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals(7, completion.getJsonObject("usage").getInteger("completion_tokens"));
  }

  @Test
  void modelsListsThePublicModelsInOpenAisShape() throws Exception {
    JsonObject list = gateway.get("/v1/models").json();
    assertEquals("list", list.getString("object"));
    List<String> ids = list.getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("id")).toList();
    assertEquals(List.of("fast", "steady", "broken-early", "broken-mid", "org/model-v1"), ids);
    assertEquals("model", gateway.get("/v1/models/fast").json().getString("object"));
    assertEquals("org/model-v1", gateway.get("/v1/models/org/model-v1").json().getString("id"));
    assertEquals(404, gateway.get("/v1/models/nope").status());
  }

  @Test
  void aFailureBeforeTheFirstTokenGetsItsRealStatusAndAnOpenAiErrorBody() throws Exception {
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", streamingChat("broken-early", "hi"));
    assertEquals(502, reply.status());
    assertEquals("application/json", reply.headers().get("content-type"));
    JsonObject error = reply.json().getJsonObject("error");
    assertEquals("upstream_error", error.getString("code"));
    assertEquals("server_error", error.getString("type"));
  }

  @Test
  void aMidStreamFailureEndsWithAnErrorEventAndNeverADone() throws Exception {
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", streamingChat("broken-mid", "hi"));
    assertEquals(200, reply.status());
    List<String> data = reply.data();
    assertFalse(data.contains("[DONE]"));
    JsonObject last = new JsonObject(data.get(data.size() - 1));
    assertEquals("upstream_error", last.getJsonObject("error").getString("code"));
    assertFalse(reply.streamedText().isEmpty(), "tokens before the failure were delivered");
  }

  @Test
  void badBodiesGetOpenAiErrorsNamingTheField() throws Exception {
    assertError(gateway.request(HttpMethod.POST, "/v1/chat/completions", "{not json"), 400, null);
    assertError(gateway.request(HttpMethod.POST, "/v1/chat/completions", "[1,2]"), 400, null);
    assertError(gateway.post("/v1/chat/completions", new JsonObject().put("model", "fast")), 400, "messages");
    assertError(gateway.post("/v1/chat/completions", chat("fast", "x").put("messages", new JsonArray())), 400, "messages");
    assertError(gateway.post("/v1/chat/completions", chat("fast", "x").put("messages", new JsonArray().add("hi"))), 400,
      "messages[0]");
    assertError(gateway.post("/v1/chat/completions", new JsonObject()
      .put("messages", chat("fast", "x").getJsonArray("messages"))), 400, "model");
    assertError(gateway.post("/v1/chat/completions", chat("fast", "x").put("temperature", "hot")), 400, "temperature");
    assertError(gateway.post("/v1/chat/completions", chat("fast", "x").put("stream", "yes")), 400, "stream");
    assertError(gateway.post("/v1/chat/completions", chat("fast", "x").put("max_tokens", -3)), 400, "max_tokens");
    assertError(gateway.post("/v1/chat/completions", chat("fast", "x").put("n", 2)), 400, "n");
    GatewayServer.Reply unknown = gateway.post("/v1/chat/completions", chat("gpt-nope", "x"));
    assertError(unknown, 404, "model");
    assertEquals("model_not_found", unknown.json().getJsonObject("error").getString("code"));
  }

  @Test
  void aBodyOverTheLimitGets413InOpenAisShape() throws Exception {
    String big = "x".repeat(5000);
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", chat("fast", big));
    assertError(reply, 413, null);
    assertEquals("request_too_large", reply.json().getJsonObject("error").getString("code"));
  }

  @Test
  void unknownRoutesAndMethodsGetJsonErrors() throws Exception {
    assertError(gateway.get("/v1/nothing-here"), 404, null);
    assertError(gateway.get("/v1/chat/completions"), 405, null);
    assertError(gateway.get("/nothing"), 404, null);
  }

  @Test
  void healthEndpointsReportLiveAndReady() throws Exception {
    assertEquals("UP", gateway.get("/livez").json().getString("status"));
    GatewayServer.Reply ready = gateway.get("/readyz");
    assertEquals(200, ready.status());
    assertEquals("UP", ready.json().getString("status"));
  }

  @Test
  void badRequestsDoNotDisturbAStreamInFlight() throws Exception {
    Future<GatewayServer.Reply> longStream = gateway.send(HttpMethod.POST, "/v1/chat/completions",
      Buffer.buffer(streamingChat("steady", "keep going").encode()));
    List<Future<GatewayServer.Reply>> noise = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      noise.add(gateway.send(HttpMethod.POST, "/v1/chat/completions", Buffer.buffer(i % 2 == 0 ? "{broken" : "{}")));
    }
    Future.all(noise).await(20, TimeUnit.SECONDS);
    for (Future<GatewayServer.Reply> reply : noise) {
      assertEquals(400, reply.result().status());
    }
    GatewayServer.Reply reply = longStream.await(30, TimeUnit.SECONDS);
    assertEquals("[DONE]", reply.data().get(reply.data().size() - 1));
    JsonObject whole = gateway.post("/v1/chat/completions", chat("steady", "keep going")).json();
    assertEquals(whole.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"),
      reply.streamedText());
  }

  private static void assertError(GatewayServer.Reply reply, int status, String param) {
    assertEquals(status, reply.status(), reply.body());
    assertTrue(reply.headers().get("content-type").startsWith("application/json"), reply.headers().get("content-type"));
    JsonObject error = reply.json().getJsonObject("error");
    assertTrue(error.getString("message") != null && !error.getString("message").isBlank(), reply.body());
    assertTrue(error.containsKey("type") && error.containsKey("code") && error.containsKey("param"), reply.body());
    if (param != null) {
      assertEquals(param, error.getString("param"), reply.body());
    } else if (status != 404 && status != 405 && status != 413) {
      assertNull(error.getString("param"));
    }
  }
}
