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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OpenAI's Responses API ({@code POST /v1/responses}) over real HTTP on loopback: the mock and an OpenAI upstream. */
class ResponsesApiTest {

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

  private static JsonObject request(String model, Object input) {
    return new JsonObject().put("model", model).put("input", input);
  }

  private static GatewayServer.Reply post(JsonObject body) throws Exception {
    return gateway.post("/v1/responses", body);
  }

  private static String deltas(List<JsonObject> events, String type) {
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> e.getString("type").equals(type)).forEach(e -> text.append(e.getString("delta")));
    return text.toString();
  }

  private static JsonObject last(List<JsonObject> events) {
    return events.get(events.size() - 1);
  }

  private static void assertSequenced(List<JsonObject> events) {
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i, events.get(i).getInteger("sequence_number"), events.get(i).encode());
    }
  }

  @Test
  void aStreamedResponseIsTypedEventsFromCreatedToExactlyOneCompletedWithUsage() throws Exception {
    GatewayServer.Reply reply = post(request("fast", "hello").put("stream", true));
    assertEquals(200, reply.status(), reply.body());
    assertTrue(reply.headers().get("content-type").startsWith("text/event-stream"));
    assertEquals("no-cache, no-transform", reply.headers().get("cache-control"));
    List<JsonObject> events = reply.events();
    assertSequenced(events);
    List<String> types = reply.eventTypes();
    assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
      "response.content_part.added"), types.subList(0, 4));
    assertEquals(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done",
      "response.completed"), types.subList(types.size() - 4, types.size()));
    assertEquals(1, types.stream().filter(t -> t.equals("response.completed") || t.equals("response.failed")
      || t.equals("response.incomplete")).count());
    JsonObject created = events.get(0).getJsonObject("response");
    assertTrue(created.getString("id").startsWith("resp_"));
    assertEquals("in_progress", created.getString("status"));
    assertEquals("fast", created.getString("model"));
    String text = deltas(events, "response.output_text.delta");
    assertFalse(text.isBlank());
    JsonObject delta = events.stream().filter(e -> e.getString("type").equals("response.output_text.delta"))
      .findFirst().orElseThrow();
    JsonObject added = events.get(2);
    String itemId = added.getJsonObject("item").getString("id");
    assertTrue(itemId.startsWith("msg_"));
    assertEquals(itemId, delta.getString("item_id"));
    assertEquals(0, delta.getInteger("output_index"));
    assertEquals(0, delta.getInteger("content_index"));
    assertEquals(text, events.get(types.indexOf("response.output_text.done")).getString("text"));
    JsonObject completed = last(events).getJsonObject("response");
    assertEquals(created.getString("id"), completed.getString("id"));
    assertEquals("completed", completed.getString("status"));
    assertEquals(text, completed.getJsonArray("output").getJsonObject(0).getJsonArray("content").getJsonObject(0)
      .getString("text"));
    JsonObject usage = completed.getJsonObject("usage");
    assertEquals(30, usage.getInteger("output_tokens"));
    assertEquals(usage.getInteger("input_tokens") + 30, usage.getInteger("total_tokens"));
  }

  @Test
  void aNonStreamingResponseIsTheResponseObjectAndNothingIsStored() throws Exception {
    JsonObject input = new JsonObject().put("role", "user").put("content", new JsonArray()
      .add(new JsonObject().put("type", "input_text").put("text", "hello")));
    GatewayServer.Reply reply = post(request("fast", new JsonArray().add(input)).put("store", true)
      .put("metadata", new JsonObject().put("trace", "t-1")).put("instructions", "be brief"));
    assertEquals(200, reply.status(), reply.body());
    JsonObject response = reply.json();
    assertTrue(response.getString("id").startsWith("resp_"));
    assertEquals("response", response.getString("object"));
    assertEquals("completed", response.getString("status"));
    assertEquals(false, response.getBoolean("store"));
    assertEquals("be brief", response.getString("instructions"));
    assertEquals("t-1", response.getJsonObject("metadata").getString("trace"));
    assertFalse(response.containsKey("output_text"), "output_text is the SDK's convenience, not the wire's");
    JsonObject message = response.getJsonArray("output").getJsonObject(0);
    assertEquals("message", message.getString("type"));
    assertEquals("assistant", message.getString("role"));
    assertEquals("completed", message.getString("status"));
    JsonObject part = message.getJsonArray("content").getJsonObject(0);
    assertEquals("output_text", part.getString("type"));
    assertFalse(part.getString("text").isBlank());
    assertEquals(30, response.getJsonObject("usage").getInteger("output_tokens"));
  }

  @Test
  void maxOutputTokensEndsIncompleteStreamingOrNot() throws Exception {
    List<JsonObject> events = post(request("fast", "hello").put("stream", true).put("max_output_tokens", 4)).events();
    JsonObject end = last(events);
    assertEquals("response.incomplete", end.getString("type"));
    assertEquals("incomplete", end.getJsonObject("response").getString("status"));
    assertEquals("max_output_tokens", end.getJsonObject("response").getJsonObject("incomplete_details")
      .getString("reason"));
    assertEquals(4, end.getJsonObject("response").getJsonObject("usage").getInteger("output_tokens"));
    JsonObject whole = post(request("fast", "hello").put("max_output_tokens", 4)).json();
    assertEquals("incomplete", whole.getString("status"));
    assertEquals("max_output_tokens", whole.getJsonObject("incomplete_details").getString("reason"));
  }

  @Test
  void anUpstreamToolCallBecomesAFunctionCallItemWithArgumentEvents() throws Exception {
    upstream.enqueue(Script.tokens("Let me ", "check.").toolCall("call_7", "weather", "{\"city\":", "\"Köln\"}")
      .usage(11, 9));
    List<JsonObject> events = post(request("relayed", "weather in Köln?").put("stream", true)).events();
    assertSequenced(events);
    assertEquals("Let me check.", deltas(events, "response.output_text.delta"));
    assertEquals("{\"city\":\"Köln\"}", deltas(events, "response.function_call_arguments.delta"));
    JsonObject added = events.stream().filter(e -> e.getString("type").equals("response.output_item.added")
      && e.getJsonObject("item").getString("type").equals("function_call")).findFirst().orElseThrow();
    assertEquals(1, added.getInteger("output_index"));
    assertEquals("call_7", added.getJsonObject("item").getString("call_id"));
    assertEquals("weather", added.getJsonObject("item").getString("name"));
    JsonObject done = events.stream().filter(e -> e.getString("type").equals("response.function_call_arguments.done"))
      .findFirst().orElseThrow();
    assertEquals("{\"city\":\"Köln\"}", done.getString("arguments"));
    JsonObject completed = last(events).getJsonObject("response");
    assertEquals("response.completed", last(events).getString("type"));
    JsonArray output = completed.getJsonArray("output");
    assertEquals("message", output.getJsonObject(0).getString("type"));
    assertEquals("function_call", output.getJsonObject(1).getString("type"));
    assertEquals("completed", output.getJsonObject(1).getString("status"));
    assertEquals(new JsonObject().put("input_tokens", 11).put("input_tokens_details", new JsonObject()
      .put("cached_tokens", 0)).put("output_tokens", 9).put("output_tokens_details", new JsonObject()
      .put("reasoning_tokens", 0)).put("total_tokens", 20), completed.getJsonObject("usage"));

    upstream.enqueue(Script.tokens().toolCall("call_8", "weather", "{\"city\":\"Paris\"}"));
    JsonObject whole = post(request("relayed", "weather in Paris?")).json();
    JsonObject call = whole.getJsonArray("output").getJsonObject(0);
    assertEquals("function_call", call.getString("type"));
    assertEquals("call_8", call.getString("call_id"));
    assertEquals("{\"city\":\"Paris\"}", call.getString("arguments"));
  }

  @Test
  void theWholeConversationIsTranslatedToChatCompletionsForTheUpstream() throws Exception {
    upstream.enqueue(Script.tokens("It is sunny."));
    JsonArray input = new JsonArray()
      .add(new JsonObject().put("role", "user").put("content", "weather in Paris?"))
      .add(new JsonObject().put("type", "function_call").put("call_id", "call_1").put("name", "weather")
        .put("arguments", "{\"city\":\"Paris\"}"))
      .add(new JsonObject().put("type", "function_call_output").put("call_id", "call_1").put("output", "sunny"));
    JsonObject body = request("relayed", input).put("instructions", "be brief").put("max_output_tokens", 50)
      .put("temperature", 0.5).put("reasoning", new JsonObject().put("effort", "low"))
      .put("tool_choice", "auto").put("user", "u-1")
      .put("text", new JsonObject().put("format", new JsonObject().put("type", "json_schema").put("name", "w")
        .put("schema", new JsonObject().put("type", "object")).put("strict", true)))
      .put("tools", new JsonArray().add(new JsonObject().put("type", "function").put("name", "weather")
        .put("description", "the weather").put("parameters", new JsonObject().put("type", "object"))));
    assertEquals(200, post(body).status());
    JsonObject sent = upstream.lastRequest().body();
    JsonArray messages = sent.getJsonArray("messages");
    assertEquals(new JsonObject().put("role", "system").put("content", "be brief"), messages.getJsonObject(0));
    assertEquals("user", messages.getJsonObject(1).getString("role"));
    JsonObject call = messages.getJsonObject(2).getJsonArray("tool_calls").getJsonObject(0);
    assertEquals("call_1", call.getString("id"));
    assertEquals("weather", call.getJsonObject("function").getString("name"));
    assertEquals(new JsonObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "sunny"),
      messages.getJsonObject(3));
    assertEquals(50, sent.getInteger("max_completion_tokens"));
    assertEquals("low", sent.getString("reasoning_effort"));
    assertEquals("u-1", sent.getString("user"));
    assertEquals("json_schema", sent.getJsonObject("response_format").getString("type"));
    assertEquals("w", sent.getJsonObject("response_format").getJsonObject("json_schema").getString("name"));
    assertEquals("weather", sent.getJsonArray("tools").getJsonObject(0).getJsonObject("function").getString("name"));
    assertEquals("auto", sent.getString("tool_choice"));
  }

  @Test
  void aFailureBeforeTheFirstTokenIsAnHttpErrorAndAMidStreamFailureIsOneResponseFailed() throws Exception {
    GatewayServer.Reply early = post(request("broken-early", "hello").put("stream", true));
    assertTrue(early.status() >= 500, early.body());
    assertTrue(early.json().getJsonObject("error").getString("message").contains("injected"), early.body());

    List<JsonObject> events = post(request("broken-mid", "hello").put("stream", true)).events();
    assertSequenced(events);
    JsonObject failed = last(events);
    assertEquals("response.failed", failed.getString("type"));
    assertEquals("failed", failed.getJsonObject("response").getString("status"));
    assertTrue(failed.getJsonObject("response").getJsonObject("error").getString("message").contains("injected"));
    assertEquals(1, events.stream().filter(e -> e.getString("type").startsWith("response.failed")
      || e.getString("type").equals("response.completed")).count());

    upstream.enqueue(Script.rateLimited(7));
    GatewayServer.Reply limited = post(request("relayed", "hello").put("stream", true));
    assertEquals(429, limited.status(), limited.body());
    assertEquals("rate_limit_error", limited.json().getJsonObject("error").getString("type"));
  }

  @Test
  void badRequestsGetAClearOpenAiError() throws Exception {
    GatewayServer.Reply previous = post(request("fast", "hi").put("previous_response_id", "resp_123"));
    assertEquals(400, previous.status());
    JsonObject error = previous.json().getJsonObject("error");
    assertEquals("previous_response_id_unsupported", error.getString("code"));
    assertEquals("previous_response_id", error.getString("param"));
    assertEquals("this gateway does not store responses; send the whole conversation in input",
      error.getString("message"));

    GatewayServer.Reply noInput = post(new JsonObject().put("model", "fast"));
    assertEquals(400, noInput.status());
    assertEquals("input", noInput.json().getJsonObject("error").getString("param"));

    GatewayServer.Reply badItem = post(request("fast", new JsonArray().add(new JsonObject().put("type", "bogus"))));
    assertEquals(400, badItem.status());
    assertEquals("input[0].type", badItem.json().getJsonObject("error").getString("param"));

    GatewayServer.Reply builtIn = post(request("fast", "hi").put("tools", new JsonArray()
      .add(new JsonObject().put("type", "web_search"))));
    assertEquals(400, builtIn.status());
    assertEquals("unsupported_tool", builtIn.json().getJsonObject("error").getString("code"));

    GatewayServer.Reply json = gateway.request(io.vertx.core.http.HttpMethod.POST, "/v1/responses", "{nope");
    assertEquals(400, json.status());
    assertEquals("invalid_json", json.json().getJsonObject("error").getString("code"));

    GatewayServer.Reply get = gateway.get("/v1/responses");
    assertEquals(405, get.status());
    assertEquals("method_not_allowed", get.json().getJsonObject("error").getString("code"));

    GatewayServer.Reply unknown = post(request("no-such-model", "hi"));
    assertEquals(404, unknown.status());
    assertEquals("model_not_found", unknown.json().getJsonObject("error").getString("code"));

    GatewayServer.Reply large = gateway.request(io.vertx.core.http.HttpMethod.POST, "/v1/responses",
      request("fast", "x".repeat(9000)).encode());
    assertEquals(413, large.status());
    assertEquals("request_too_large", large.json().getJsonObject("error").getString("code"));
  }

  @Test
  void aClientThatDisconnectsMidStreamClosesTheUpstreamRequest() throws Exception {
    int closed = upstream.clientClosedCount();
    upstream.enqueue(Script.tokens("a", "b", "c", "d", "e", "f", "g", "h").delay(Duration.ofMillis(200)));
    HttpClientResponse response = gateway.openStream("/v1/responses", request("relayed", "long").put("stream", true))
      .await(10, TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
    Promise<Void> firstDelta = Promise.promise();
    response.handler(buffer -> {
      if (buffer.toString().contains("response.output_text.delta")) {
        firstDelta.tryComplete();
      }
    }).resume();
    firstDelta.future().await(10, TimeUnit.SECONDS);
    String metrics = gateway.get("/metrics").body();
    assertTrue(metrics.contains("tokenlane_connections_open{transport=\"responses-sse\"} 1.0"), metrics);
    response.request().connection().close();
    upstream.awaitClientClosed(closed + 1).await(10, TimeUnit.SECONDS);
  }

  @Test
  void theGatewayKeyIsRequiredAndRefusalsAreOpenAiErrors() throws Exception {
    String body = request("fast", "hi").encode();
    GatewayServer.Reply refused = guarded.post("/v1/responses", body);
    assertEquals(401, refused.status());
    assertEquals("authentication_error", refused.json().getJsonObject("error").getString("type"));
    assertEquals("invalid_api_key", refused.json().getJsonObject("error").getString("code"));
    GatewayServer.Reply allowed = guarded.post("/v1/responses", body, "authorization", "Bearer " + KEY,
      "x-request-id", "r-responses-1");
    assertEquals(200, allowed.status(), allowed.body());
    assertEquals("r-responses-1", allowed.headers().get("x-request-id"));
    assertEquals("completed", allowed.json().getString("status"));
    assertNull(allowed.json().getValue("error"));
  }

  @Test
  void aLongWaitForTheFirstTokenGetsKeepAliveCommentsBetweenEvents() throws Exception {
    GatewayServer.Reply reply = guarded.post("/v1/responses", request("thinking", "hi").put("stream", true).encode(),
      "authorization", "Bearer " + KEY);
    assertEquals(200, reply.status(), reply.body());
    assertTrue(reply.body().contains("\n\n: keep-alive\n\n"), reply.body());
    assertSequenced(reply.events());
    assertEquals("response.completed", last(reply.events()).getString("type"));
  }

  @Test
  void anUpstreamErrorMidStreamIsOneResponseFailedAndAContentFilterEndsIncomplete() throws Exception {
    upstream.enqueue(Script.tokens("one ", "two ", "three ").errorEventAfter(2, "the model overloaded"));
    List<JsonObject> events = post(request("relayed", "hello").put("stream", true)).events();
    assertSequenced(events);
    assertEquals("one two ", deltas(events, "response.output_text.delta"));
    JsonObject failed = last(events);
    assertEquals("response.failed", failed.getString("type"));
    assertEquals("incomplete", failed.getJsonObject("response").getJsonArray("output").getJsonObject(0)
      .getString("status"));
    assertTrue(failed.getJsonObject("response").getJsonObject("error").getString("message").contains("overloaded"));

    upstream.enqueue(Script.tokens("Quote: \"a\"\nback\\slash ").finish("content_filter"));
    List<JsonObject> filtered = post(request("relayed", "hello").put("stream", true)).events();
    assertEquals("Quote: \"a\"\nback\\slash ", deltas(filtered, "response.output_text.delta"));
    JsonObject incomplete = last(filtered);
    assertEquals("response.incomplete", incomplete.getString("type"));
    assertEquals("content_filter", incomplete.getJsonObject("response").getJsonObject("incomplete_details")
      .getString("reason"));
  }
}
