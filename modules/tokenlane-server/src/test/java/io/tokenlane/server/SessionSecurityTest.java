package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.auth.ApiKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions as a security boundary over time and across devices: multi-device continuity (off by default, on when
 * configured: only the same principal's sessions), a WebSocket that outlives its session token starts nothing new,
 * and a draining gateway refuses new sessions and WebSockets.
 */
class SessionSecurityTest {

  static final String ALICE = ApiKeys.generate();
  static final String BOB = ApiKeys.generate();

  private Vertx vertx;
  private GatewayServer gateway;
  private NativeClient client;

  private void start(String extra) throws Exception {
    vertx = Vertx.vertx();
    gateway = GatewayServer.start(vertx, """
      auth:
        keys:
          alice: { hash: "%s" }
          bob: { hash: "%s" }
      providers:
        slow-mock: { type: mock, config: { length: 400, tokensPerSecond: 40 } }
        endless: { type: mock, config: { failure: stall, length: 100, failAfterTokens: 3 } }
      models:
        slow: { provider: slow-mock }
        endless: { provider: endless }
      shutdown:
        graceMs: 5000
      %s
      """.formatted(ApiKeys.hash(ALICE), ApiKeys.hash(BOB), extra));
    client = new NativeClient(vertx, gateway.port());
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private JsonObject session(String key) throws Exception {
    NativeClient.Reply reply = client.request(HttpMethod.POST, "/v1/sessions", key, null);
    assertEquals(201, reply.status(), reply.body());
    return reply.json();
  }

  @Test
  void withMultiDeviceOnAnySessionOfTheSamePrincipalFollowsTheStreamAndNoOtherDoes() throws Exception {
    start("sessions: { multiDevice: true }");
    String laptop = session(ALICE).getString("token");
    String phone = session(ALICE).getString("token");
    String bob = session(BOB).getString("token");
    String id = client.start(laptop, prompt("slow", "a long answer"));
    NativeClient.Reply fromPhone = client.poll(phone, id, 0, 0);
    assertEquals(200, fromPhone.status(), fromPhone.body());
    NativeClient.Ws ws = client.readyWs(phone);
    ws.send(new JsonObject().put("type", "resume").put("streamId", id).put("lastSeq", 0));
    NativeClient.await("the stream on the phone", () -> ws.events(id).size() >= 3);
    assertEquals(404, client.poll(bob, id, 0, 0).status(), "another principal's session never follows it");
    // The phone may cancel it too: the user's own stream.
    assertEquals(200, client.cancel(phone, id).status());
    assertEquals("cancelled", ws.awaitEnd(id).get(ws.awaitEnd(id).size() - 1).getString("reason"));
  }

  @Test
  void aWebSocketThatOutlivesItsSessionTokenStartsNothingNew() throws Exception {
    start("sessions: { ttlMs: 1500 }");
    JsonObject session = session(ALICE);
    NativeClient.Ws ws = client.readyWs(session.getString("token"));
    ws.send(prompt("slow", "hi").put("type", "prompt").put("requestId", "before"));
    ws.awaitStart("before");
    long expiresAt = session.getLong("expiresAt");
    NativeClient.await("the session's expiry", () -> System.currentTimeMillis() > expiresAt + 50);
    ws.send(prompt("slow", "hi").put("type", "prompt").put("requestId", "after"));
    JsonObject error = ws.awaitMessage(m -> "error".equals(m.getString("type")) && "after".equals(m.getString("requestId")));
    assertEquals("session_expired", error.getString("code"));
    // The expired token opens nothing either.
    assertEquals(401, client.request(HttpMethod.POST, "/v1/streams", session.getString("token"),
      prompt("slow", "hi").encode()).status());
  }

  @Test
  void aDrainingGatewayRefusesNewSessionsAndWebSockets() throws Exception {
    start("");
    String token = session(ALICE).getString("token");
    NativeClient.Ws ws = client.readyWs(token);
    ws.send(prompt("endless", "hi").put("type", "prompt").put("requestId", "r1"));
    String id = ws.awaitStart("r1");
    NativeClient.await("a token", () -> ws.events(id).size() >= 2);
    Future<Void> stopping = gateway.verticle.shutdown();
    NativeClient.await("sessions refused", () -> {
      try {
        NativeClient.Reply reply = client.request(HttpMethod.POST, "/v1/sessions", ALICE, null);
        return reply.status() == 503 && "draining".equals(reply.errorCode())
          && reply.headers().get("retry-after") != null;
      } catch (Exception e) {
        return false;
      }
    });
    NativeClient.Ws late = client.ws(token);
    late.awaitClose();
    assertTrue(late.messages().stream().noneMatch(m -> "ready".equals(m.getString("type"))), "no ready while draining");
    stopping.await(20, TimeUnit.SECONDS);
    gateway = null;
  }
}
