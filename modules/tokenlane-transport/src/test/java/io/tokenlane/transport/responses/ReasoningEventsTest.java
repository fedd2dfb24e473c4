package io.tokenlane.transport.responses;

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

/** Thinking text ({@code onReasoning}) becomes a reasoning item with summary-text events, ahead of the message. */
class ReasoningEventsTest {

  private Vertx vertx;
  private KeepAlives keepAlives;
  private HttpServer server;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    keepAlives = new KeepAlives(vertx, 60_000);
    server = vertx.createHttpServer().requestHandler(request -> {
      JsonObject body = new JsonObject().put("model", "m").put("input", "hi").put("stream", true);
      ResponsesRequest parsed = ResponsesRequest.of(body);
      ResponseEventWriter writer = new ResponseEventWriter(ChunkedBody.of(request), request.response(),
        vertx.getOrCreateContext(), keepAlives,
        new ResponseObject("resp_1", 0, parsed), parsed.chat);
      writer.onReasoning(JsonText.escape("Think \"hard\"."));
      writer.onReasoning(JsonText.escape(" Done."));
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
  void reasoningIsAReasoningItemWithSummaryTextDeltasBeforeTheMessage() throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
      URI.create("http://127.0.0.1:" + server.actualPort() + "/")).build(), HttpResponse.BodyHandlers.ofString()).body();
    List<JsonObject> events = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      String[] lines = block.split("\n");
      JsonObject event = new JsonObject(lines[1].substring("data: ".length()));
      assertEquals("event: " + event.getString("type"), lines[0]);
      events.add(event);
    }
    assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
      "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done", "response.output_item.done", "response.output_item.added",
      "response.content_part.added", "response.output_text.delta", "response.output_text.done",
      "response.content_part.done", "response.output_item.done", "response.completed"),
      events.stream().map(e -> e.getString("type")).toList());
    JsonObject delta = events.get(4);
    assertEquals("Think \"hard\".", delta.getString("delta"));
    assertEquals(0, delta.getInteger("output_index"));
    assertEquals(0, delta.getInteger("summary_index"));
    assertEquals("Think \"hard\". Done.", events.get(6).getString("text"));
    JsonArray output = events.get(15).getJsonObject("response").getJsonArray("output");
    assertEquals(new JsonObject().put("id", output.getJsonObject(0).getString("id")).put("type", "reasoning")
      .put("summary", new JsonArray().add(new JsonObject().put("type", "summary_text")
        .put("text", "Think \"hard\". Done."))), output.getJsonObject(0));
    assertEquals("message", output.getJsonObject(1).getString("type"));
    assertEquals(1, events.get(11).getInteger("output_index"));
  }
}
