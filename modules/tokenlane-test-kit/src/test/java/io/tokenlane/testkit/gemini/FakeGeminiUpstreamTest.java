package io.tokenlane.testkit.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake speaks Gemini's documented streamGenerateContent wire format, checked with a plain HTTP client. */
class FakeGeminiUpstreamTest {

  private static final String STREAM = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";

  private Vertx vertx;
  private FakeGeminiUpstream upstream;
  private HttpClientAgent client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(FakeGeminiUpstream.start(vertx));
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private static JsonObject body() {
    return new JsonObject().put("contents", new JsonArray().add(new JsonObject().put("role", "user")
      .put("parts", new JsonArray().add(new JsonObject().put("text", "three little words")))));
  }

  private record Exchange(HttpClientResponse response, List<Buffer> pieces) {
    String body() {
      Buffer all = Buffer.buffer();
      pieces.forEach(all::appendBuffer);
      return all.toString();
    }

    List<JsonObject> events() {
      List<JsonObject> events = new ArrayList<>();
      for (String event : body().split("\r\n\r\n")) {
        assertTrue(event.startsWith("data: "), event);
        events.add(new JsonObject(event.substring("data: ".length())));
      }
      return events;
    }
  }

  private Exchange post(String uri, Buffer body) {
    List<Buffer> pieces = new ArrayList<>();
    HttpClientResponse response = onLoop(() -> client.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(upstream.port()).setURI(uri).putHeader("x-goog-api-key", "AIza-fake-key"))
      .compose(request -> request.send(body))
      .compose(received -> {
        received.handler(pieces::add);
        return received.end().map(received);
      }));
    return new Exchange(response, pieces);
  }

  @Test
  void aStreamIsOneGenerateContentResponsePerEventWithTheFinishAndFinalUsageOnTheLast() {
    upstream.enqueue(GeminiScript.text("Hel", "lo").usage(3, 2));

    Exchange exchange = post(STREAM, body().toBuffer());

    assertEquals(200, exchange.response().statusCode());
    assertEquals("text/event-stream", exchange.response().getHeader("content-type"));
    List<JsonObject> events = exchange.events();
    assertEquals(2, events.size());
    JsonObject first = events.get(0).getJsonArray("candidates").getJsonObject(0);
    assertEquals(new JsonObject().put("parts", new JsonArray().add(new JsonObject().put("text", "Hel"))).put("role", "model"),
      first.getJsonObject("content"));
    assertNull(first.getValue("finishReason"));
    JsonObject last = events.get(1);
    assertEquals("STOP", last.getJsonArray("candidates").getJsonObject(0).getString("finishReason"));
    assertEquals(3, last.getJsonObject("usageMetadata").getInteger("promptTokenCount"));
    assertEquals(2, last.getJsonObject("usageMetadata").getInteger("candidatesTokenCount"));
    assertEquals(5, last.getJsonObject("usageMetadata").getInteger("totalTokenCount"));
    assertEquals("gemini-2.5-flash", last.getString("modelVersion"));
    assertEquals(events.get(0).getString("responseId"), last.getString("responseId"));
  }

  @Test
  void eachEventIsItsOwnWriteUnlessTheScriptSplitsIt() {
    upstream.enqueue(GeminiScript.text("a", "b", "c"));
    upstream.enqueue(GeminiScript.text("a", "b", "c").splitEveryBytes(7));

    Exchange whole = post(STREAM, body().toBuffer());
    Exchange split = post(STREAM, body().toBuffer());

    assertEquals(whole.events().size(), whole.pieces().size());
    assertTrue(whole.pieces().stream().allMatch(piece -> piece.toString().endsWith("\r\n\r\n")));
    assertTrue(split.pieces().size() > 3 * 10, "pieces: " + split.pieces().size());
    assertTrue(split.pieces().stream().allMatch(piece -> piece.length() <= 7));
    assertEquals(3, split.events().size());
  }

  @Test
  void thoughtsFunctionCallsAndThoughtUsageComeAsGeminiSendsThem() {
    upstream.enqueue(GeminiScript.thoughts("Hmm.").andEvent(GeminiScript.functionCallPart("a", new JsonObject()),
      GeminiScript.functionCallPart("b", new JsonObject().put("x", 1))).usage(4, 6, 9));

    List<JsonObject> events = post(STREAM, body().toBuffer()).events();

    JsonArray thought = events.get(0).getJsonArray("candidates").getJsonObject(0).getJsonObject("content").getJsonArray("parts");
    assertEquals(new JsonObject().put("text", "Hmm.").put("thought", true), thought.getJsonObject(0));
    JsonArray calls = events.get(1).getJsonArray("candidates").getJsonObject(0).getJsonObject("content").getJsonArray("parts");
    assertEquals(new JsonObject().put("name", "b").put("args", new JsonObject().put("x", 1)),
      calls.getJsonObject(1).getJsonObject("functionCall"));
    assertEquals(9, events.get(1).getJsonObject("usageMetadata").getInteger("thoughtsTokenCount"));
    assertEquals(19, events.get(1).getJsonObject("usageMetadata").getInteger("totalTokenCount"));
  }

  @Test
  void aBlockedPromptIsOneEventWithPromptFeedbackAndNoCandidates() {
    upstream.enqueue(GeminiScript.promptBlocked("SAFETY"));

    List<JsonObject> events = post(STREAM, body().toBuffer()).events();

    assertEquals(1, events.size());
    assertFalse(events.get(0).containsKey("candidates"));
    assertEquals("SAFETY", events.get(0).getJsonObject("promptFeedback").getString("blockReason"));
    assertEquals(3, events.get(0).getJsonObject("usageMetadata").getInteger("promptTokenCount"));
  }

  @Test
  void errorsAreGooglesErrorObjectAndAWrongKeyIsQuotedInTheDebugDetails() {
    upstream.enqueue(GeminiScript.rateLimited(17));
    upstream.enqueue(GeminiScript.invalidApiKey());

    Exchange limited = post(STREAM, body().toBuffer());
    Exchange wrongKey = post(STREAM, body().toBuffer());

    assertEquals(429, limited.response().statusCode());
    JsonObject error = new JsonObject(limited.body()).getJsonObject("error");
    assertEquals(429, error.getInteger("code"));
    assertEquals("RESOURCE_EXHAUSTED", error.getString("status"));
    assertEquals("17s", error.getJsonArray("details").getJsonObject(1).getString("retryDelay"));
    assertEquals(400, wrongKey.response().statusCode());
    assertTrue(wrongKey.body().contains("API_KEY_INVALID"));
    assertTrue(wrongKey.body().contains("Invalid API key: AIza-fake-key"));
  }

  @Test
  void anErrorEventAfterSomeEventsEndsTheStream() {
    upstream.enqueue(GeminiScript.text("a", "b", "c").errorEventAfter(1, 503, "UNAVAILABLE", "overloaded"));

    List<JsonObject> events = post(STREAM, body().toBuffer()).events();

    assertEquals(2, events.size());
    assertEquals("UNAVAILABLE", events.get(1).getJsonObject("error").getString("status"));
  }

  @Test
  void requestsAreRecordedWithPathQueryHeadersAndBody() {
    post(STREAM, body().toBuffer());

    GeminiRequest request = upstream.lastRequest();
    assertEquals("/v1beta/models/gemini-2.5-flash:streamGenerateContent", request.path());
    assertEquals("alt=sse", request.query());
    assertEquals("gemini-2.5-flash", request.model());
    assertEquals("AIza-fake-key", request.header("X-Goog-Api-Key"));
    assertEquals(body(), request.body());
  }

  @Test
  void withoutAltSseTheAnswerIsOneJsonArrayAndOtherPathsAre404() {
    Exchange array = post("/v1beta/models/gemini-2.5-flash:streamGenerateContent", body().toBuffer());
    Exchange unknown = post("/v1beta/models/gemini-2.5-flash:countTokens", body().toBuffer());

    assertEquals(2, ((JsonArray) Json.decodeValue(array.body())).size());
    assertEquals(404, unknown.response().statusCode());
    assertEquals("NOT_FOUND", new JsonObject(unknown.body()).getJsonObject("error").getString("status"));
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
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
  }
}
