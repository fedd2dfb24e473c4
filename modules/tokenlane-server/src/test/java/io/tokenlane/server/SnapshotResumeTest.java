package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.await;
import static io.tokenlane.server.NativeClient.prompt;
import static io.tokenlane.server.NativeClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.Script;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A reload never loses the start of an answer: on every transport, a client that resumes behind a small replay
 * buffer gets a {@code snapshot} of what was evicted, then the events held, and so the whole answer exactly once.
 */
class SnapshotResumeTest extends NativeTestBase {

  // Escapes and multi-byte characters, so that the snapshot's text is checked as bytes, not just as ASCII.
  private static final String[] TOKENS = IntStream.range(0, 80)
    .mapToObj(i -> i % 7 == 3 ? "\"q" + i + "\"\n" : i % 5 == 1 ? "日本" + i + "😀 " : "t" + i + " ")
    .toArray(String[]::new);
  private static final String FULL_TEXT = String.join("", TOKENS);

  @Override
  protected String yaml() {
    return """
      streams:
        replayCapacity: 8
        resumeWindowMs: 60000
      transports:
        heartbeatMs: 250
      providers:
        fake:
          type: openai
          config:
            baseUrl: ${UPSTREAM}
      models:
        fake: { provider: fake, model: gpt-4o-mini }
      """;
  }

  /**
   * Starts a stream of {@link #TOKENS} and waits for its end. The upstream pauses between tokens: tokens that arrive
   * together share one event, and the stream must be many more events than the replay buffer holds.
   */
  private String endedStream() throws Exception {
    upstream.enqueue(Script.tokens(TOKENS).usage(3, 80).delay(Duration.ofMillis(4)));
    String id = client.start(token, prompt("fake", "hi").put("requestId", "r-snap"));
    await("the end", () -> pollAtOnce(id, 0).getBoolean("ended"));
    return id;
  }

  private JsonObject pollAtOnce(String id, long after) {
    try {
      NativeClient.Reply reply = client.poll(token, id, after, 0);
      assertEquals(200, reply.status(), reply.body());
      return reply.json();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Asserts what a client resuming from {@code cursor} received: the snapshot first (folding everything up to the
   * events held), then gap-free seqs, exactly one end, last; and the snapshot's text and the tokens after it are the
   * whole answer.
   */
  private static JsonObject assertWholeAnswer(List<JsonObject> events, long cursor, String fullText) {
    JsonObject snapshot = events.get(0);
    assertEquals("snapshot", snapshot.getString("type"), events::toString);
    assertEquals(snapshot.getLong("seq"), snapshot.getLong("upToSeq"));
    assertTrue(snapshot.getLong("seq") > cursor, "a snapshot comes only to a client behind it");
    assertEquals("fake", snapshot.getString("model"), "the public model name, from the start");
    assertEquals("r-snap", snapshot.getString("requestId"));
    List<JsonObject> rest = events.subList(1, events.size());
    for (int i = 0; i < rest.size(); i++) {
      assertEquals(snapshot.getLong("seq") + 1 + i, rest.get(i).getLong("seq"), events::toString);
    }
    assertEquals(1, rest.stream().filter(e -> "end".equals(e.getString("type"))).count(), events::toString);
    assertEquals("end", rest.get(rest.size() - 1).getString("type"));
    assertEquals(fullText, snapshot.getString("text") + text(rest));
    return snapshot;
  }

  @Test
  void aWebSocketResumeFromZeroOrAnEarlyCursorGetsTheSnapshotThenTheRest() throws Exception {
    String id = endedStream();
    for (long cursor : new long[] {0, 3}) {
      NativeClient.Ws ws = client.readyWs(token);
      ws.send(new JsonObject().put("type", "resume").put("streamId", id).put("lastSeq", cursor));
      assertWholeAnswer(ws.awaitEnd(id), cursor, FULL_TEXT);
      ws.socket().close();
    }
  }

  @Test
  void anSseResumeByLastEventIdOrLastSeqGetsTheSnapshotThenTheRest() throws Exception {
    String id = endedStream();
    assertWholeAnswer(client.sse(token, id, null).awaitEnd(), 0, FULL_TEXT);
    assertWholeAnswer(client.sse(token, id, 3L).awaitEnd(), 3, FULL_TEXT);
    // The server closes the response after the end, so the whole body can be read at once.
    NativeClient.Reply byQuery = client.request(HttpMethod.GET, "/v1/streams/" + id + "/events?lastSeq=2&access_token="
      + urlToken, null, null);
    assertWholeAnswer(NativeClient.sseEvents(byQuery.body()), 2, FULL_TEXT);
  }

  @Test
  void aLongPollFromZeroOrAnEarlyCursorGetsTheSnapshotThenTheRest() throws Exception {
    String id = endedStream();
    for (long cursor : new long[] {0, 3}) {
      List<JsonObject> events = client.pollToEnd(token, id, cursor);
      JsonObject snapshot = assertWholeAnswer(events, cursor, FULL_TEXT);
      assertEquals(new JsonObject().put("promptTokens", 3).put("completionTokens", 80).put("totalTokens", 83),
        events.stream().filter(e -> "usage".equals(e.getString("type"))).findFirst()
          .map(e -> new JsonObject().put("promptTokens", e.getValue("promptTokens"))
            .put("completionTokens", e.getValue("completionTokens")).put("totalTokens", e.getValue("totalTokens")))
          .orElseGet(() -> snapshot.getJsonObject("usage")), "the usage, held or folded");
    }
    JsonObject first = pollAtOnce(id, 0);
    assertEquals(first.getJsonArray("events").getJsonObject(0).getLong("seq") + first.getJsonArray("events").size() - 1,
      first.getLong("nextCursor"), "the next cursor counts the snapshot as the event it is");
  }

  @Test
  void aReloadWhileTheAnswerStreamsShowsTheWholeAnswerOnEveryTransport() throws Exception {
    upstream.enqueue(Script.tokens(TOKENS).delay(Duration.ofMillis(8)));
    String id = client.start(token, prompt("fake", "hi").put("requestId", "r-snap"));
    // A reload once the start has been evicted: the answer's beginning is only in the snapshot.
    await("the start evicted", () -> "snapshot".equals(firstType(pollAtOnce(id, 0))));
    NativeClient.Ws ws = client.readyWs(token);
    ws.send(new JsonObject().put("type", "resume").put("streamId", id).put("lastSeq", 0));
    NativeClient.Sse sse = client.sse(token, id, null);
    List<JsonObject> polled = client.pollToEnd(token, id, 0);
    assertWholeAnswer(polled, 0, FULL_TEXT);
    assertWholeAnswer(ws.awaitEnd(id), 0, FULL_TEXT);
    assertWholeAnswer(sse.awaitEnd(), 0, FULL_TEXT);
  }

  @Test
  void aToolCallCutByTheBufferIsWholeOnceTheClientMergesTheSnapshotAndTheDeltasAfterIt() throws Exception {
    String[] fragments = IntStream.range(0, 16).mapToObj(i -> i == 0 ? "{\"city\":\"" : i == 15 ? "\"}" : "P" + i)
      .toArray(String[]::new);
    upstream.enqueue(Script.tokens("Let me look.").toolCall("call_1", "get_weather", fragments)
      .delay(Duration.ofMillis(4)));
    String id = client.start(token, prompt("fake", "hi").put("requestId", "r-snap"));
    await("the end", () -> pollAtOnce(id, 0).getBoolean("ended"));
    List<JsonObject> events = client.pollToEnd(token, id, 0);
    JsonObject snapshot = assertWholeAnswer(events, 0, "Let me look.");
    JsonObject call = snapshot.getJsonArray("toolCalls").getJsonObject(0).copy();
    JsonObject function = call.getJsonObject("function");
    for (JsonObject event : events.subList(1, events.size())) {
      for (Object delta : event.getJsonArray("toolCalls", new JsonArray())) {
        JsonObject more = ((JsonObject) delta).getJsonObject("function");
        function.put("arguments", function.getString("arguments") + more.getString("arguments", ""));
      }
    }
    assertEquals(new JsonObject().put("index", 0).put("id", "call_1").put("type", "function")
      .put("function", new JsonObject().put("name", "get_weather").put("arguments", String.join("", fragments))), call);
  }

  private static String firstType(JsonObject poll) {
    JsonArray events = poll.getJsonArray("events");
    return events.isEmpty() ? null : events.getJsonObject(0).getString("type");
  }
}
