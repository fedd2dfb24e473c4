package io.tokenlane.testkit.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake speaks Anthropic's documented streaming wire format, checked with a plain HTTP client. */
class FakeAnthropicUpstreamTest {

  private Vertx vertx;
  private FakeAnthropicUpstream upstream;
  private HttpClientAgent client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(FakeAnthropicUpstream.start(vertx));
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private record Event(String name, JsonObject data) {
  }

  private record Answer(HttpClientResponse response, List<Buffer> pieces) {
    String body() {
      Buffer all = Buffer.buffer();
      pieces.forEach(all::appendBuffer);
      return all.toString();
    }

    List<Event> events() {
      List<Event> events = new ArrayList<>();
      for (String event : body().split("\n\n")) {
        String[] lines = event.split("\n");
        assertEquals(2, lines.length, event);
        assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), event);
        events.add(new Event(lines[0].substring(7), new JsonObject(lines[1].substring(6))));
      }
      return events;
    }
  }

  private static JsonObject body() {
    return new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 100).put("stream", true)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "three short words")));
  }

  private Answer post(JsonObject body, MultiMap headers) {
    List<Buffer> pieces = new ArrayList<>();
    HttpClientResponse response = onLoop(() -> client.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(upstream.port()).setURI("/v1/messages").setHeaders(headers))
      .compose(request -> request.send(body.toBuffer()))
      .compose(received -> {
        received.handler(pieces::add);
        return received.end().map(received);
      }));
    return new Answer(response, pieces);
  }

  private Answer post(JsonObject body) {
    return post(body, MultiMap.caseInsensitiveMultiMap().add("x-api-key", "sk-ant-test")
      .add("anthropic-version", "2023-06-01").add("content-type", "application/json"));
  }

  @Test
  void aTextStreamIsMessageStartBlockPingDeltasStopMessageDeltaMessageStopOneEventPerWrite() {
    upstream.enqueue(Script.tokens("Hel", "lo").usage(5, 2).cacheUsage(3, 4));

    Answer answer = post(body());

    assertEquals(200, answer.response().statusCode());
    assertEquals("text/event-stream; charset=utf-8", answer.response().getHeader("content-type"));
    assertTrue(answer.response().getHeader("request-id").startsWith("req_"));
    List<Event> events = answer.events();
    assertEquals(List.of("message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
      "content_block_stop", "message_delta", "message_stop"), events.stream().map(Event::name).toList());
    assertEquals(events.size(), answer.pieces().size(), "one event per write");
    JsonObject message = events.get(0).data().getJsonObject("message");
    assertTrue(message.getString("id").startsWith("msg_"));
    assertEquals("claude-sonnet-4-5", message.getString("model"));
    assertEquals(new JsonObject().put("input_tokens", 5).put("cache_creation_input_tokens", 3)
      .put("cache_read_input_tokens", 4).put("output_tokens", 1), message.getJsonObject("usage"));
    assertEquals(new JsonObject().put("type", "content_block_start").put("index", 0)
      .put("content_block", new JsonObject().put("type", "text").put("text", "")), events.get(1).data());
    assertEquals(new JsonObject().put("type", "content_block_delta").put("index", 0)
      .put("delta", new JsonObject().put("type", "text_delta").put("text", "Hel")), events.get(3).data());
    assertEquals(new JsonObject().put("type", "message_delta")
      .put("delta", new JsonObject().put("stop_reason", "end_turn").putNull("stop_sequence"))
      .put("usage", new JsonObject().put("output_tokens", 2)), events.get(6).data());
    assertEquals(new JsonObject().put("type", "message_stop"), events.get(7).data());
    events.forEach(event -> assertEquals(event.name(), event.data().getString("type")));
  }

  @Test
  void thinkingEndsWithASignatureAndToolUseStartsEmptyThenStreamsItsInput() {
    upstream.enqueue(Script.message().thinking("hmm").toolUse("toolu_1", "get_weather", "{\"city\":", "\"Paris\"}"));

    List<Event> events = post(body()).events();

    assertEquals("thinking", events.get(1).data().getJsonObject("content_block").getString("type"));
    assertEquals("signature_delta", events.get(4).data().getJsonObject("delta").getString("type"));
    JsonObject toolStart = events.get(6).data();
    assertEquals(1, toolStart.getInteger("index"));
    assertEquals(new JsonObject().put("type", "tool_use").put("id", "toolu_1").put("name", "get_weather")
      .put("input", new JsonObject()), toolStart.getJsonObject("content_block"));
    assertEquals(new JsonObject().put("type", "input_json_delta").put("partial_json", ""),
      events.get(7).data().getJsonObject("delta"));
    assertEquals("{\"city\":", events.get(8).data().getJsonObject("delta").getString("partial_json"));
    assertEquals("tool_use", events.get(events.size() - 2).data().getJsonObject("delta").getString("stop_reason"));
  }

  @Test
  void anErrorEventAfterTheFirstTokenReplacesTheRestOfTheMessage() {
    upstream.enqueue(Script.tokens("a", "b", "c").errorEventAfter(1, "overloaded_error", "Overloaded"));

    List<Event> events = post(body()).events();

    Event last = events.get(events.size() - 1);
    assertEquals("error", last.name());
    assertEquals(new JsonObject().put("type", "error")
      .put("error", new JsonObject().put("type", "overloaded_error").put("message", "Overloaded")), last.data());
    assertEquals(1, events.stream().filter(event -> event.name().equals("content_block_delta")).count());
  }

  @Test
  void httpErrorsCarryAnthropicsErrorBody() {
    upstream.enqueue(Script.overloaded());

    Answer answer = post(body());

    assertEquals(529, answer.response().statusCode());
    JsonObject error = new JsonObject(answer.body());
    assertEquals("error", error.getString("type"));
    assertEquals(new JsonObject().put("type", "overloaded_error").put("message", "Overloaded"), error.getJsonObject("error"));
    assertTrue(error.getString("request_id").startsWith("req_"));
  }

  @Test
  void theFakeChecksTheKeyTheVersionHeaderAndMaxTokensAsAnthropicDoes() {
    upstream.expectApiKey("sk-ant-right");
    MultiMap noVersion = MultiMap.caseInsensitiveMultiMap().add("x-api-key", "sk-ant-right");

    assertEquals(401, post(body()).response().statusCode());
    Answer missingVersion = post(body(), noVersion);
    assertEquals(400, missingVersion.response().statusCode());
    assertEquals("anthropic-version: header is required",
      new JsonObject(missingVersion.body()).getJsonObject("error").getString("message"));
    upstream.expectApiKey(null);
    Answer noMax = post(body().copy().put("max_tokens", (Object) null));
    assertEquals(400, noMax.response().statusCode());
    assertEquals(3, upstream.requestCount());
  }

  @Test
  void requestsAreRecordedWithTheirHeadersAndBody() {
    post(body());

    assertEquals("/v1/messages", upstream.lastRequest().path());
    assertEquals("sk-ant-test", upstream.lastRequest().header("X-Api-Key"));
    assertEquals(body(), upstream.lastRequest().body());
    assertNull(upstream.lastRequest().header("anthropic-beta"));
  }

  /**
   * Builds an exchange on an event loop: chained from the test's thread, a response that comes at once could end
   * before its handlers are set (Vert.x then refuses them), since those callbacks would run on the test's thread.
   */
  private <T> T onLoop(java.util.function.Supplier<Future<T>> exchange) {
    io.vertx.core.Promise<T> result = io.vertx.core.Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> exchange.get().onComplete(result));
    return await(result.future());
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
