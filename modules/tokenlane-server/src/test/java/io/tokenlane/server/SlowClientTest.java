package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.stream.HubStream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading pauses its own stream once the replay buffer is full (backpressure up to the
 * provider), slows no other client, and misses nothing when it reads again. And the other bounds on what an
 * instance keeps: the number of streams, and ended streams past their resume window.
 */
class SlowClientTest extends NativeTestBase {

  @Override
  protected String yaml() {
    return """
      streams:
        replayCapacity: 4
        resumeWindowMs: 1500
        maxStreams: 3
      transports:
        heartbeatMs: 10000
      providers:
        fake:
          type: openai
          config:
            baseUrl: ${UPSTREAM}
        firehose:
          type: mock
          config: { tokensPerSecond: 0, length: 2000000 }
      models:
        fake: { provider: fake, model: gpt-4o-mini }
        firehose: { provider: firehose }
      """;
  }

  @Test
  void atTheInstanceBoundEndedStreamsMakeRoomAndRunningOnesGet503() throws Exception {
    upstream.defaultScript(Script.stall());
    String token = client.session().getString("token");
    String first = client.start(token, prompt("fake", "hi"));
    client.start(token, prompt("fake", "hi"));
    client.start(client.session().getString("token"), prompt("fake", "hi"));
    NativeClient.Reply full = client.request(io.vertx.core.http.HttpMethod.POST, "/v1/streams", token,
      prompt("fake", "hi").encode());
    NativeClient.assertStatus(503, full);
    assertEquals("over_capacity", full.errorCode());
    assertEquals(200, client.cancel(token, first).status());
    client.start(token, prompt("fake", "hi"));
    assertEquals(404, client.poll(token, first, 0, 0).status(), "the ended stream made room");
  }

  @Test
  void atTheBoundTheLongestEndedStreamIsForgottenAndAJustEndedOneStillGivesItsEnd() throws Exception {
    String token = client.session().getString("token");
    upstream.enqueue(Script.tokens("a"));
    String older = client.start(token, prompt("fake", "hi"));
    awaitEnded(token, older);
    upstream.enqueue(Script.tokens("b"));
    String newer = client.start(token, prompt("fake", "hi"));
    awaitEnded(token, newer);
    upstream.defaultScript(Script.stall());
    client.start(token, prompt("fake", "hi"));

    // The bound (3) is reached: the next stream makes room by forgetting one ended stream, the one ended first.
    client.start(token, prompt("fake", "hi"));
    assertEquals(404, client.poll(token, older, 0, 0).status(), "the longest ended stream made room");
    NativeClient.Reply late = client.poll(token, newer, 0, 0);
    assertEquals(200, late.status(), "a client coming back for the stream that just ended still gets it");
    assertTrue(late.body().contains("\"type\":\"end\""), late.body());
  }

  private void awaitEnded(String token, String id) throws Exception {
    NativeClient.await("stream " + id + " to end", () -> {
      try {
        return client.poll(token, id, 0, 0).body().contains("\"type\":\"end\"");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void resumingAnEndedStreamAtItsEndDoesNotKeepItPastItsResumeWindow() throws Exception {
    upstream.enqueue(Script.tokens("a", "b"));
    NativeClient.Ws ws = client.ws(client.session().getString("token"));
    ws.awaitReady();
    String id = ws.prompt(prompt("fake", "hi"), "r1");
    List<JsonObject> events = ws.awaitEnd(id);
    long end = events.get(events.size() - 1).getLong("seq");
    for (int i = 0; i < 3; i++) {
      ws.send(new JsonObject().put("type", "resume").put("streamId", id).put("lastSeq", end));
    }
    ws.send(new JsonObject().put("type", "ping"));
    ws.awaitMessage(m -> "pong".equals(m.getString("type")));
    assertEquals(events, ws.events(id), "nothing after the end, however often one resumes there");
    ws.socket().close().await(5, TimeUnit.SECONDS);
    NativeClient.await("the stream to be forgotten after its 1.5 s resume window",
      () -> gateway.verticle.tokenlane().streams().size() == 0);
  }

  // 2,000,000 tokens (~12 MB): more than the kernel's socket buffers on loopback can hide (up to 4 MB each way).
  @Test
  void aWebSocketThatStopsReadingPausesItsStreamWithoutSlowingAnotherAndMissesNothing() throws Exception {
    JsonObject session = client.session();
    String slowToken = session.getString("token");
    RawWebSocket slow = RawWebSocket.connect(vertx, gateway.port(), slowToken, 4096);
    NativeClient.await("ready", () -> !slow.messages().isEmpty());
    slow.socket.pause();
    JsonObject firehosePrompt = prompt("firehose", "hi").put("requestId", "big");
    slow.sendText(firehosePrompt.copy().put("type", "prompt").encode());
    NativeClient.await("the prompt to start its stream", () -> gateway.verticle.tokenlane().streams().size() == 1);
    // The same request id again finds the stream without starting another.
    NativeClient.Reply again = client.request(io.vertx.core.http.HttpMethod.POST, "/v1/streams", slowToken,
      firehosePrompt.encode());
    assertEquals(200, again.status(), again.body());
    HubStream firehose = gateway.verticle.tokenlane().streams().get(session.getString("sessionId"),
      again.json().getString("streamId")).result();

    upstream.enqueue(Script.tokens("meanwhile ", "fine"));
    String otherToken = client.session().getString("token");
    String other = client.start(otherToken, prompt("fake", "hi"));
    assertEquals("meanwhile fine", NativeClient.text(client.sse(otherToken, other, null).awaitEnd()));

    awaitSteady("the firehose to stop growing while its client reads nothing", firehose::lastSeq);
    assertEquals(null, firehose.end(), "paused, not ended");
    assertEquals(1, gateway.verticle.tokenlane().gateway().activeStreams());

    slow.socket.resume();
    NativeClient.await("the end", () -> slow.messages().stream().anyMatch(m -> "end".equals(m.getString("type"))));
    List<JsonObject> events = slow.messages().stream().filter(m -> m.containsKey("seq")).toList();
    long expected = 1;
    for (JsonObject event : events) {
      assertEquals(expected++, event.getLong("seq"), "every event, in order: no reset, no gap");
    }
    JsonObject usage = events.stream().filter(e -> "usage".equals(e.getString("type"))).findFirst().orElseThrow();
    assertEquals(2_000_000, usage.getInteger("completionTokens"));
    assertEquals("stop", events.get(events.size() - 1).getString("reason"));
    slow.socket.close();
  }

  /** Waits until a value stops changing: the same over ten readings 50 ms apart. */
  private static void awaitSteady(String what, java.util.function.LongSupplier value) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long last = value.getAsLong();
    int same = 0;
    while (same < 10) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
      long now = value.getAsLong();
      same = now == last ? same + 1 : 0;
      last = now;
    }
  }
}
