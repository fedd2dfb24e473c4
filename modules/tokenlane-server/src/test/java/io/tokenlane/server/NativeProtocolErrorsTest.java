package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.assertStatus;
import static io.tokenlane.server.NativeClient.assertWholeStream;
import static io.tokenlane.server.NativeClient.await;
import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.Script;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Bad input and hostile clients on the native protocol: each gets a clear error (HTTP 4xx with a JSON body, or a
 * WebSocket close code with a reason), learns nothing about other sessions, and harms no other stream. Also the
 * bounds: replay capacity and snapshot size (reset), running streams per session, dead connections.
 */
class NativeProtocolErrorsTest extends NativeTestBase {

  @Override
  protected String yaml() {
    return """
      http:
        host: 127.0.0.1
        port: 0
        maxBodyBytes: 4096
      streams:
        replayCapacity: 4
        snapshotMaxBytes: 4
        maxRunningPerSession: 3
      transports:
        heartbeatMs: 200
        maxFrameBytes: 1024
        maxPollWaitMs: 2000
      providers:
        fake:
          type: openai
          config:
            baseUrl: ${UPSTREAM}
      models:
        fake: { provider: fake, model: gpt-4o-mini }
      """;
  }

  // ---- tokens and sessions ----

  @Test
  void aMissingOrForgedTokenIs401WithAJsonError() throws Exception {
    String forged = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
    for (String bad : new String[] {null, forged, "v1.s-x.99999999999999.abc", "nonsense"}) {
      NativeClient.Reply reply = client.request(HttpMethod.POST, "/v1/streams", bad, prompt("fake", "hi").encode());
      assertStatus(401, reply);
      assertEquals("invalid_token", reply.errorCode());
    }
  }

  @Test
  void anotherSessionsStreamLooksExactlyLikeOneThatDoesNotExist() throws Exception {
    upstream.enqueue(Script.stall());
    String mine = client.start(token, prompt("fake", "hi"));
    JsonObject other = client.session();
    String otherToken = other.getString("token");
    String otherUrlToken = other.getString("urlToken");
    NativeClient.Reply theirs = client.poll(otherToken, mine, 0, 0);
    NativeClient.Reply unknown = client.poll(otherToken, "st-doesnotexist", 0, 0);
    assertStatus(404, theirs);
    assertEquals("stream_not_found", theirs.errorCode());
    assertEquals(unknown.body(), theirs.body());
    assertEquals(404, client.cancel(otherToken, mine).status());
    assertEquals(404, client.request(HttpMethod.GET, "/v1/streams/" + mine + "/events?access_token=" + otherUrlToken, null, null).status());
    assertEquals(200, client.poll(token, mine, 0, 0).status(), "the owner still reads it");
    client.cancel(token, mine);
  }

  // ---- POST /streams ----

  @Test
  void badPromptsGet400Or404NamingTheProblem() throws Exception {
    NativeClient.Reply notJson = client.request(HttpMethod.POST, "/v1/streams", token, "{not json");
    assertStatus(400, notJson);
    NativeClient.Reply noMessages = client.request(HttpMethod.POST, "/v1/streams", token, "{\"model\":\"fake\"}");
    assertStatus(400, noMessages);
    assertEquals("messages", noMessages.json().getJsonObject("error").getString("param"));
    NativeClient.Reply badParams = client.request(HttpMethod.POST, "/v1/streams", token,
      prompt("fake", "hi").put("params", new JsonObject().put("temperature", 9)).encode());
    assertStatus(400, badParams);
    assertEquals("temperature", badParams.json().getJsonObject("error").getString("param"));
    NativeClient.Reply longRequestId = client.request(HttpMethod.POST, "/v1/streams", token,
      prompt("fake", "hi").put("requestId", "x".repeat(200)).encode());
    assertStatus(400, longRequestId);
    NativeClient.Reply unknownModel = client.request(HttpMethod.POST, "/v1/streams", token, prompt("nope", "hi").encode());
    assertStatus(404, unknownModel);
    assertEquals("model_not_found", unknownModel.errorCode());
    NativeClient.Reply tooLarge = client.request(HttpMethod.POST, "/v1/streams", token, prompt("fake", "x".repeat(5000)).encode());
    assertStatus(413, tooLarge);
    assertEquals(0, upstream.requestCount(), "nothing reached the upstream");
  }

  @Test
  void aSessionRunsAtMostTheConfiguredNumberOfStreams() throws Exception {
    upstream.defaultScript(Script.stall());
    for (int i = 0; i < 3; i++) {
      client.start(token, prompt("fake", "hi"));
    }
    NativeClient.Reply fourth = client.request(HttpMethod.POST, "/v1/streams", token, prompt("fake", "hi").encode());
    assertStatus(429, fourth);
    assertEquals("too_many_streams", fourth.errorCode());
    String otherToken = client.session().getString("token");
    client.start(otherToken, prompt("fake", "hi"));
  }

  // ---- cursors and polls ----

  @Test
  void cursorsBeyondTheStreamAndAbsurdPollParametersAre400() throws Exception {
    upstream.enqueue(Script.stall());
    String id = client.start(token, prompt("fake", "hi"));
    NativeClient.Reply beyond = client.poll(token, id, 99, 0);
    assertStatus(400, beyond);
    assertEquals("cursor_out_of_range", beyond.errorCode());
    NativeClient.Reply sseBeyond = client.request(HttpMethod.GET, "/v1/streams/" + id + "/events?lastSeq=99", token, null);
    assertStatus(400, sseBeyond);
    assertEquals("cursor_out_of_range", sseBeyond.errorCode());
    for (String query : new String[] {"after=-1", "after=abc", "waitMs=999999999", "waitMs=-5", "max=0", "max=100000",
      "after=99999999999999999999999"}) {
      NativeClient.Reply reply = client.request(HttpMethod.GET, "/v1/streams/" + id + "/poll?" + query, token, null);
      assertStatus(400, reply);
      assertEquals("invalid_parameter", reply.errorCode(), query);
      assertEquals(query.substring(0, query.indexOf('=')), reply.json().getJsonObject("error").getString("param"));
    }
    client.cancel(token, id);
  }

  @Test
  void aReaderBehindTheReplayBufferPastTheSnapshotBoundGetsAnExplicitResetNeverASilentGap() throws Exception {
    upstream.enqueue(Script.tokens("a", "b", "c", "d", "e", "f", "g", "h").delay(Duration.ofMillis(15)));
    String id = client.start(token, prompt("fake", "hi").put("requestId", "r-reset"));
    // Asks for everything from seq 0 until the stream has ended: by then the 4-event buffer has evicted the start,
    // and more than the 4 bytes of text the snapshot may hold.
    await("the end", () -> pollAtOnce(id).getBoolean("ended"));
    JsonObject batch = pollAtOnce(id);
    JsonObject reset = batch.getJsonArray("events").getJsonObject(0);
    assertEquals("reset", reset.getString("type"));
    assertEquals(1, reset.getLong("missedFrom"));
    assertEquals("r-reset", reset.getString("requestId"), "the start that named the prompt is among the lost");
    long resumeFrom = reset.getLong("resumeFrom");
    assertEquals(resumeFrom - 1, reset.getLong("seq"));
    assertEquals(resumeFrom, batch.getJsonArray("events").getJsonObject(1).getLong("seq"));
    assertEquals(5, batch.getJsonArray("events").size(), "the reset and the 4 events held");

    List<JsonObject> overSse = client.sse(token, id, 0L).awaitEnd();
    assertEquals("reset", overSse.get(0).getString("type"));
    assertEquals(resumeFrom, overSse.get(0).getLong("resumeFrom"));
  }

  // ---- WebSocket ----

  @Test
  void webSocketProtocolViolationsCloseWith4400AndAReason() throws Exception {
    String[] bad = {"{not json", "[1,2]", "{\"no\":\"type\"}", "{\"type\":\"explode\"}"};
    String[] reasons = {"message is not JSON", "message is not a JSON object", "message has no type",
      "unknown message type 'explode'"};
    for (int i = 0; i < bad.length; i++) {
      NativeClient.Ws ws = client.readyWs(token);
      ws.socket().writeTextMessage(bad[i]);
      ws.awaitClose();
      assertEquals((short) 4400, ws.closeCode, bad[i]);
      assertEquals(reasons[i], ws.closeReason);
    }
    NativeClient.Ws binary = client.readyWs(token);
    binary.socket().writeBinaryMessage(Buffer.buffer("x"));
    binary.awaitClose();
    assertEquals((short) 4400, binary.closeCode);
  }

  @Test
  void aMessageOverTheFrameLimitClosesWith1009() throws Exception {
    NativeClient.Ws ws = client.readyWs(token);
    ws.socket().writeTextMessage(prompt("fake", "x".repeat(2000)).put("type", "prompt").encode());
    ws.awaitClose();
    assertEquals((short) 1009, ws.closeCode);
  }

  @Test
  void aWebSocketWithoutAValidTokenIsClosedWith4401() throws Exception {
    // Read raw: the server closes right after the handshake, before a client library may have set its handlers.
    for (String bad : new String[] {null, token + "x"}) {
      RawWebSocket ws = RawWebSocket.open(vertx, gateway.port(), "/v1/ws", 0,
        bad == null ? "" : "Authorization: Bearer " + bad + "\r\n");
      RawWebSocket.Frame close = ws.awaitCloseFrame();
      assertEquals(4401, close.closeCode(), close.closeReason());
      assertTrue(ws.frames().stream().noneMatch(f -> f.opcode() == 1), "no ready for an unauthenticated socket");
    }
  }

  @Test
  void requestErrorsOnAWebSocketAreErrorFramesAndTheConnectionLivesOn() throws Exception {
    NativeClient.Ws ws = client.readyWs(token);
    ws.send(prompt("nope", "hi").put("type", "prompt").put("requestId", "r1"));
    JsonObject noModel = ws.awaitMessage(m -> "error".equals(m.getString("type")) && "r1".equals(m.getString("requestId")));
    assertEquals("model_not_found", noModel.getString("code"));
    ws.send(new JsonObject().put("type", "cancel").put("streamId", "st-unknown"));
    JsonObject unknown = ws.awaitMessage(m -> "st-unknown".equals(m.getString("streamId")));
    assertEquals("stream_not_found", unknown.getString("code"));
    upstream.enqueue(Script.stall());
    String id = ws.prompt(prompt("fake", "hi"), "r2");
    ws.send(new JsonObject().put("type", "resume").put("streamId", id).put("lastSeq", 50));
    JsonObject beyond = ws.awaitMessage(m -> "cursor_out_of_range".equals(m.getString("code")));
    assertEquals(id, beyond.getString("streamId"));
    ws.send(new JsonObject().put("type", "resume").put("streamId", id).put("lastSeq", "x"));
    ws.awaitMessage(m -> "lastSeq".equals(m.getString("param")));
    ws.send(new JsonObject().put("type", "ping"));
    ws.awaitMessage(m -> "pong".equals(m.getString("type")));
    assertFalse(ws.closed);
    ws.send(new JsonObject().put("type", "cancel").put("streamId", id));
    List<JsonObject> events = ws.awaitEnd(id);
    assertEquals("usage", events.get(1).getString("type"), "the estimated usage of a stream that generated nothing");
    assertEquals("cancelled", events.get(2).getString("reason"));
  }

  @Test
  void misbehavingClientsDoNotHarmAnotherSessionsStream() throws Exception {
    upstream.enqueue(Script.tokens("one ", "two ", "three ", "four").delay(Duration.ofMillis(60)));
    String otherToken = client.session().getString("token");
    String id = client.start(otherToken, prompt("fake", "hi"));
    NativeClient.Sse sse = client.sse(otherToken, id, null);
    for (String garbage : new String[] {"{", "{\"type\":1}", "x".repeat(3000)}) {
      NativeClient.Ws ws = client.readyWs(token);
      ws.socket().writeTextMessage(garbage);
      ws.awaitClose();
    }
    client.request(HttpMethod.GET, "/v1/streams/" + id + "/poll?waitMs=abc", token, null);
    List<JsonObject> events = sse.awaitEnd();
    assertWholeStream(events);
    assertEquals("one two three four", NativeClient.text(events));
  }

  @Test
  void clientsClosingTheirWebSocketMidStreamNeitherFailTheStreamNorLeakItsSlot() throws Exception {
    upstream.defaultScript(Script.tokens("a ", "b ", "c ", "d ", "e ", "f ", "g ", "h ", "i ", "j ")
      .delay(Duration.ofMillis(3)));
    // Rounds of as many streams as the session may run (3): each round waits for its streams to end before the next
    // starts, so a refused prompt can only be a slot that an ended stream kept. Without that wait, streams still
    // running on a busy machine took the slots (too_many_streams, which used to surface as a timeout).
    for (int round = 0; round < 7; round++) {
      List<String> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        NativeClient.Ws ws = client.readyWs(token);
        String id = ws.prompt(prompt("fake", "hi"), "r" + round + "-" + i);
        await("a few events", () -> ws.events(id).size() >= 3);
        ws.socket().close((short) 1000).await(5, TimeUnit.SECONDS);
        ids.add(id);
      }
      for (String id : ids) {
        List<JsonObject> events = client.pollToEnd(token, id, 0);
        assertEquals("stop", events.get(events.size() - 1).getString("reason"), "closing is not failing: " + events);
      }
    }
    for (int i = 0; i < 3; i++) {
      client.start(token, prompt("fake", "again"));
    }
  }

  @Test
  void aWebSocketThatAnswersNothingIsClosedAsDeadWith4408() throws Exception {
    RawWebSocket ws = RawWebSocket.connect(vertx, gateway.port(), token, 0);
    // Never answers the server's pings: after two 200 ms heartbeats without a frame the server gives up.
    await("a close frame with 4408", () -> ws.closeCode() == 4408);
    ws.socket.close();
  }

  /** The events after seq 0, answered at once (waitMs 0). */
  private JsonObject pollAtOnce(String id) {
    try {
      return client.poll(token, id, 0, 0).json();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
