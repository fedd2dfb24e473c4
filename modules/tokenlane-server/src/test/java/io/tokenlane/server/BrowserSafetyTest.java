package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Browser safety (docs/security.md): the WebSocket origin check against cross-site WebSocket hijacking, and
 * CORS on the HTTP API, against a real gateway with an allow-list, and one that allows any origin.
 */
class BrowserSafetyTest {

  private static final String ALLOWED = "https://app.example.com";
  private static final String FOREIGN = "https://evil.example";

  private static NativeGateway fixture;
  private static Vertx anyVertx;
  private static GatewayServer anyOrigin;
  private static WebSocketClient webSockets;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    fixture = NativeGateway.start("""
      http: { host: 127.0.0.1, port: 0 }
      browser:
        allowedOrigins: [https://app.example.com, "http://localhost:3000/"]
        maxAgeSeconds: 120
      providers:
        upstream:
          type: openai
          config:
            baseUrl: ${UPSTREAM}
      models:
        gpt-4o-mini: { provider: upstream }
      """);
    webSockets = fixture.vertx.createWebSocketClient();
    // Its own Vert.x: servers of one Vert.x on port 0 share their port.
    anyVertx = Vertx.vertx();
    anyOrigin = GatewayServer.start(anyVertx, """
      browser:
        allowedOrigins: ["*"]
      providers:
        mock: { type: mock }
      models:
        mock: { provider: mock }
      """);
  }

  @AfterAll
  static void stop() throws Exception {
    if (anyOrigin != null) {
      anyOrigin.close();
      anyVertx.close().await(10, TimeUnit.SECONDS);
    }
    if (fixture != null) {
      webSockets.close();
      fixture.close();
    }
  }

  private static String self() {
    return "http://127.0.0.1:" + fixture.port();
  }

  // ---- WebSocket ---------------------------------------------------------------------------------------------

  @Test
  void aForeignOriginIsRefusedWith403BeforeTheUpgrade() throws Exception {
    UpgradeRejectedException rejected = refused(FOREIGN, Map.of());
    assertEquals("origin_not_allowed", new JsonObject(rejected.getBody()).getJsonObject("error").getString("code"));
    assertNull(rejected.getHeaders().get("access-control-allow-origin"));
    assertEquals(0, openConnections(), "no WebSocket was opened");
  }

  @Test
  void anOriginThatOnlyLooksLikeTheGatewaysIsRefused() throws Exception {
    for (String origin : List.of(self().replace("http:", "https:"), "http://127.0.0.1:" + (fixture.port() + 1),
      "http://127.0.0.1." + fixture.port(), "null", "http://app.example.com", ALLOWED + ".evil.example")) {
      refused(origin, Map.of());
    }
  }

  @Test
  void theGatewaysOwnOriginGetsReady() throws Exception {
    assertReady(self(), Map.of());
  }

  @Test
  void anAllowedOriginGetsReady() throws Exception {
    assertReady(ALLOWED, Map.of());
    // Listed with a trailing slash, sent by the browser without one: the same origin.
    assertReady("http://localhost:3000", Map.of());
  }

  @Test
  void aClientWithoutOriginGetsReady() throws Exception {
    assertReady(null, Map.of());
  }

  @Test
  void behindAProxyTheOriginItForwardsIsTheGatewaysOwn() throws Exception {
    Map<String, String> proxied = Map.of("x-forwarded-host", "chat.example.org", "x-forwarded-proto", "https");
    assertReady("https://chat.example.org", proxied);
    // The proxy terminates TLS but does not say so: the page's https origin is not the forwarded http one.
    refused("https://chat.example.org", Map.of("x-forwarded-host", "chat.example.org"));
  }

  /**
   * Connects to /v1/ws with a fresh session's token and that Origin (none when null): the first frame of the socket,
   * or the failure of the upgrade.
   */
  private static Object upgrade(String origin, Map<String, String> headers) throws Exception {
    String token = fixture.client.session().getString("urlToken");
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(fixture.port())
      .setURI("/v1/ws?access_token=" + token).setAllowOriginHeader(origin != null); // false drops ours too
    if (origin != null) {
      options.putHeader("origin", origin);
    }
    headers.forEach(options::putHeader);
    CompletableFuture<String> first = new CompletableFuture<>();
    ClientWebSocket socket = webSockets.webSocket();
    socket.textMessageHandler(first::complete);
    WebSocket ws;
    try {
      ws = socket.connect(options).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return e;
    }
    try {
      return new JsonObject(first.get(10, TimeUnit.SECONDS));
    } finally {
      ws.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static UpgradeRejectedException refused(String origin, Map<String, String> headers) throws Exception {
    Object result = upgrade(origin, headers);
    UpgradeRejectedException rejected = assertInstanceOf(UpgradeRejectedException.class, result, () -> origin + ": "
      + result);
    assertEquals(403, rejected.getStatus(), origin);
    return rejected;
  }

  private static void assertReady(String origin, Map<String, String> headers) throws Exception {
    Object result = upgrade(origin, headers);
    JsonObject frame = assertInstanceOf(JsonObject.class, result, () -> origin + ": " + result);
    assertEquals("ready", frame.getString("type"), frame.encode());
  }

  private static int openConnections() throws Exception {
    return new JsonObject(send("GET", "/readyz", null, Map.of()).body()).getInteger("openConnections");
  }

  // ---- CORS --------------------------------------------------------------------------------------------------

  @Test
  void aPreflightFromAnAllowedOriginIsAnsweredWithTheMethodsAndHeadersOfTheApi() throws Exception {
    HttpResponse<String> preflight = send("OPTIONS", "/v1/sessions", null, Map.of("origin", ALLOWED,
      "access-control-request-method", "POST", "access-control-request-headers", "authorization, content-type"));
    assertEquals(204, preflight.statusCode(), preflight.body());
    assertEquals(ALLOWED, header(preflight, "access-control-allow-origin"));
    assertTrue(header(preflight, "vary").toLowerCase().contains("origin"));
    List<String> methods = list(header(preflight, "access-control-allow-methods"));
    assertTrue(methods.containsAll(List.of("GET", "POST", "DELETE")), methods.toString());
    List<String> headers = list(header(preflight, "access-control-allow-headers"));
    assertTrue(headers.containsAll(List.of("authorization", "content-type", "x-api-key", "last-event-id",
      "x-request-id")), headers.toString());
    assertEquals("120", header(preflight, "access-control-max-age"));
    assertNull(header(preflight, "access-control-allow-credentials"), "auth is by header, never by cookie");
  }

  @Test
  void aPreflightFromAForeignOriginGetsNoCorsHeaders() throws Exception {
    HttpResponse<String> preflight = send("OPTIONS", "/v1/sessions", null, Map.of("origin", FOREIGN,
      "access-control-request-method", "POST", "access-control-request-headers", "authorization"));
    assertEquals(403, preflight.statusCode());
    assertNull(header(preflight, "access-control-allow-origin"));
    assertNull(header(preflight, "access-control-allow-methods"));
    assertNull(header(preflight, "access-control-allow-headers"));
  }

  @Test
  void anAllowedOriginCreatesASessionAndMayReadTheAnswer() throws Exception {
    HttpResponse<String> created = send("POST", "/v1/sessions", "{}", Map.of("origin", ALLOWED));
    assertEquals(201, created.statusCode(), created.body());
    assertEquals(ALLOWED, header(created, "access-control-allow-origin"));
    assertTrue(header(created, "vary").toLowerCase().contains("origin"));
    assertTrue(list(header(created, "access-control-expose-headers")).contains("location"));
    assertNull(header(created, "access-control-allow-credentials"));
  }

  @Test
  void aForeignOriginIsRefusedWith403AndNoSideEffect() throws Exception {
    HttpResponse<String> session = send("POST", "/v1/sessions", "{}", Map.of("origin", FOREIGN));
    assertRefused(session);
    int upstreamBefore = fixture.upstream.requestCount();
    HttpResponse<String> chat = send("POST", "/v1/chat/completions",
      GatewayServer.chat("gpt-4o-mini", "hi").encode(), Map.of("origin", FOREIGN));
    assertRefused(chat);
    // What a form of that site posts (a simple request: no preflight); refused before the token is even looked at.
    HttpResponse<String> form = send("POST", "/v1/streams?access_token=" + fixture.token,
      prompt("gpt-4o-mini", "hi").encode(), Map.of("origin", FOREIGN, "content-type", "text/plain"));
    assertRefused(form);
    assertEquals(upstreamBefore, fixture.upstream.requestCount(), "nothing reached the upstream");
  }

  @Test
  void theGatewaysOwnPageIsServedWithoutCorsHeaders() throws Exception {
    // A browser sends Origin on a same-origin POST too.
    HttpResponse<String> created = send("POST", "/v1/sessions", "{}", Map.of("origin", self()));
    assertEquals(201, created.statusCode(), created.body());
    HttpResponse<String> models = send("GET", "/v1/models", null, Map.of());
    assertEquals(200, models.statusCode());
    assertNull(header(models, "access-control-allow-origin"));
  }

  @Test
  void anErrorAnswerToAnAllowedOriginIsReadableByThePage() throws Exception {
    HttpResponse<String> refused = send("POST", "/v1/streams", prompt("gpt-4o-mini", "hi").encode(),
      Map.of("origin", ALLOWED, "authorization", "Bearer not-a-token"));
    assertEquals(401, refused.statusCode());
    assertEquals(ALLOWED, header(refused, "access-control-allow-origin"));
    assertEquals("invalid_token", new JsonObject(refused.body()).getJsonObject("error").getString("code"));
  }

  @Test
  void theClientScriptMayBeImportedByAnAllowedOriginOnly() throws Exception {
    HttpResponse<String> allowed = send("GET", "/client/tokenlane.js", null, Map.of("origin", ALLOWED));
    assertEquals(200, allowed.statusCode());
    assertEquals(ALLOWED, header(allowed, "access-control-allow-origin"));
    assertEquals(403, send("GET", "/client/tokenlane.js", null, Map.of("origin", FOREIGN)).statusCode());
  }

  @Test
  void withAStarAnyOriginMayCallTheApi() throws Exception {
    HttpResponse<String> models = send(anyOrigin.port(), "GET", "/v1/models", null, Map.of("origin", FOREIGN));
    assertEquals(200, models.statusCode());
    assertEquals("*", header(models, "access-control-allow-origin"));
    HttpResponse<String> preflight = send(anyOrigin.port(), "OPTIONS", "/v1/streams", null, Map.of("origin", "null",
      "access-control-request-method", "POST"));
    assertEquals(204, preflight.statusCode());
    assertEquals("600", header(preflight, "access-control-max-age"), "the default");
  }

  // ---- configuration -----------------------------------------------------------------------------------------

  @Test
  void anAllowedOriginThatIsNotAnOriginIsRefusedAtStartup() {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig.parse("""
      browser:
        allowedOrigins: [app.example.com]
      providers:
        mock: { type: mock }
      models:
        mock: { provider: mock }
      """, Map.<String, String>of()::get, problems);
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("browser.allowedOrigins: 'app.example.com' is not an origin"), problems.get(0));
    for (String bad : List.of("https://app.example.com/chat", "ftp://app.example.com", "https://u@app.example.com")) {
      problems.clear();
      TokenlaneConfig.parse("browser: { allowedOrigins: [\"" + bad + "\"] }\nproviders: { mock: { type: mock } }\n"
        + "models: { mock: { provider: mock } }\n", Map.<String, String>of()::get, problems);
      assertFalse(problems.isEmpty(), bad);
    }
    problems.clear();
    TokenlaneConfig.parse("providers: { mock: { type: mock } }\nmodels: { mock: { provider: mock } }\n",
      Map.of("TOKENLANE_BROWSER_ALLOWED_ORIGINS", "https://a.example,b.example")::get, problems);
    assertEquals(List.of("browser.allowedOrigins: 'b.example' is not an origin: http(s)://host[:port], no path, or *"),
      problems, "the environment override is read as a comma-separated list and checked");
  }

  // ---- helpers -----------------------------------------------------------------------------------------------

  private static void assertRefused(HttpResponse<String> response) {
    assertEquals(403, response.statusCode(), response.body());
    assertEquals("origin_not_allowed", new JsonObject(response.body()).getJsonObject("error").getString("code"));
    assertNull(header(response, "access-control-allow-origin"));
  }

  private static HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
    throws Exception {
    return send(fixture.port(), method, path, body, headers);
  }

  private static HttpResponse<String> send(int port, String method, String path, String body,
                                           Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
      .timeout(Duration.ofSeconds(20))
      .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null && !headers.containsKey("content-type")) {
      request.header("content-type", "application/json");
    }
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  private static List<String> list(String header) {
    return header == null ? List.of() : List.of(header.split(",\\s*"));
  }
}
