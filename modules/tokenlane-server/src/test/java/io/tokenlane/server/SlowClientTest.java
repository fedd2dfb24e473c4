package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.Script;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading does not slow the stream or other clients, and costs no more memory than the replay
 * buffer: when it reads again it is told, with a reset, what it missed. And the other bounds on what an instance
 * keeps: the number of streams, and ended streams past their resume window.
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
  void aWebSocketThatStopsReadingFallsBehindIntoAResetWithoutSlowingAnotherStream() throws Exception {
    RawWebSocket slow = RawWebSocket.connect(vertx, gateway.port(), client.session().getString("token"), 4096);
    NativeClient.await("ready", () -> !slow.messages().isEmpty());
    slow.socket.pause();
    slow.sendText(prompt("firehose", "hi").put("type", "prompt").put("requestId", "big").encode());

    upstream.enqueue(Script.tokens("meanwhile ", "fine"));
    String otherToken = client.session().getString("token");
    String other = client.start(otherToken, prompt("fake", "hi"));
    assertEquals("meanwhile fine", NativeClient.text(client.sse(otherToken, other, null).awaitEnd()));

    NativeClient.await("the firehose to finish while its client is paused",
      () -> gateway.verticle.tokenlane().gateway().activeStreams() == 0);
    slow.socket.resume();
    NativeClient.await("the end", () -> slow.messages().stream().anyMatch(m -> "end".equals(m.getString("type"))));
    List<JsonObject> events = slow.messages().stream().filter(m -> m.containsKey("seq")).toList();
    assertTrue(events.stream().anyMatch(e -> "reset".equals(e.getString("type"))),
      "the paused client fell out of the 4-event replay buffer and was told so");
    long previous = 0;
    for (JsonObject event : events) {
      assertTrue(event.getLong("seq") > previous, "seq only grows, reset included");
      previous = event.getLong("seq");
    }
    assertEquals("end", events.get(events.size() - 1).getString("type"));
    slow.socket.close();
  }
}
