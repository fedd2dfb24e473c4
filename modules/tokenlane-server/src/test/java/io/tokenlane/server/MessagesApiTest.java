package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.auth.ApiKeys;
import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Anthropic's Messages API ({@code POST /v1/messages}) over real HTTP on loopback: the mock and an OpenAI upstream. */
class MessagesApiTest {

  private static final String KEY = ApiKeys.generate();

  private static Vertx vertx;
  /** Its own Vert.x: two servers on port 0 of one Vert.x instance would share one port. */
  private static Vertx guardedVertx;
  private static FakeOpenAiUpstream upstream;
  private static GatewayServer gateway;
  private static GatewayServer guarded;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    gateway = GatewayServer.start(vertx, """
      http: { host: 127.0.0.1, port: 0, maxBodyBytes: 8192 }
      providers:
        fast: { type: mock, config: { length: 30 } }
        broken-early: { type: mock, config: { failure: error-before-first-token } }
        broken-mid: { type: mock, config: { failure: error-mid-stream, length: 20, failAfterTokens: 5 } }
        upstream: { type: openai, config: { baseUrl: %s } }
      models:
        fast: { provider: fast }
        broken-early: { provider: broken-early }
        broken-mid: { provider: broken-mid }
        relayed: { provider: upstream, model: gpt-4o-mini }
      """.formatted(upstream.baseUrl()));
    guardedVertx = Vertx.vertx();
    guarded = GatewayServer.start(guardedVertx, """
      http: { host: 127.0.0.1, port: 0, keepAliveMs: 100 }
      auth:
        keys:
          alice: { hash: "%s" }
      providers:
        fast: { type: mock, config: { length: 5 } }
        thinking: { type: mock, config: { length: 3, ttftMs: 500 } }
      models:
        fast: { provider: fast }
        thinking: { provider: thinking }
      """.formatted(ApiKeys.hash(KEY)));
  }

  @AfterAll
  static void stop() throws Exception {
    guarded.close();
    gateway.close();
    guardedVertx.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject request(String model, String prompt) {
    return new JsonObject().put("model", model).put("max_tokens", 1024)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt)));
  }

  private static GatewayServer.Reply post(JsonObject body) throws Exception {
    return gateway.post("/v1/messages", body.encode(), "anthropic-version", "2023-06-01");
  }

  private static String deltas(List<JsonObject> events, String deltaType, String field) {
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> e.getString("type").equals("content_block_delta")
        && e.getJsonObject("delta").getString("type").equals(deltaType))
      .forEach(e -> text.append(e.getJsonObject("delta").getString(field)));
    return text.toString();
  }

  private static JsonObject first(List<JsonObject> events, String type) {
    return events.stream().filter(e -> e.getString("type").equals(type)).findFirst().orElseThrow();
  }

  private static void assertError(GatewayServer.Reply reply, int status, String type) {
    assertEquals(status, reply.status(), reply.body());
    JsonObject body = reply.json();
    assertEquals("error", body.getString("type"), reply.body());
    assertEquals(type, body.getJsonObject("error").getString("type"), reply.body());
    assertFalse(body.getJsonObject("error").getString("message").isBlank());
  }

  @Test
  void aStreamedMessageIsAnthropicsEventsFromMessageStartToMessageStop() throws Exception {
    GatewayServer.Reply reply = post(request("fast", "hello").put("stream", true));
    assertEquals(200, reply.status(), reply.body());
    assertTrue(reply.headers().get("content-type").startsWith("text/event-stream"));
    List<String> types = reply.eventTypes();
    assertEquals(List.of("message_start", "content_block_start"), types.subList(0, 2));
    assertEquals(List.of("content_block_stop", "message_delta", "message_stop"),
      types.subList(types.size() - 3, types.size()));
    List<JsonObject> events = reply.events();
    JsonObject message = events.get(0).getJsonObject("message");
    assertTrue(message.getString("id").startsWith("msg_"));
    assertEquals("message", message.getString("type"));
    assertEquals("assistant", message.getString("role"));
    assertEquals("fast", message.getString("model"));
    assertEquals(new JsonArray(), message.getJsonArray("content"));
    assertNull(message.getValue("stop_reason"));
    assertTrue(message.getJsonObject("usage").containsKey("input_tokens"));
    JsonObject block = events.get(1);
    assertEquals(0, block.getInteger("index"));
    assertEquals(new JsonObject().put("type", "text").put("text", ""), block.getJsonObject("content_block"));
    assertFalse(deltas(events, "text_delta", "text").isBlank());
    JsonObject delta = first(events, "message_delta");
    assertEquals("end_turn", delta.getJsonObject("delta").getString("stop_reason"));
    assertNull(delta.getJsonObject("delta").getValue("stop_sequence"));
    assertEquals(30, delta.getJsonObject("usage").getInteger("output_tokens"));
  }

  @Test
  void aNonStreamingRequestGetsTheMessageObject() throws Exception {
    JsonObject body = request("fast", "hello").put("system", new JsonArray()
      .add(new JsonObject().put("type", "text").put("text", "be brief")));
    GatewayServer.Reply reply = post(body);
    assertEquals(200, reply.status(), reply.body());
    JsonObject message = reply.json();
    assertTrue(message.getString("id").startsWith("msg_"));
    assertEquals("message", message.getString("type"));
    assertEquals("assistant", message.getString("role"));
    assertEquals("end_turn", message.getString("stop_reason"));
    JsonObject text = message.getJsonArray("content").getJsonObject(0);
    assertEquals("text", text.getString("type"));
    assertFalse(text.getString("text").isBlank());
    assertEquals(30, message.getJsonObject("usage").getInteger("output_tokens"));
  }

  @Test
  void maxTokensStopsWithStopReasonMaxTokens() throws Exception {
    List<JsonObject> events = post(request("fast", "hello").put("max_tokens", 3).put("stream", true)).events();
    assertEquals("max_tokens", first(events, "message_delta").getJsonObject("delta").getString("stop_reason"));
    assertEquals(3, first(events, "message_delta").getJsonObject("usage").getInteger("output_tokens"));
    assertEquals("max_tokens", post(request("fast", "hello").put("max_tokens", 3)).json().getString("stop_reason"));
  }

  @Test
  void anUpstreamToolCallBecomesAToolUseBlockWithInputJsonDeltas() throws Exception {
    upstream.enqueue(Script.tokens("Checking.").toolCall("call_7", "weather", "{\"city\":", "\"Köln\"}").usage(11, 9));
    List<JsonObject> events = post(request("relayed", "weather in Köln?").put("stream", true)).events();
    assertEquals("Checking.", deltas(events, "text_delta", "text"));
    assertEquals("{\"city\":\"Köln\"}", deltas(events, "input_json_delta", "partial_json"));
    JsonObject toolStart = events.stream().filter(e -> e.getString("type").equals("content_block_start")
      && e.getInteger("index") == 1).findFirst().orElseThrow();
    assertEquals(new JsonObject().put("type", "tool_use").put("id", "call_7").put("name", "weather")
      .put("input", new JsonObject()), toolStart.getJsonObject("content_block"));
    JsonObject delta = first(events, "message_delta");
    assertEquals("tool_use", delta.getJsonObject("delta").getString("stop_reason"));
    assertEquals(new JsonObject().put("input_tokens", 11).put("output_tokens", 9), delta.getJsonObject("usage"));
    assertEquals("message_stop", events.get(events.size() - 1).getString("type"));

    upstream.enqueue(Script.tokens().toolCall("call_8", "weather", "{\"city\":\"Paris\"}"));
    JsonObject message = post(request("relayed", "weather in Paris?")).json();
    assertEquals("tool_use", message.getString("stop_reason"));
    JsonObject use = message.getJsonArray("content").getJsonObject(0);
    assertEquals("tool_use", use.getString("type"));
    assertEquals("call_8", use.getString("id"));
    assertEquals(new JsonObject().put("city", "Paris"), use.getJsonObject("input"));
  }

  @Test
  void theConversationWithToolsIsTranslatedToChatCompletionsForTheUpstream() throws Exception {
    upstream.enqueue(Script.tokens("Sunny."));
    JsonArray messages = new JsonArray()
      .add(new JsonObject().put("role", "user").put("content", "weather in Paris?"))
      .add(new JsonObject().put("role", "assistant").put("content", new JsonArray()
        .add(new JsonObject().put("type", "thinking").put("thinking", "hmm").put("signature", "s"))
        .add(new JsonObject().put("type", "tool_use").put("id", "toolu_1").put("name", "weather")
          .put("input", new JsonObject().put("city", "Paris")))))
      .add(new JsonObject().put("role", "user").put("content", new JsonArray()
        .add(new JsonObject().put("type", "tool_result").put("tool_use_id", "toolu_1").put("content", "sunny"))
        .add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
          .put("media_type", "image/png").put("data", "iVBORw0KGgo=")))));
    JsonObject body = new JsonObject().put("model", "relayed").put("max_tokens", 100).put("messages", messages)
      .put("system", "be brief").put("temperature", 0.3).put("stop_sequences", new JsonArray().add("END"))
      .put("tools", new JsonArray().add(new JsonObject().put("name", "weather").put("description", "the weather")
        .put("input_schema", new JsonObject().put("type", "object"))))
      .put("tool_choice", new JsonObject().put("type", "any"))
      .put("thinking", new JsonObject().put("type", "enabled").put("budget_tokens", 4096))
      .put("metadata", new JsonObject().put("user_id", "u-1"));
    assertEquals(200, post(body).status());
    JsonObject sent = upstream.lastRequest().body();
    JsonArray chat = sent.getJsonArray("messages");
    assertEquals(new JsonObject().put("role", "system").put("content", "be brief"), chat.getJsonObject(0));
    JsonObject call = chat.getJsonObject(2).getJsonArray("tool_calls").getJsonObject(0);
    assertEquals("toolu_1", call.getString("id"));
    assertEquals("{\"city\":\"Paris\"}", call.getJsonObject("function").getString("arguments"));
    assertEquals(new JsonObject().put("role", "tool").put("tool_call_id", "toolu_1").put("content", "sunny"),
      chat.getJsonObject(3));
    assertEquals("data:image/png;base64,iVBORw0KGgo=", chat.getJsonObject(4).getJsonArray("content")
      .getJsonObject(0).getJsonObject("image_url").getString("url"));
    assertEquals(100, sent.getInteger("max_completion_tokens"));
    assertEquals(new JsonArray().add("END"), sent.getJsonArray("stop"));
    assertEquals("required", sent.getString("tool_choice"));
    assertEquals("medium", sent.getString("reasoning_effort"));
    assertEquals("u-1", sent.getString("user"));
    assertEquals("weather", sent.getJsonArray("tools").getJsonObject(0).getJsonObject("function").getString("name"));
  }

  @Test
  void failuresBeforeTheStreamAreAnthropicErrorsAndAMidStreamFailureIsAnErrorEvent() throws Exception {
    GatewayServer.Reply early = post(request("broken-early", "hello").put("stream", true));
    assertTrue(early.status() >= 500, early.body());
    assertEquals("error", early.json().getString("type"));

    List<JsonObject> events = post(request("broken-mid", "hello").put("stream", true)).events();
    JsonObject error = events.get(events.size() - 1);
    assertEquals("error", error.getString("type"));
    assertEquals("api_error", error.getJsonObject("error").getString("type"));
    assertTrue(error.getJsonObject("error").getString("message").contains("injected"));
    assertFalse(events.stream().anyMatch(e -> e.getString("type").equals("message_stop")));

    upstream.enqueue(Script.rateLimited(7));
    GatewayServer.Reply limited = post(request("relayed", "hello").put("stream", true));
    assertError(limited, 429, "rate_limit_error");
    // retry-after: StreamBridge.redact drops the upstream's retryAfterMs today (reported to the integrator).

    assertError(post(request("no-such-model", "hello")), 404, "not_found_error");
  }

  @Test
  void badRequestsGetAnthropicsInvalidRequestError() throws Exception {
    GatewayServer.Reply noMax = post(request("fast", "hi").put("max_tokens", null));
    assertError(noMax, 400, "invalid_request_error");
    assertEquals("max_tokens: Field required", noMax.json().getJsonObject("error").getString("message"));
    assertError(post(request("fast", "hi").put("messages", new JsonArray())), 400, "invalid_request_error");
    assertError(post(request("fast", "hi").put("messages", new JsonArray().add(new JsonObject().put("role", "system")
      .put("content", "x")))), 400, "invalid_request_error");
    assertError(post(request("fast", "hi").put("tools", new JsonArray().add(new JsonObject()
      .put("type", "web_search_20250305").put("name", "web_search")))), 400, "invalid_request_error");
    assertError(gateway.request(HttpMethod.POST, "/v1/messages", "{nope"), 400, "invalid_request_error");
    assertError(gateway.get("/v1/messages"), 405, "invalid_request_error");
    assertError(gateway.request(HttpMethod.POST, "/v1/messages", request("fast", "x".repeat(9000)).encode()), 413,
      "request_too_large");
  }

  @Test
  void aClientThatDisconnectsMidStreamClosesTheUpstreamRequest() throws Exception {
    int closed = upstream.clientClosedCount();
    upstream.enqueue(Script.tokens("a", "b", "c", "d", "e", "f", "g", "h").delay(Duration.ofMillis(200)));
    HttpClientResponse response = gateway.openStream("/v1/messages", request("relayed", "long").put("stream", true))
      .await(10, TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
    Promise<Void> firstDelta = Promise.promise();
    response.handler(buffer -> {
      if (buffer.toString().contains("text_delta")) {
        firstDelta.tryComplete();
      }
    }).resume();
    firstDelta.future().await(10, TimeUnit.SECONDS);
    String metrics = gateway.get("/metrics").body();
    assertTrue(metrics.contains("tokenlane_connections_open{transport=\"messages-sse\"} 1.0"), metrics);
    response.request().connection().close();
    upstream.awaitClientClosed(closed + 1).await(10, TimeUnit.SECONDS);
  }

  @Test
  void theGatewayKeyGoesInXApiKeyAndRefusalsAreAnthropicErrors() throws Exception {
    String body = request("fast", "hi").encode();
    assertError(guarded.post("/v1/messages", body, "anthropic-version", "2023-06-01"), 401, "authentication_error");
    assertError(guarded.post("/v1/messages", body, "x-api-key", "sk-wrong"), 401, "authentication_error");
    GatewayServer.Reply allowed = guarded.post("/v1/messages", body, "x-api-key", KEY,
      "anthropic-version", "2023-06-01", "anthropic-beta", "tools-2024-04-04");
    assertEquals(200, allowed.status(), allowed.body());
    assertEquals("end_turn", allowed.json().getString("stop_reason"));
    GatewayServer.Reply bearer = guarded.post("/v1/messages", body, "authorization", "Bearer " + KEY,
      "x-request-id", "r-messages-1");
    assertEquals(200, bearer.status(), bearer.body());
    assertEquals("r-messages-1", bearer.headers().get("x-request-id"));
  }

  @Test
  void aLongWaitForTheFirstTokenGetsPingEvents() throws Exception {
    GatewayServer.Reply reply = guarded.post("/v1/messages", request("thinking", "hi").put("stream", true).encode(),
      "x-api-key", KEY);
    assertEquals(200, reply.status(), reply.body());
    List<String> types = reply.eventTypes();
    assertEquals("message_start", types.get(0));
    assertTrue(types.contains("ping"), types.toString());
    assertEquals("message_stop", types.get(types.size() - 1));
  }

  @Test
  void anUpstreamErrorMidStreamIsAnErrorEventAndAContentFilterIsARefusal() throws Exception {
    upstream.enqueue(Script.tokens("one ", "two ", "three ").errorEventAfter(2, "the model overloaded"));
    List<JsonObject> events = post(request("relayed", "hello").put("stream", true)).events();
    assertEquals("one two ", deltas(events, "text_delta", "text"));
    JsonObject error = events.get(events.size() - 1);
    assertEquals("error", error.getString("type"));
    assertTrue(error.getJsonObject("error").getString("message").contains("overloaded"), error.encode());

    upstream.enqueue(Script.tokens("Quote: \"a\"\nback\\slash ").finish("content_filter"));
    List<JsonObject> filtered = post(request("relayed", "hello").put("stream", true)).events();
    assertEquals("Quote: \"a\"\nback\\slash ", deltas(filtered, "text_delta", "text"));
    assertEquals("refusal", first(filtered, "message_delta").getJsonObject("delta").getString("stop_reason"));
  }
}
