package io.tokenlane.bench.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fake upstream's JVM as the bench starts it: the Anthropic port answers the script the bench sets, in
 * Anthropic's streaming format and with the same tokens and pauses as the OpenAI port, and a client closing either
 * port's stream is one close in the log the cancel phase reads.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class UpstreamProcessTest {

  private static final JsonObject MESSAGES = new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 64)
    .put("stream", true).put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Hi")));
  private static final JsonObject CHAT = new JsonObject().put("model", "gpt-4o-mini").put("stream", true)
    .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Hi")));

  @TempDir
  static Path dir;
  private static UpstreamProcess upstream;
  private static Vertx vertx;
  private static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    upstream = UpstreamProcess.start(dir);
    vertx = Vertx.vertx();
    client = vertx.createHttpClient();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    upstream.close();
  }

  @Test
  void anthropicPortStreamsOneTextDeltaPerTokenBetweenAnthropicsFramingEvents() throws Exception {
    upstream.script(new ScriptSpec(3, 20, -1));

    List<String> events = new ArrayList<>();
    List<Long> arrivals = new ArrayList<>();
    String body = post(upstream.ports().anthropic(), "/v1/messages", MESSAGES, events, arrivals);

    assertEquals(List.of("message_start", "content_block_start", "ping", "content_block_delta",
      "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"), events,
      body);
    assertEquals(3, body.split("\"text_delta\",\"text\":\"" + ScriptSpec.TOKEN + "\"", -1).length - 1, body);
    assertTrue(body.contains("\"usage\":{\"output_tokens\":3}"), "message_delta carries the usage: " + body);
    // Each token waits for the script's pause, as on a model server, the framing around them does not: a timer
    // never fires early, so this lower bound holds on any machine.
    long spanMs = (arrivals.get(5) - arrivals.get(0)) / 1_000_000;
    assertTrue(spanMs >= 20L * 3, "the three tokens arrived " + spanMs + " ms after message_start, paced 20 ms");
  }

  @Test
  void openAiPortStillAnswersTheSameTokens() throws Exception {
    upstream.script(new ScriptSpec(3, 0, -1));

    String body = post(upstream.port(), "/v1/chat/completions", CHAT, new ArrayList<>(), new ArrayList<>());

    assertEquals(3, body.split("\"content\":\"" + ScriptSpec.TOKEN + "\"", -1).length - 1, body);
    assertTrue(body.strip().endsWith("data: [DONE]"), body);
  }

  @Test
  void aClientClosingAnAnthropicStreamIsOneCloseInTheLog() throws Exception {
    upstream.script(new ScriptSpec(3, 0, 1));
    int before = upstream.clientClosed();

    Promise<Void> firstToken = Promise.promise();
    // Handlers are set on the event loop as the response arrives, before any of its body is read.
    HttpClientResponse response = client.request(options(upstream.ports().anthropic(), "/v1/messages"))
      .compose(request -> request.send(MESSAGES.toBuffer()))
      .map(answer -> answer.handler(chunk -> {
        if (chunk.toString().contains("text_delta")) {
          firstToken.tryComplete();
        }
      })).await();
    firstToken.future().await();
    long closing = System.nanoTime();
    response.request().connection().close().await();

    long closed = upstream.awaitClose(before, 10_000);
    assertTrue(closed >= closing, "the close was seen after the client closed");
    assertEquals(before + 1, upstream.clientClosed());
  }

  /** POSTs {@code body} and reads the answer, noting each SSE event's name and when its chunk arrived. */
  private static String post(int port, String path, JsonObject body, List<String> events, List<Long> arrivals) {
    Buffer all = Buffer.buffer();
    int status = client.request(options(port, path))
      .compose(request -> request.send(body.toBuffer()))
      .compose(response -> response.handler(chunk -> {
        all.appendBuffer(chunk);
        for (String line : chunk.toString().split("\n")) {
          if (line.startsWith("event: ")) {
            events.add(line.substring("event: ".length()));
            arrivals.add(System.nanoTime());
          }
        }
      }).end().map(done -> response.statusCode())).await();
    assertEquals(200, status, all.toString());
    return all.toString();
  }

  private static RequestOptions options(int port, String path) {
    return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(path)
      .putHeader("content-type", "application/json").putHeader("x-api-key", "bench")
      .putHeader("anthropic-version", "2023-06-01");
  }
}
