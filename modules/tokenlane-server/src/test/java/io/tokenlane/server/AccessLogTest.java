package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.ReceivedRequest;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Request ids and the access log: an inbound {@code X-Request-Id} is kept when valid, replaced when not, generated when
 * absent, echoed on the response, and in the request's access line; the line never carries the query string.
 */
class AccessLogTest {

  static Vertx vertx;
  static FakeOpenAiUpstream upstream;
  static GatewayServer gateway;
  static final List<String> lines = new CopyOnWriteArrayList<>();
  static LogCapture capture;
  static final Logger PROMPT_LOG = Logger.getLogger("io.tokenlane.prompts");

  @BeforeAll
  static void start() throws Exception {
    Logger.getLogger("io.tokenlane.access").setLevel(Level.INFO);
    capture = LogCapture.start(record -> {
      if ("io.tokenlane.access".equals(record.getLoggerName()) || "io.tokenlane.streams".equals(record.getLoggerName())) {
        lines.add(record.getMessage());
      }
    });
    vertx = Vertx.vertx();
    upstream = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    gateway = GatewayServer.start(vertx, """
      logging:
        accessLog: true
      providers:
        m: { type: mock, config: { length: 3 } }
        paced: { type: mock, config: { length: 6, tokensPerSecond: 50 } }
        up: { type: openai, config: { baseUrl: "%s" } }
      models:
        m: { provider: m }
        paced: { provider: paced }
        u: { provider: up, model: gpt-4o-mini }
      """.formatted(upstream.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    capture.close();
    gateway.close();
    upstream.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> get(String path, String requestId) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path));
    if (requestId != null) {
      request.header("x-request-id", requestId);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A streamed chat completion of one user message, with its request id. */
  static HttpRequest streamingChat(String requestId, String model, String content) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
      .header("x-request-id", requestId).header("content-type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}")).build();
  }

  static String lineWith(String requestId) {
    NativeClient.await("the access line of " + requestId, () -> lines.stream().anyMatch(l -> l.contains("requestId=" + requestId + " ")));
    return lines.stream().filter(l -> l.contains("requestId=" + requestId + " ")).findFirst().orElseThrow();
  }

  @Test
  void aValidInboundRequestIdIsKeptEchoedAndLogged() throws Exception {
    HttpResponse<String> response = get("/v1/models?access_token=u2.secret-looking", "trace-42:abc_DEF.1");
    assertEquals("trace-42:abc_DEF.1", response.headers().firstValue("x-request-id").orElseThrow());
    String line = lineWith("trace-42:abc_DEF.1");
    assertTrue(line.startsWith("GET /v1/models 200 "), line);
    assertFalse(line.contains("access_token") || line.contains("secret-looking"), "no query string: " + line);
    assertTrue(line.contains("client=127.0.0.1"), line);
  }

  @Test
  void anInvalidOrMissingRequestIdIsReplacedByAGeneratedOne() throws Exception {
    for (String bad : new String[] {null, "", "has space", "x".repeat(129), "new\\nline"}) {
      HttpResponse<String> response = get("/livez", bad);
      String id = response.headers().firstValue("x-request-id").orElseThrow();
      assertNotEquals(bad, id);
      assertTrue(id.matches("[0-9a-f]{32}"), id);
      lineWith(id);
    }
    String first = get("/livez", null).headers().firstValue("x-request-id").orElseThrow();
    String second = get("/livez", null).headers().firstValue("x-request-id").orElseThrow();
    assertNotEquals(first, second);
  }

  /** Events after the first go out framed below Vert.x's encoder (ChunkedBody): the line counts them all. */
  @Test
  void theAccessLineOfAStreamCountsEveryBodyByteSent() throws Exception {
    HttpResponse<byte[]> streamed = HttpClient.newHttpClient().send(streamingChat("r-bytes", "paced", "hi"),
      HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, streamed.statusCode());
    NativeClient.await("the access line", () -> lines.stream().anyMatch(l -> l.startsWith("POST ") && l.contains("requestId=r-bytes ")));
    String access = lines.stream().filter(l -> l.startsWith("POST ") && l.contains("requestId=r-bytes ")).findFirst().orElseThrow();
    assertTrue(access.startsWith("POST /v1/chat/completions 200 ") && access.contains(" " + streamed.body().length + "B "),
      streamed.body().length + " bytes: " + access);
  }

  @Test
  void everyStreamEndsWithOneLineNamingItsIdsModelTokensAndReason() throws Exception {
    HttpRequest request = streamingChat("r-stream-1", "m", "a secret prompt");
    assertEquals(200, HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
    NativeClient.await("the stream's line", () -> lines.stream().anyMatch(l -> l.startsWith("stream ") && l.contains("requestId=r-stream-1 ")));
    String line = lines.stream().filter(l -> l.startsWith("stream ") && l.contains("requestId=r-stream-1 ")).findFirst().orElseThrow();
    assertTrue(line.matches("stream chatcmpl-[0-9a-f]+ requestId=r-stream-1 session=- model=m provider=m transport=openai"
      + " tokens=3 promptTokens=\\d+ usage=upstream ttftMs=\\d+ durationMs=\\d+ reason=(stop|length)"), line);
    assertFalse(line.contains("secret prompt"), "never the prompt");
    // A native stream names its session and the X-Request-Id of the request that started it.
    try (NativeClient client = new NativeClient(vertx, gateway.port())) {
      io.vertx.core.json.JsonObject session = client.session();
      HttpResponse<String> started = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + gateway.port() + "/v1/streams"))
        .header("authorization", "Bearer " + session.getString("token")).header("x-request-id", "p-7")
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(NativeClient.prompt("m", "hi").put("requestId", "idem-1").encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(201, started.statusCode(), started.body());
      String id = new io.vertx.core.json.JsonObject(started.body()).getString("streamId");
      client.pollToEnd(session.getString("token"), id, 0);
      NativeClient.await("the native stream's line", () -> lines.stream().anyMatch(l -> l.startsWith("stream " + id + " ")));
      String nativeLine = lines.stream().filter(l -> l.startsWith("stream " + id + " ")).findFirst().orElseThrow();
      assertTrue(nativeLine.contains(" requestId=p-7 session=" + session.getString("sessionId") + " model=m provider=m"
        + " transport=native tokens=3 promptTokens="), nativeLine);
    }
  }

  @Test
  void promptsAreLoggedOnlyWhenAsked() throws Exception {
    PROMPT_LOG.setLevel(Level.INFO);
    List<String> prompts = new CopyOnWriteArrayList<>();
    try (LogCapture promptCapture = LogCapture.start(record -> {
      if ("io.tokenlane.prompts".equals(record.getLoggerName())) {
        prompts.add(record.getMessage());
      }
    })) {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
        .header("x-request-id", "r-quiet").header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"private words\"}]}"))
        .build();
      assertEquals(200, HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
      NativeClient.await("the stream's line", () -> lines.stream().anyMatch(l -> l.contains("requestId=r-quiet ")));
      assertTrue(prompts.isEmpty(), "off by default: " + prompts);
      assertTrue(lines.stream().noneMatch(l -> l.contains("private words")), "in no other log either");

      // Its own Vert.x: two gateways on port 0 in one Vert.x would share their HTTP servers.
      Vertx other = Vertx.vertx();
      GatewayServer debugging = GatewayServer.start(other, """
        logging:
          prompts: true
        providers:
          m: { type: mock, config: { length: 3 } }
        models:
          m: { provider: m }
        """);
      try {
        HttpRequest asked = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + debugging.port() + "/v1/chat/completions"))
          .header("x-request-id", "r-debug").header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"debug me\"}]}"))
          .build();
        assertEquals(200, HttpClient.newHttpClient().send(asked, HttpResponse.BodyHandlers.ofString()).statusCode());
        NativeClient.await("the prompt's line", () -> !prompts.isEmpty());
        assertTrue(prompts.get(0).matches("prompt chatcmpl-[0-9a-f]+ requestId=r-debug model=m messages=\\[.*debug me.*]"),
          prompts.get(0));
      } finally {
        debugging.close();
        other.close().await(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void anInboundRequestIdGoesUpstreamOnEveryPath() throws Exception {
    // OpenAI API.
    HttpResponse<String> chat = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
      .header("x-request-id", "up-openai-1").header("content-type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"u\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
      .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, chat.statusCode(), chat.body());
    assertEquals("up-openai-1", chat.headers().firstValue("x-request-id").orElse(null));
    assertEquals("up-openai-1", upstreamRequestNamed("up-openai-1").header("x-request-id"));
    try (NativeClient client = new NativeClient(vertx, gateway.port())) {
      String token = client.session().getString("token");
      // Native HTTP.
      HttpResponse<String> started = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + gateway.port() + "/v1/streams"))
        .header("authorization", "Bearer " + token).header("x-request-id", "up-native-2")
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(NativeClient.prompt("u", "hi").encode())).build(),
        HttpResponse.BodyHandlers.ofString());
      assertEquals(201, started.statusCode(), started.body());
      assertEquals("up-native-2", upstreamRequestNamed("up-native-2").header("x-request-id"));
      // WebSocket: every prompt of the connection carries the upgrade's id.
      io.vertx.core.http.WebSocket ws = vertx.createWebSocketClient().connect(new io.vertx.core.http.WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(gateway.port()).setURI("/v1/ws").addHeader("authorization", "Bearer " + token)
          .addHeader("x-request-id", "up-ws-3"))
        .await(10, TimeUnit.SECONDS);
      ws.writeTextMessage(NativeClient.prompt("u", "hi").put("type", "prompt").encode()).await(10, TimeUnit.SECONDS);
      assertEquals("up-ws-3", upstreamRequestNamed("up-ws-3").header("x-request-id"));
      ws.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static ReceivedRequest upstreamRequestNamed(String requestId) {
    NativeClient.await("the upstream request " + requestId,
      () -> upstream.requests().stream().anyMatch(r -> requestId.equals(r.header("x-request-id"))));
    return upstream.requests().stream().filter(r -> requestId.equals(r.header("x-request-id"))).findFirst().orElseThrow();
  }

  @Test
  void aWebSocketLogsItsHandshakeAndItsEnd() throws Exception {
    try (NativeClient client = new NativeClient(vertx, gateway.port())) {
      String token = client.session().getString("token");
      io.vertx.core.http.WebSocket ws = vertx.createWebSocketClient().connect(new io.vertx.core.http.WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(gateway.port()).setURI("/v1/ws").addHeader("authorization", "Bearer " + token)
          .addHeader("x-request-id", "ws-1"))
        .await(10, TimeUnit.SECONDS);
      assertTrue(lineWith("ws-1").startsWith("GET /v1/ws 101 "), lineWith("ws-1"));
      ws.close((short) 1000, "bye").await(10, TimeUnit.SECONDS);
      NativeClient.await("the WebSocket's end", () -> lines.stream().anyMatch(l -> l.startsWith("WebSocket /v1/ws closed")));
      String end = lines.stream().filter(l -> l.startsWith("WebSocket /v1/ws closed")).findFirst().orElseThrow();
      assertTrue(end.matches("WebSocket /v1/ws closed code=1000 \\d+ms session=s-[A-Za-z0-9_-]+ requestId=ws-1"), end);
    }
  }

  @Test
  void errorsAndUnknownRoutesAreLoggedWithTheirStatus() throws Exception {
    HttpResponse<String> response = get("/v1/nothing-here", "r-404");
    assertEquals(404, response.statusCode());
    assertEquals("r-404", response.headers().firstValue("x-request-id").orElseThrow());
    assertTrue(lineWith("r-404").startsWith("GET /v1/nothing-here 404 "), lineWith("r-404"));
  }
}
