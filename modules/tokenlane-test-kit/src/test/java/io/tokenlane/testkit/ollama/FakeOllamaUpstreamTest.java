package io.tokenlane.testkit.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.ReceivedRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake speaks Ollama's documented /api/chat stream, checked with a plain HTTP client. */
class FakeOllamaUpstreamTest {

  private Vertx vertx;
  private FakeOllamaUpstream upstream;
  private HttpClientAgent client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(FakeOllamaUpstream.start(vertx));
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private record Exchange(HttpClientResponse response, List<Buffer> pieces) {
    String body() {
      Buffer all = Buffer.buffer();
      pieces.forEach(all::appendBuffer);
      return all.toString();
    }

    List<JsonObject> lines() {
      List<JsonObject> lines = new ArrayList<>();
      for (String line : body().split("\n")) {
        lines.add(new JsonObject(line));
      }
      return lines;
    }
  }

  private static JsonObject chatBody() {
    return new JsonObject().put("model", "llama3.2").put("messages", new JsonArray()
      .add(new JsonObject().put("role", "user").put("content", "three little words")));
  }

  /**
   * Runs a client exchange on an event loop, so its callbacks run as the response arrives: from the test thread a
   * small answer could end before a body handler is set.
   */
  private <T> T onLoop(Supplier<Future<T>> exchange) {
    Promise<T> result = Promise.promise();
    vertx.runOnContext(v -> exchange.get().onComplete(result));
    return await(result.future());
  }

  /** A whole answer, its body in one piece. */
  private Exchange call(HttpMethod method, String path, Buffer body) {
    return onLoop(() -> client.request(new RequestOptions().setMethod(method)
        .setHost("127.0.0.1").setPort(upstream.port()).setURI(path))
      .compose(request -> request.send(body))
      .compose(received -> received.body().map(whole -> new Exchange(received, List.of(whole)))));
  }

  /** A streamed answer, piece by piece as the client read it. */
  private Exchange pieces(Script script) {
    upstream.enqueue(script);
    List<Buffer> pieces = new ArrayList<>();
    HttpClientResponse response = onLoop(() -> client.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(upstream.port()).setURI("/api/chat"))
      .compose(request -> request.send(chatBody().toBuffer()))
      .compose(received -> {
        received.handler(pieces::add);
        return received.end().map(received);
      }));
    return new Exchange(response, pieces);
  }

  private Exchange chat(Script script) {
    upstream.enqueue(script);
    return call(HttpMethod.POST, "/api/chat", chatBody().toBuffer());
  }

  @Test
  void aChatStreamsOneNdjsonLinePerWriteThenTheDoneLineWithCounts() {
    Exchange exchange = pieces(Script.tokens("Hel", "lo").evalCounts(12, 2).delay(Duration.ofMillis(5)));

    assertEquals(200, exchange.response().statusCode());
    assertEquals("application/x-ndjson", exchange.response().getHeader("content-type"));
    List<JsonObject> lines = exchange.lines();
    assertEquals(3, lines.size());
    assertEquals(3, exchange.pieces().size(), "one write per line, each a read of its own with the delay");
    JsonObject first = lines.get(0);
    assertEquals(List.of("model", "created_at", "message", "done"), List.copyOf(first.fieldNames()));
    assertEquals("llama3.2", first.getString("model"));
    assertEquals(new JsonObject().put("role", "assistant").put("content", "Hel"), first.getJsonObject("message"));
    assertEquals(false, first.getBoolean("done"));
    JsonObject done = lines.get(2);
    assertEquals(true, done.getBoolean("done"));
    assertEquals("stop", done.getString("done_reason"));
    assertEquals(12, done.getInteger("prompt_eval_count"));
    assertEquals(2, done.getInteger("eval_count"));
    assertTrue(done.getLong("total_duration") > 0);
    assertEquals("", done.getJsonObject("message").getString("content"));
  }

  @Test
  void thinkingComesFirstThenContentThenWholeToolCallsWithIds() {
    List<JsonObject> lines = chat(Script.tokens("ok").thinking("hmm")
      .toolCall("get_weather", new JsonObject().put("city", "Tokyo"))).lines();

    assertEquals("hmm", lines.get(0).getJsonObject("message").getString("thinking"));
    assertEquals("", lines.get(0).getJsonObject("message").getString("content"));
    assertEquals("ok", lines.get(1).getJsonObject("message").getString("content"));
    JsonObject call = lines.get(2).getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0);
    assertTrue(call.getString("id").matches("call_[a-z0-9]{8}"), call.encode());
    assertEquals(new JsonObject().put("index", 0).put("name", "get_weather")
      .put("arguments", new JsonObject().put("city", "Tokyo")), call.getJsonObject("function"));
  }

  @Test
  void defaultCountsAreThePromptWordsAndTheLinesSentAndZeroCountsAreLeftOut() {
    assertEquals(2, chat(Script.tokens("a", "b")).lines().get(2).getInteger("eval_count"));
    assertEquals(3, chat(Script.tokens("a")).lines().get(1).getInteger("prompt_eval_count"));
    JsonObject done = chat(Script.tokens("a").evalCounts(0, 1)).lines().get(1);
    assertFalse(done.containsKey("prompt_eval_count"));
  }

  @Test
  void textIsEscapedTheWayGosEncoderDoes() {
    String body = chat(Script.tokens("<b>&</b>")).body();

    assertTrue(body.contains("\"content\":\"\\u003cb\\u003e\\u0026\\u003c/b\\u003e\""), body);
  }

  @Test
  void errorsAreOllamasErrorObject() {
    Exchange notFound = chat(Script.modelNotFound());
    assertEquals(404, notFound.response().statusCode());
    assertEquals(new JsonObject().put("error", "model 'llama3.2' not found"), new JsonObject(notFound.body()));

    Exchange limited = chat(Script.rateLimited(7));
    assertEquals(429, limited.response().statusCode());
    assertEquals("7", limited.response().getHeader("retry-after"));

    List<JsonObject> midStream = chat(Script.tokens("a", "b").errorLineAfter(1, "runner crashed")).lines();
    assertEquals(new JsonObject().put("error", "runner crashed"), midStream.get(1));
    assertEquals(2, midStream.size());
  }

  @Test
  void withModelsSetOtherModelsAreNotFoundAndTagsListsThem() {
    upstream.models("qwen3:8b");

    Exchange chat = call(HttpMethod.POST, "/api/chat", chatBody().toBuffer());
    Exchange tags = call(HttpMethod.GET, "/api/tags", Buffer.buffer());

    assertEquals(404, chat.response().statusCode());
    assertEquals("qwen3:8b", new JsonObject(tags.body()).getJsonArray("models").getJsonObject(0).getString("name"));
  }

  @Test
  void unknownPathsGetGinsPlain404AndEveryRequestIsRecorded() {
    Exchange exchange = call(HttpMethod.POST, "/v1/chat/completions", chatBody().toBuffer());

    assertEquals(404, exchange.response().statusCode());
    assertEquals("404 page not found", exchange.body());
    ReceivedRequest received = upstream.lastRequest();
    assertEquals("/v1/chat/completions", received.path());
    assertEquals(chatBody(), received.body());
  }

  @Test
  void splitAtCutsTheWholeBodyAtTheGivenOffsets() {
    Exchange exchange = pieces(Script.tokens("a").splitAt(10, 20).delay(Duration.ofMillis(5)));

    assertEquals(10, exchange.pieces().get(0).length());
    assertEquals(10, exchange.pieces().get(1).length());
    assertEquals(2, exchange.lines().size());
  }

  @Test
  void aClientThatHangsUpMidStreamIsCounted() {
    upstream.enqueue(Script.tokens("a", "b").stallAfter(1));
    HttpClientResponse response = onLoop(() -> client.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(upstream.port()).setURI("/api/chat"))
      .compose(request -> request.send(chatBody().toBuffer())));

    await(response.request().reset());
    await(upstream.awaitClientClosed());

    assertEquals(1, upstream.clientClosedCount());
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
  }
}
