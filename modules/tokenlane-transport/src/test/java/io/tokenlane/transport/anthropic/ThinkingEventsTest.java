package io.tokenlane.transport.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.Usage;
import io.tokenlane.transport.http.ChunkedBody;
import io.tokenlane.transport.http.KeepAlives;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Thinking text ({@code onReasoning}) becomes a {@code thinking} block with {@code thinking_delta}s. */
class ThinkingEventsTest {

  private Vertx vertx;
  private KeepAlives keepAlives;
  private HttpServer server;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    keepAlives = new KeepAlives(vertx, 60_000);
    server = vertx.createHttpServer().requestHandler(request -> {
      JsonObject body = new JsonObject().put("model", "m").put("max_tokens", 10).put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
      MessagesRequest parsed = MessagesRequest.of(body);
      MessageEventWriter writer = new MessageEventWriter(ChunkedBody.of(request), request.response(),
        vertx.getOrCreateContext(), keepAlives,
        new MessageObject("msg_1", "m"), parsed.chat);
      writer.onReasoning(JsonText.escape("Think \"hard\"."));
      writer.onText(JsonText.escape("Answer."));
      writer.onUsage(new Usage(3, 4));
      writer.flush();
      writer.onEnd(StreamEnd.finished(FinishReason.STOP));
    }).listen(0, "127.0.0.1").await();
  }

  @AfterEach
  void stop() throws Exception {
    keepAlives.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void thinkingIsAThinkingBlockBeforeTheTextBlock() throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
      URI.create("http://127.0.0.1:" + server.actualPort() + "/")).build(), HttpResponse.BodyHandlers.ofString()).body();
    List<JsonObject> events = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      String[] lines = block.split("\n");
      JsonObject event = new JsonObject(lines[1].substring("data: ".length()));
      assertEquals("event: " + event.getString("type"), lines[0]);
      events.add(event);
    }
    assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_stop",
      "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"),
      events.stream().map(e -> e.getString("type")).toList());
    assertEquals(new JsonObject().put("type", "thinking").put("thinking", "").put("signature", ""),
      events.get(1).getJsonObject("content_block"));
    assertEquals(new JsonObject().put("type", "thinking_delta").put("thinking", "Think \"hard\"."),
      events.get(2).getJsonObject("delta"));
    assertEquals(1, events.get(5).getInteger("index"));
    assertEquals("Answer.", events.get(5).getJsonObject("delta").getString("text"));
    assertEquals(new JsonObject().put("input_tokens", 3).put("output_tokens", 4), events.get(7).getJsonObject("usage"));
  }
}
