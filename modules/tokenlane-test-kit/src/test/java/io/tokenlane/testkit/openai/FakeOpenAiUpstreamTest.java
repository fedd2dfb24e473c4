package io.tokenlane.testkit.openai;

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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake speaks OpenAI's documented wire format, checked with a plain HTTP client. */
class FakeOpenAiUpstreamTest {

  private Vertx vertx;
  private FakeOpenAiUpstream upstream;
  private HttpClientAgent client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(FakeOpenAiUpstream.start(vertx));
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private JsonObject chatBody(boolean stream, boolean includeUsage) {
    JsonObject body = new JsonObject().put("model", "gpt-4o-mini").put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "two words")));
    return includeUsage ? body.put("stream_options", new JsonObject().put("include_usage", true)) : body;
  }

  private Exchange post(JsonObject body) {
    return call(HttpMethod.POST, "/v1/chat/completions", body.toBuffer());
  }

  private record Exchange(HttpClientResponse response, List<Buffer> pieces) {
    String body() {
      Buffer all = Buffer.buffer();
      pieces.forEach(all::appendBuffer);
      return all.toString();
    }

    List<String> data() {
      List<String> data = new ArrayList<>();
      for (String event : body().split("\n\n")) {
        if (event.startsWith("data: ")) {
          data.add(event.substring("data: ".length()));
        }
      }
      return data;
    }
  }

  private Exchange call(HttpMethod method, String path, Buffer body) {
    List<Buffer> pieces = new ArrayList<>();
    HttpClientResponse response = onLoop(() -> client.request(new RequestOptions().setMethod(method)
        .setHost("127.0.0.1").setPort(upstream.port()).setURI(path))
      .compose(request -> request.send(body))
      .compose(received -> {
        received.handler(pieces::add);
        return received.end().map(received);
      }));
    return new Exchange(response, pieces);
  }

  @Test
  void aStreamIsRoleChunkThenTokensThenFinishThenUsageThenDone() {
    upstream.enqueue(Script.tokens("Hel", "lo").usage(5, 2));

    Exchange exchange = post(chatBody(true, true));

    assertEquals(200, exchange.response().statusCode());
    assertEquals("text/event-stream; charset=utf-8", exchange.response().getHeader("content-type"));
    List<String> data = exchange.data();
    assertEquals(6, data.size(), data.toString());
    JsonObject role = new JsonObject(data.get(0));
    assertTrue(role.getString("id").startsWith("chatcmpl-"));
    assertEquals("chat.completion.chunk", role.getString("object"));
    assertEquals("gpt-4o-mini", role.getString("model"));
    assertTrue(role.getString("system_fingerprint").startsWith("fp_"));
    assertTrue(role.containsKey("usage") && role.getValue("usage") == null, "usage: null on every chunk");
    assertEquals(new JsonObject().put("index", 0)
        .put("delta", new JsonObject().put("role", "assistant").put("content", "").putNull("refusal"))
        .putNull("logprobs").putNull("finish_reason"),
      role.getJsonArray("choices").getJsonObject(0));
    assertEquals("Hel", new JsonObject(data.get(1)).getJsonArray("choices").getJsonObject(0)
      .getJsonObject("delta").getString("content"));
    JsonObject finish = new JsonObject(data.get(3)).getJsonArray("choices").getJsonObject(0);
    assertEquals(new JsonObject(), finish.getJsonObject("delta"));
    assertEquals("stop", finish.getString("finish_reason"));
    JsonObject usage = new JsonObject(data.get(4));
    assertEquals(new JsonArray(), usage.getJsonArray("choices"));
    assertEquals(7, usage.getJsonObject("usage").getInteger("total_tokens"));
    assertEquals(role.getString("id"), usage.getString("id"));
    assertEquals("[DONE]", data.get(5));
  }

  @Test
  void withoutIncludeUsageThereIsNoUsageChunkAndNoUsageField() {
    List<String> data = post(chatBody(true, false)).data();

    assertEquals(5, data.size(), data.toString());
    assertFalse(new JsonObject(data.get(1)).containsKey("usage"));
  }

  @Test
  void splitEveryBytesWritesEachPieceSeparately() {
    upstream.enqueue(Script.tokens("abc").splitEveryBytes(3));

    Exchange exchange = post(chatBody(true, false));

    assertTrue(exchange.pieces().stream().allMatch(piece -> piece.length() <= 3),
      "pieces: " + exchange.pieces().stream().map(Buffer::length).toList());
    assertEquals("abc", new JsonObject(exchange.data().get(1)).getJsonArray("choices").getJsonObject(0)
      .getJsonObject("delta").getString("content"));
  }

  @Test
  void aNonStreamingRequestGetsAChatCompletionObject() {
    upstream.enqueue(Script.tokens("Hi", " there").usage(2, 2));

    JsonObject completion = new JsonObject(post(chatBody(false, false)).body());

    assertEquals("chat.completion", completion.getString("object"));
    JsonObject choice = completion.getJsonArray("choices").getJsonObject(0);
    assertEquals("Hi there", choice.getJsonObject("message").getString("content"));
    assertEquals("assistant", choice.getJsonObject("message").getString("role"));
    assertEquals("stop", choice.getString("finish_reason"));
    assertEquals(4, completion.getJsonObject("usage").getInteger("total_tokens"));
  }

  @Test
  void errorsUseOpenAisErrorObject() {
    upstream.enqueue(Script.rateLimited(7));

    Exchange exchange = post(chatBody(true, true));

    assertEquals(429, exchange.response().statusCode());
    assertEquals("7", exchange.response().getHeader("retry-after"));
    JsonObject error = new JsonObject(exchange.body()).getJsonObject("error");
    assertEquals("rate_limit_exceeded", error.getString("code"));
    assertEquals("requests", error.getString("type"));
    assertTrue(error.containsKey("param"));
  }

  @Test
  void unauthorizedQuotesTheKeyMaskedLikeOpenAi() {
    upstream.enqueue(Script.unauthorized());
    Buffer body = chatBody(true, false).toBuffer();
    String key = "sk-abcdefghijklmnopWXYZ";

    JsonObject answer = onLoop(() -> client.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(upstream.port()).setURI("/v1/chat/completions")
        .putHeader("Authorization", "Bearer " + key))
      .compose(request -> request.send(body))
      .compose(response -> response.body().map(text -> new JsonObject(text).put("status", response.statusCode()))));
    String message = answer.getJsonObject("error").getString("message");

    assertEquals(401, answer.getInteger("status"));
    assertTrue(message.startsWith("Incorrect API key provided: sk-****"), message);
    assertTrue(message.contains("WXYZ."), message);
    assertFalse(message.contains(key), message);
  }

  @Test
  void modelsAreListedInOpenAisListShape() {
    upstream.models("gpt-4o", "gpt-4o-mini");

    JsonObject list = new JsonObject(call(HttpMethod.GET, "/v1/models", Buffer.buffer()).body());

    assertEquals("list", list.getString("object"));
    assertEquals("gpt-4o", list.getJsonArray("data").getJsonObject(0).getString("id"));
    assertEquals("model", list.getJsonArray("data").getJsonObject(1).getString("object"));
  }

  @Test
  void unknownPathsGetOpenAis404() {
    Exchange exchange = call(HttpMethod.POST, "/v1/nope", Buffer.buffer("{}"));

    assertEquals(404, exchange.response().statusCode());
    assertEquals("Invalid URL (POST /v1/nope)",
      new JsonObject(exchange.body()).getJsonObject("error").getString("message"));
  }

  @Test
  void everyRequestIsRecordedWithHeadersAndParsedBody() {
    post(chatBody(true, true));

    ReceivedRequest request = await(upstream.awaitRequest(1));
    assertEquals(1, upstream.requestCount());
    assertEquals("POST", request.method());
    assertEquals("/v1/chat/completions", request.path());
    assertTrue(request.streaming());
    assertEquals("gpt-4o-mini", request.body().getString("model"));
    assertNull(request.header("Authorization"));
  }

  @Test
  void aClientThatClosesDuringAStallIsCountedButAFinishedResponseIsNot() {
    post(chatBody(true, false));
    upstream.enqueue(Script.stall());
    HttpClientResponse response = onLoop(() -> client.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(upstream.port()).setURI("/v1/chat/completions"))
      .compose(request -> request.send(chatBody(true, false).toBuffer())));

    response.exceptionHandler(expected -> { });
    response.request().connection().close();
    await(upstream.awaitClientClosed());

    assertEquals(1, upstream.clientClosedCount());
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
      throw new AssertionError(e);
    }
  }
}
