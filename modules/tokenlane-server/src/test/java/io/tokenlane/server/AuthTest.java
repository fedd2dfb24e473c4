package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.auth.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gateway API keys on every endpoint and transport: no key, a wrong key, an expired key, a model the key may not
 * use, and another key's streams (read, resume, cancel), each refused with the documented status or error code.
 */
class AuthTest {

  static final String ALICE = ApiKeys.generate();
  static final String BOB = ApiKeys.generate();
  static final String EXPIRED = ApiKeys.generate();
  static final String NARROW = ApiKeys.generate();

  static final String YAML = """
    auth:
      keys:
        alice: { hash: "%s", owner: alice@example.com }
        bob: { hash: "%s", models: [slow] }
        expired: { hash: "%s", expiresAt: 2020-01-31 }
        narrow: { hash: "%s", models: [fast] }
    providers:
      fast-mock: { type: mock, config: { length: 5 } }
      slow-mock: { type: mock, config: { length: 400, tokensPerSecond: 40 } }
    models:
      fast: { provider: fast-mock }
      slow: { provider: slow-mock }
    """.formatted(ApiKeys.hash(ALICE), ApiKeys.hash(BOB), ApiKeys.hash(EXPIRED), ApiKeys.hash(NARROW));

  static Vertx vertx;
  static GatewayServer gateway;
  static NativeClient client;
  static final HttpClient jdk = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    gateway = GatewayServer.start(vertx, YAML);
    client = new NativeClient(vertx, gateway.port());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().await();
  }

  static String completion(String model) {
    return new JsonObject().put("model", model).put("stream", true)
      .put("messages", List.of(new JsonObject().put("role", "user").put("content", "hi"))).encode();
  }

  /** A request with the key in {@code x-api-key} instead of {@code Authorization}. */
  static NativeClient.Reply withApiKeyHeader(String uri, String key, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + uri))
      .timeout(Duration.ofSeconds(20)).header("x-api-key", key).header("content-type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> response = jdk.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new NativeClient.Reply(response.statusCode(), io.vertx.core.MultiMap.caseInsensitiveMultiMap(), response.body());
  }

  static void assertError(int status, String code, NativeClient.Reply reply) {
    assertEquals(status, reply.status(), reply.body());
    assertEquals(code, reply.errorCode(), reply.body());
    assertFalse(reply.body().contains("sha256:"), "no hash in errors: " + reply.body());
  }

  static String session(String key) throws Exception {
    NativeClient.Reply reply = client.request(HttpMethod.POST, "/v1/sessions", key, null);
    assertEquals(201, reply.status(), reply.body());
    return reply.json().getString("token");
  }

  // ---- the OpenAI-compatible API ----

  @Test
  void chatCompletionsNeedAValidUnexpiredKey() throws Exception {
    assertError(401, "invalid_api_key", client.request(HttpMethod.POST, "/v1/chat/completions", null, completion("fast")));
    assertError(401, "invalid_api_key", client.request(HttpMethod.POST, "/v1/chat/completions", "tl_wrong" + ALICE.substring(8),
      completion("fast")));
    assertError(401, "api_key_expired", client.request(HttpMethod.POST, "/v1/chat/completions", EXPIRED, completion("fast")));
    NativeClient.Reply ok = client.request(HttpMethod.POST, "/v1/chat/completions", ALICE, completion("fast"));
    assertEquals(200, ok.status(), ok.body());
    assertTrue(ok.body().contains("data: [DONE]"), ok.body());
    NativeClient.Reply byHeader = withApiKeyHeader("/v1/chat/completions", ALICE, completion("fast"));
    assertEquals(200, byHeader.status(), byHeader.body());
  }

  @Test
  void aKeyUsesOnlyItsModelsAndListsOnlyThem() throws Exception {
    assertError(403, "model_not_allowed", client.request(HttpMethod.POST, "/v1/chat/completions", NARROW, completion("slow")));
    assertEquals(200, client.request(HttpMethod.POST, "/v1/chat/completions", NARROW, completion("fast")).status());
    assertError(401, "invalid_api_key", client.request(HttpMethod.GET, "/v1/models", null, null));
    JsonObject models = client.request(HttpMethod.GET, "/v1/models", NARROW, null).json();
    assertEquals(List.of("fast"), models.getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("id")).toList());
    assertEquals(2, client.request(HttpMethod.GET, "/v1/models", ALICE, null).json().getJsonArray("data").size());
    assertError(404, "model_not_found", client.request(HttpMethod.GET, "/v1/models/slow", NARROW, null));
  }

  // ---- sessions and the native transports ----

  @Test
  void sessionsNeedAValidUnexpiredKey() throws Exception {
    assertError(401, "invalid_api_key", client.request(HttpMethod.POST, "/v1/sessions", null, null));
    assertError(401, "invalid_api_key", client.request(HttpMethod.POST, "/v1/sessions", "not-a-key-at-all", null));
    assertError(401, "api_key_expired", client.request(HttpMethod.POST, "/v1/sessions", EXPIRED, null));
    JsonObject session = client.request(HttpMethod.POST, "/v1/sessions", ALICE, null).json();
    assertTrue(session.getString("sessionId").contains("~"), "the session id carries the principal's tag");
    assertTrue(session.getLong("urlTokenExpiresAt") < session.getLong("expiresAt"));
    // x-api-key works for sessions too.
    assertEquals(201, withApiKeyHeader("/v1/sessions", ALICE, "").status());
  }

  @Test
  void aPromptForAModelTheKeyMayNotUseIsRefusedOnEveryTransport() throws Exception {
    String token = session(NARROW);
    assertError(403, "model_not_allowed", client.request(HttpMethod.POST, "/v1/streams", token, prompt("slow", "hi").encode()));
    NativeClient.Ws ws = client.readyWs(token);
    try {
      ws.send(prompt("slow", "hi").put("type", "prompt").put("requestId", "r-1"));
      JsonObject error = ws.awaitMessage(m -> "error".equals(m.getString("type")));
      assertEquals("model_not_allowed", error.getString("code"));
      assertEquals("r-1", error.getString("requestId"));
    } finally {
      ws.socket().close();
    }
  }

  @Test
  void anotherKeysStreamCannotBeReadResumedOrCancelled() throws Exception {
    String alice = session(ALICE);
    String bob = session(BOB);
    String id = client.start(alice, prompt("slow", "a long answer"));
    assertError(404, "stream_not_found", client.poll(bob, id, 0, 0));
    assertError(404, "stream_not_found", client.cancel(bob, id));
    assertError(404, "stream_not_found", client.request(HttpMethod.GET, "/v1/streams/" + id + "/events", bob, null));
    NativeClient.Ws ws = client.readyWs(bob);
    try {
      ws.send(new JsonObject().put("type", "resume").put("streamId", id).put("lastSeq", 0));
      assertEquals("stream_not_found", ws.awaitMessage(m -> "error".equals(m.getString("type"))).getString("code"));
      ws.send(new JsonObject().put("type", "cancel").put("streamId", id));
      ws.awaitMessage(m -> "error".equals(m.getString("type")) && m.getString("code").equals("stream_not_found")
        && ws.messages().stream().filter(e -> "error".equals(e.getString("type"))).count() >= 2);
    } finally {
      ws.socket().close();
    }
    // Another session of the same key is another reader too, unless multi-device continuity is on (MultiDeviceTest).
    assertError(404, "stream_not_found", client.poll(session(ALICE), id, 0, 0));
    NativeClient.Reply mine = client.poll(alice, id, 0, 0);
    assertEquals(200, mine.status(), "the owner still reads it: " + mine.body());
    assertEquals(200, client.cancel(alice, id).status());
  }

  @Test
  void sessionTokensGoInHeadersAndShortLivedUrlTokensInUrls() throws Exception {
    JsonObject session = client.request(HttpMethod.POST, "/v1/sessions", ALICE, null).json();
    String token = session.getString("token");
    String urlToken = session.getString("urlToken");
    String id = client.start(token, prompt("fast", "hi"));
    // A session token in a URL is refused: it lives long, and URLs end up in logs.
    assertError(401, "invalid_token", client.request(HttpMethod.GET, "/v1/streams/" + id + "/events?access_token=" + token, null, null));
    // A URL token opens an event stream; it is refused where a header is possible (long-poll, cancel).
    NativeClient.Reply events = client.request(HttpMethod.GET, "/v1/streams/" + id + "/events?access_token=" + urlToken, null, null);
    assertEquals(200, events.status(), events.body());
    assertTrue(events.body().contains("\"type\":\"end\""), events.body());
    assertError(401, "invalid_token", client.request(HttpMethod.GET, "/v1/streams/" + id + "/poll?access_token=" + urlToken, null, null));
    // A fresh URL token, minted with the session token in a header.
    NativeClient.Reply fresh = client.request(HttpMethod.POST, "/v1/sessions/url-token", token, null);
    assertEquals(200, fresh.status(), fresh.body());
    assertTrue(fresh.json().getString("urlToken").startsWith("u2."));
    assertError(401, "invalid_token", client.request(HttpMethod.POST, "/v1/sessions/url-token", null, null));
  }

  @Test
  void aWebSocketOpensWithAUrlTokenButNotWithASessionTokenInItsUrl() throws Exception {
    JsonObject session = client.request(HttpMethod.POST, "/v1/sessions", ALICE, null).json();
    UrlSocket byUrl = UrlSocket.open(vertx, gateway.port(), "/v1/ws?access_token=" + session.getString("urlToken"));
    NativeClient.await("ready", () -> byUrl.messages.stream().anyMatch(m -> m.contains("\"ready\"")));
    assertTrue(byUrl.messages.get(0).contains(session.getString("sessionId")));
    // Read raw: the server closes right after the handshake, before a client library may have set its handlers.
    for (String uri : new String[] {"/v1/ws?access_token=" + session.getString("token"), "/v1/ws"}) {
      RawWebSocket.Frame close = RawWebSocket.open(vertx, gateway.port(), uri, 0, "").awaitCloseFrame();
      assertEquals(4401, close.closeCode(), uri + ": " + close.closeReason());
    }
    byUrl.socket.close();
  }

  /** A WebSocket opened with a token in its URL, as a browser opens one. */
  static final class UrlSocket {
    final List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.vertx.core.http.WebSocket socket;

    static UrlSocket open(Vertx vertx, int port, String uri) throws Exception {
      UrlSocket result = new UrlSocket();
      io.vertx.core.http.ClientWebSocket ws = vertx.createWebSocketClient().webSocket();
      ws.textMessageHandler(result.messages::add);
      result.socket = ws;
      ws.connect(new io.vertx.core.http.WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
        .await(20, java.util.concurrent.TimeUnit.SECONDS);
      return result;
    }
  }
}
