package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.assertWholeStream;
import static io.tokenlane.server.NativeClient.await;
import static io.tokenlane.server.NativeClient.dedupe;
import static io.tokenlane.server.NativeClient.prompt;
import static io.tokenlane.server.NativeClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.Script;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The native protocol end to end, per transport, with Vert.x clients on loopback and a fake OpenAI upstream that
 * shows when the gateway closes its request: full text, gap-free seq, cancel, resume, transport switches, detach.
 */
class NativeStreamsTest extends NativeTestBase {

  private static final String[] TOKENS = IntStream.range(0, 40).mapToObj(i -> "t" + i + " ").toArray(String[]::new);
  private static final String FULL_TEXT = String.join("", TOKENS);

  @Override
  protected String yaml() {
    return """
      streams:
        detachGraceMs: 600
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

  private static Script slowTokens() {
    return Script.tokens(TOKENS).delay(Duration.ofMillis(25));
  }

  // ---- sessions ----

  @Test
  void aSessionListsTheTransportsInPreferenceOrderWithTheirUrls() throws Exception {
    JsonObject session = client.session();
    assertTrue(session.getString("sessionId").startsWith("s-"));
    assertEquals("websocket", session.getJsonArray("transports").getJsonObject(0).getString("name"));
    assertEquals("ws", session.getJsonArray("transports").getJsonObject(0).getString("url"));
    assertEquals("sse", session.getJsonArray("transports").getJsonObject(1).getString("name"));
    assertEquals("long-polling", session.getJsonArray("transports").getJsonObject(2).getString("name"));
    assertEquals(250, session.getLong("heartbeatMs"));
    assertEquals(60000, session.getLong("resumeWindowMs"));
    assertEquals(600, session.getLong("detachGraceMs"));
    assertTrue(session.getLong("expiresAt") > System.currentTimeMillis());
  }

  // ---- SSE ----

  @Test
  void sseDeliversTheWholeTextWithGapFreeSeqAndProxySafeHeaders() throws Exception {
    upstream.enqueue(Script.tokens(TOKENS).usage(3, 40));
    String id = client.start(token, prompt("fake", "hi"));
    NativeClient.Sse sse = client.sse(token, id, null);
    List<JsonObject> events = sse.awaitEnd();
    assertWholeStream(events);
    assertEquals(FULL_TEXT, text(events));
    assertEquals("stop", events.get(events.size() - 1).getString("reason"));
    assertTrue(events.stream().anyMatch(e -> "usage".equals(e.getString("type")) && e.getInteger("completionTokens") == 40));
    assertEquals("text/event-stream; charset=utf-8", sse.headers.get("content-type"));
    assertEquals("no-cache, no-transform", sse.headers.get("cache-control"));
    assertEquals("no", sse.headers.get("x-accel-buffering"));
    assertTrue(sse.raw().startsWith("retry: 1000\n\nevent: ready\ndata: {\"type\":\"ready\""), sse.raw());
    await("the response to end after the end event", () -> sse.ended);
  }

  @Test
  void sseResumesWithLastEventIdAfterADroppedConnectionWithNothingLostOrRepeated() throws Exception {
    upstream.enqueue(slowTokens());
    String id = client.start(token, prompt("fake", "hi"));
    NativeClient.Sse first = client.sse(token, id, null);
    List<JsonObject> before = first.awaitEvents(events -> events.size() >= 5);
    first.close();
    long last = before.get(before.size() - 1).getLong("seq");
    List<JsonObject> after = client.sse(token, id, last).awaitEnd();
    assertEquals(last + 1, after.get(0).getLong("seq"), "resumed right after the last seq seen");
    List<JsonObject> all = new ArrayList<>(before);
    all.addAll(after);
    assertWholeStream(all);
    assertEquals(FULL_TEXT, text(all));
    assertEquals(0, upstream.clientClosedCount(), "a disconnect is not a cancel");
  }

  @Test
  void sseOnAnEndedStreamAtItsLastSeqAnswers204SoEventSourceStops() throws Exception {
    upstream.enqueue(Script.tokens("a", "b"));
    String id = client.start(token, prompt("fake", "hi"));
    List<JsonObject> events = client.pollToEnd(token, id, 0);
    long last = events.get(events.size() - 1).getLong("seq");
    NativeClient.Sse sse = client.sse(token, id, last);
    await("the answer", () -> sse.status != 0);
    assertEquals(204, sse.status);
  }

  @Test
  void sseSendsHeartbeatComments() throws Exception {
    upstream.enqueue(Script.stall());
    String id = client.start(token, prompt("fake", "hi"));
    NativeClient.Sse sse = client.sse(token, id, null);
    await("two heartbeats", () -> sse.raw().split(": heartbeat\n\n", -1).length > 2);
    client.cancel(token, id);
  }

  @Test
  void deleteCancelsTheUpstreamAndEndsTheStreamWithCancelledAndNothingAfter() throws Exception {
    upstream.enqueue(slowTokens());
    String id = client.start(token, prompt("fake", "hi"));
    NativeClient.Sse sse = client.sse(token, id, null);
    sse.awaitEvents(events -> events.size() >= 4);
    NativeClient.Reply cancelled = client.cancel(token, id);
    assertEquals(200, cancelled.status(), cancelled.body());
    assertEquals("cancelled", cancelled.json().getString("reason"));
    upstream.awaitClientClosed().await(10, TimeUnit.SECONDS);
    List<JsonObject> events = sse.awaitEnd();
    assertWholeStream(events);
    JsonObject end = events.get(events.size() - 1);
    assertEquals("cancelled", end.getString("reason"));
    assertEquals("cancelled_by_client", end.getString("code"));
    assertEquals(cancelled.json().getLong("lastSeq"), end.getLong("seq"), "the end was in the stream when DELETE answered");
    // The server closes the event stream after the end: once it is closed, everything it sent is here.
    await("the server to close the event stream", () -> sse.ended);
    assertEquals(events, sse.events(), "nothing after the end");
    assertEquals(200, client.cancel(token, id).status(), "cancelling again is harmless");
  }

  // ---- long-poll ----

  @Test
  void longPollDeliversTheWholeTextInBatchesWithNoStateOnTheServer() throws Exception {
    upstream.enqueue(slowTokens());
    String id = client.start(token, prompt("fake", "hi"));
    List<JsonObject> events = client.pollToEnd(token, id, 0);
    assertWholeStream(events);
    assertEquals(FULL_TEXT, text(events));
    NativeClient.Reply again = client.poll(token, id, 3, 0);
    assertEquals(4, again.json().getJsonArray("events").getJsonObject(0).getLong("seq"),
      "the same cursor gives the same events again");
  }

  @Test
  void aPollWaitsForTheNextEventAndAnswersEmptyAfterWaitMs() throws Exception {
    upstream.enqueue(Script.stall());
    String id = client.start(token, prompt("fake", "hi"));
    long startedAt = System.nanoTime();
    NativeClient.Reply empty = client.poll(token, id, 1, 300);
    assertEquals(200, empty.status());
    assertTrue(System.nanoTime() - startedAt >= TimeUnit.MILLISECONDS.toNanos(290), "waited waitMs");
    assertTrue(empty.json().getJsonArray("events").isEmpty());
    assertEquals(1, empty.json().getLong("nextCursor"));
    assertFalse(empty.json().getBoolean("ended"));
    client.cancel(token, id);
    JsonObject ended = client.poll(token, id, 1, 1000).json();
    // Nothing was generated: the estimated usage (the prompt's), then the end.
    JsonObject usage = ended.getJsonArray("events").getJsonObject(0);
    assertEquals("usage", usage.getString("type"));
    assertEquals(0, usage.getInteger("completionTokens"));
    assertTrue(usage.getBoolean("estimated"));
    assertEquals("cancelled", ended.getJsonArray("events").getJsonObject(1).getString("reason"));
    assertTrue(ended.getBoolean("ended"));
  }

  @Test
  void longPollCancelStopsTheUpstream() throws Exception {
    upstream.enqueue(slowTokens());
    String id = client.start(token, prompt("fake", "hi"));
    NativeClient.Reply first = client.poll(token, id, 1, 5000);
    assertFalse(first.json().getJsonArray("events").isEmpty());
    assertEquals(200, client.cancel(token, id).status());
    upstream.awaitClientClosed().await(10, TimeUnit.SECONDS);
    List<JsonObject> events = client.pollToEnd(token, id, 0);
    assertWholeStream(events);
    assertEquals("cancelled", events.get(events.size() - 1).getString("reason"));
  }

  // ---- WebSocket ----

  @Test
  void webSocketStreamsAPromptWithGapFreeSeq() throws Exception {
    upstream.enqueue(Script.tokens(TOKENS));
    NativeClient.Ws ws = client.readyWs(token);
    String id = ws.prompt(prompt("fake", "hi"), "r1");
    List<JsonObject> events = ws.awaitEnd(id);
    assertWholeStream(events);
    assertEquals(FULL_TEXT, text(events));
  }

  @Test
  void followUpPromptsRunAtOnceOnOneWebSocket() throws Exception {
    upstream.enqueue(slowTokens()).enqueue(Script.tokens("second ", "answer"));
    NativeClient.Ws ws = client.readyWs(token);
    String first = ws.prompt(prompt("fake", "first"), "r1");
    // The first answer's tokens flow before the second prompt goes: the fake upstream serves its scripts in the order
    // its requests arrive, and two upstream requests sent at once on two connections may arrive in either order.
    await("the first answer streaming", () -> ws.events(first).stream().anyMatch(e -> "token".equals(e.getString("type"))));
    String second = ws.prompt(prompt("fake", "second"), "r2");
    assertNotEquals(first, second);
    List<JsonObject> secondEvents = ws.awaitEnd(second);
    assertEquals("second answer", text(secondEvents));
    assertTrue(ws.events(first).stream().noneMatch(e -> "end".equals(e.getString("type"))),
      "the second answer finished while the first still streams");
    List<JsonObject> firstEvents = ws.awaitEnd(first);
    assertWholeStream(firstEvents);
    assertEquals(FULL_TEXT, text(firstEvents));
  }

  @Test
  void webSocketCancelStopsTheUpstreamAndNoTokenFollowsTheEnd() throws Exception {
    upstream.enqueue(slowTokens());
    NativeClient.Ws ws = client.readyWs(token);
    String id = ws.prompt(prompt("fake", "hi"), "r1");
    await("some tokens", () -> ws.events(id).size() >= 4);
    ws.send(new JsonObject().put("type", "cancel").put("streamId", id));
    upstream.awaitClientClosed().await(10, TimeUnit.SECONDS);
    List<JsonObject> events = ws.awaitEnd(id);
    // The upstream is closed, so nothing new can be generated; the socket stays open, so a round trip tells when
    // everything the server wrote before our ping has arrived. And the stream itself holds nothing after its end.
    ws.roundTrip();
    assertEquals(events, ws.events(id), "nothing after the end");
    long endSeq = events.get(events.size() - 1).getLong("seq");
    JsonObject afterEnd = client.poll(token, id, endSeq, 0).json();
    assertEquals(0, afterEnd.getJsonArray("events").size(), afterEnd.encode());
    assertTrue(afterEnd.getBoolean("ended"));
    assertWholeStream(events);
    assertEquals("cancelled_by_client", events.get(events.size() - 1).getString("code"));
    assertTrue(text(events).length() < FULL_TEXT.length());
  }

  @Test
  void aNewWebSocketResumesFromLastSeqWithNothingLostOrRepeated() throws Exception {
    upstream.enqueue(slowTokens());
    NativeClient.Ws first = client.readyWs(token);
    String id = first.prompt(prompt("fake", "hi"), "r1");
    await("some tokens", () -> first.events(id).size() >= 5);
    first.socket().close().await(5, TimeUnit.SECONDS);
    List<JsonObject> before = first.events(id);
    long last = before.get(before.size() - 1).getLong("seq");

    NativeClient.Ws second = client.readyWs(token);
    second.send(new JsonObject().put("type", "resume").put("streamId", id).put("lastSeq", last));
    List<JsonObject> after = second.awaitEnd(id);
    assertEquals(last + 1, after.get(0).getLong("seq"));
    List<JsonObject> all = new ArrayList<>(before);
    all.addAll(after);
    assertWholeStream(all);
    assertEquals(FULL_TEXT, text(all));
    assertEquals(0, upstream.clientClosedCount(), "closing the socket did not cancel");
  }

  @Test
  void resendingAPromptWithTheSameRequestIdReturnsTheSameStream() throws Exception {
    upstream.enqueue(slowTokens());
    NativeClient.Ws ws = client.readyWs(token);
    String id = ws.prompt(prompt("fake", "hi"), "same");
    JsonObject body = prompt("fake", "hi").put("requestId", "same");
    NativeClient.Reply again = client.request(HttpMethod.POST, "/v1/streams", token, body.encode());
    assertEquals(200, again.status(), again.body());
    assertEquals(id, again.json().getString("streamId"));
    ws.awaitEnd(id);
    assertEquals(1, upstream.requestCount(), "one upstream request for both");
  }

  // ---- across transports ----

  @Test
  void aStreamSwitchesFromWebSocketToSseToLongPollMidStreamAndEveryTokenArrivesOnce() throws Exception {
    upstream.enqueue(slowTokens());
    NativeClient.Ws ws = client.readyWs(token);
    String id = ws.prompt(prompt("fake", "hi"), "r1");
    await("some tokens over WebSocket", () -> ws.events(id).size() >= 5);
    ws.socket().close().await(5, TimeUnit.SECONDS);
    List<JsonObject> received = new ArrayList<>(ws.events(id));

    long last = received.get(received.size() - 1).getLong("seq");
    NativeClient.Sse sse = client.sse(token, id, last);
    List<JsonObject> overSse = sse.awaitEvents(events -> events.size() >= 5);
    sse.close();
    received.addAll(sse.events());

    // At-least-once across the switch: the client drops what it has seen.
    last = received.get(received.size() - 1).getLong("seq");
    received.addAll(client.pollToEnd(token, id, last - 2));
    List<JsonObject> effective = dedupe(received);
    assertWholeStream(effective);
    assertEquals(FULL_TEXT, text(effective));
    assertFalse(overSse.isEmpty());
  }

  // ---- detach ----

  @Test
  void aStreamNobodyFollowsIsCancelledUpstreamAfterTheDetachGrace() throws Exception {
    upstream.enqueue(Script.stall());
    String id = client.start(token, prompt("fake", "hi"));
    upstream.awaitClientClosed().await(10, TimeUnit.SECONDS);
    List<JsonObject> events = client.pollToEnd(token, id, 0);
    JsonObject end = events.get(events.size() - 1);
    assertEquals("cancelled", end.getString("reason"));
    assertEquals("detached", end.getString("code"));
  }

  @Test
  void aClientThatComesBackWithinTheGraceKeepsTheStreamAlive() throws Exception {
    upstream.enqueue(Script.tokens(TOKENS).delay(Duration.ofMillis(40)));
    String id = client.start(token, prompt("fake", "hi"));
    // Away between polls for a quarter of the 600 ms grace, so the slack for a busy machine is 450 ms a gap; the
    // stream lasts 1.6 s, so the time away adds up to more than the grace, which must start again at each poll.
    // The pause is what is tested (a client that is away for a while), not a wait for something to happen.
    List<JsonObject> events = new ArrayList<>();
    long cursor = 0;
    boolean ended = false;
    while (!ended) {
      JsonObject batch = client.poll(token, id, cursor, 100).json();
      batch.getJsonArray("events").forEach(e -> events.add((JsonObject) e));
      cursor = batch.getLong("nextCursor");
      ended = batch.getBoolean("ended");
      Thread.sleep(150);
    }
    assertWholeStream(events);
    assertEquals("stop", events.get(events.size() - 1).getString("reason"));
    assertEquals(FULL_TEXT, text(events));
  }
}
