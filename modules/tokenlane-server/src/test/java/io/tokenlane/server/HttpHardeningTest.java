package io.tokenlane.server;

import static io.tokenlane.server.GatewayServer.chat;
import static io.tokenlane.server.GatewayServer.streamingChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP server against clients that hold connections, send too much or send broken HTTP: each is refused with a
 * JSON error (or closed) within the configured limits, without a stack trace in the log, while honest clients are
 * served. The limits are short so that the tests run fast.
 */
class HttpHardeningTest {

  private static final int HEADER_TIMEOUT_MS = 1000;
  private static final int MAX_BODY = 64 * 1024;
  private static final String CONFIG = """
    http:
      host: 127.0.0.1
      port: 0
      maxBodyBytes: 65536
      keepAliveMs: 500
      headerTimeoutMs: 1000
      bodyTimeoutMs: 1500
      idleTimeoutMs: 2500
    transports:
      heartbeatMs: 1000
      maxPollWaitMs: 1000
    providers:
      fast:
        type: mock
        config: { length: 40 }
      steady:
        type: mock
        config: { tokensPerSecond: 20, length: 40 }
      mute:
        type: mock
        config: { ttftMs: 60000, length: 5 }
    models:
      fast: { provider: fast }
      steady: { provider: steady }
      mute: { provider: mute }
    """;

  private static Vertx vertx;
  private static GatewayServer gateway;
  private LogCapture capture;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    gateway = GatewayServer.start(vertx, CONFIG);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void captureLog() {
    capture = LogCapture.start();
  }

  @AfterEach
  void releaseLog() {
    capture.close();
  }

  /** Records at INFO or above that carry a stack trace, or at WARNING and above. */
  private List<String> troubles() {
    List<String> troubles = new ArrayList<>();
    for (LogRecord record : capture.records()) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()
        || (record.getThrown() != null && record.getLevel().intValue() >= Level.INFO.intValue())) {
        troubles.add(record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage() + " "
          + record.getThrown());
      }
    }
    return troubles;
  }

  private RawHttp raw() throws IOException {
    return new RawHttp(gateway.port());
  }

  private static void assertRefused(RawHttp.Response response, int status, String code) {
    assertEquals(status, response.status(), response.body());
    assertEquals("application/json", response.header("content-type"));
    assertEquals("close", response.header("connection"));
    assertEquals(code, response.error().getString("code"), response.body());
  }

  @Test
  void slowlorisConnectionsAreClosedWithinTheHeaderTimeoutWhileLivezAndAnHonestStreamAreServed() throws Exception {
    int attackers = 50;
    NetClient net = vertx.createNetClient();
    CountDownLatch closed = new CountDownLatch(attackers);
    List<NetSocket> sockets = new ArrayList<>();
    for (int i = 0; i < attackers; i++) {
      NetSocket socket = net.connect(gateway.port(), "127.0.0.1").await(5, TimeUnit.SECONDS);
      socket.closeHandler(v -> closed.countDown());
      socket.write("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      sockets.add(socket);
    }
    // A header byte per socket every 200 ms: the head never ends, yet the connection is never silent.
    long drip = vertx.setPeriodic(200, id -> sockets.forEach(socket -> socket.write("a")));
    try {
      var stream = gateway.send(HttpMethod.POST, "/v1/chat/completions",
        io.vertx.core.buffer.Buffer.buffer(streamingChat("steady", "hello").encode()));
      for (int i = 0; i < 5; i++) {
        long began = System.nanoTime();
        assertEquals(200, gateway.get("/livez").status());
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        assertTrue(tookMs < 2000, "/livez took " + tookMs + " ms during the attack");
      }
      GatewayServer.Reply streamed = stream.await(30, TimeUnit.SECONDS);
      assertEquals(200, streamed.status());
      assertEquals("[DONE]", streamed.data().get(streamed.data().size() - 1));
      assertFalse(streamed.streamedText().isEmpty());
      // The header timeout plus a check interval, with a generous margin for a busy machine.
      assertTrue(closed.await(HEADER_TIMEOUT_MS + 9000, TimeUnit.MILLISECONDS),
        closed.getCount() + " of " + attackers + " slowloris connections still open");
    } finally {
      vertx.cancelTimer(drip);
      net.close();
    }
  }

  @Test
  void silentConnectionsAndIdleKeepAliveConnectionsAreClosed() throws Exception {
    List<RawHttp> silent = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      silent.add(raw());
    }
    try (RawHttp keptAlive = raw()) {
      RawHttp.Response livez = keptAlive.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
      assertEquals(200, livez.status());
      // A second request on the same connection, before the timeout, is served.
      assertEquals(200, keptAlive.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status());
      assertTrue(keptAlive.closedByServer(), "an idle keep-alive connection stays open");
      for (RawHttp connection : silent) {
        assertTrue(connection.closedByServer(), "a silent connection stays open");
      }
    } finally {
      for (RawHttp connection : silent) {
        connection.close();
      }
    }
  }

  @Test
  void aConnectionSilentMidRequestIsClosedByTheIdleTimeout() throws Exception {
    // A non-streamed completion whose provider says nothing for a minute: no byte either way.
    try (RawHttp client = raw()) {
      String body = chat("mute", "hello").encode();
      client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body);
      assertTrue(client.closedByServer());
    }
  }

  /**
   * Output is activity too: a streamed completion whose provider is silent for a minute keeps writing keep-alive
   * comments, so its connection outlives the idle timeout (2.5 s here) by far, while the same silence without them
   * (above) is closed.
   */
  @Test
  void aStreamThatKeepsWritingOutlivesTheIdleTimeout() throws Exception {
    NetClient net = vertx.createNetClient();
    try {
      NetSocket socket = net.connect(gateway.port(), "127.0.0.1").await(5, TimeUnit.SECONDS);
      AtomicBoolean closed = new AtomicBoolean();
      AtomicInteger comments = new AtomicInteger();
      StringBuilder received = new StringBuilder();
      socket.closeHandler(v -> closed.set(true));
      socket.handler(bytes -> {
        synchronized (received) {
          received.append(bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
          comments.set(received.toString().split(": keep-alive", -1).length - 1);
        }
      });
      String body = streamingChat("mute", "hello").encode();
      socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body);
      // Ten comments 500 ms apart: twice the idle timeout with nothing read, only written.
      NativeClient.await("ten keep-alive comments", () -> comments.get() >= 10 || closed.get(), 30_000);
      assertFalse(closed.get(), "closed after " + comments.get() + " comments: " + received);
      assertTrue(received.toString().startsWith("HTTP/1.1 200"), received.toString());
    } finally {
      net.close();
    }
  }

  @Test
  void aBodyThatDoesNotArriveInTimeGets408AndTheConnectionClosed() throws Exception {
    try (RawHttp client = raw()) {
      client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: 1000\r\n\r\n{\"model\":");
      assertRefused(client.read(), 408, "request_timeout");
      assertTrue(client.closedByServer());
    }
  }

  @Test
  void aHundredMegabyteBodyOnSessionsGets413AtOnceWithoutBeingRead() throws Exception {
    try (RawHttp client = raw()) {
      client.send("POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: 104857600\r\n\r\n");
      client.send("x".repeat(16 * 1024));
      // Answered after 16 KB of the 100 MB: the gateway did not wait for (or read) the rest.
      assertRefused(client.read(), 413, "request_too_large");
      assertTrue(client.closedByServer());
    }
  }

  @Test
  void aChunkedBodyPastTheLimitGets413OnARouteThatReadsIt() throws Exception {
    try (RawHttp client = raw()) {
      client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n");
      String chunk = "x".repeat(8192);
      for (int sent = 0; sent <= MAX_BODY; sent += chunk.length()) {
        client.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      }
      assertRefused(client.read(), 413, "request_too_large");
      assertTrue(client.closedByServer());
    }
  }

  @Test
  void aChunkedBodyPastTheLimitClosesTheConnectionOnARouteThatIgnoresIt() throws Exception {
    long sent = 0;
    try (RawHttp client = raw()) {
      client.send("POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
      String chunk = Integer.toHexString(65536) + "\r\n" + "x".repeat(65536) + "\r\n";
      OutputStream out = client.socket.getOutputStream();
      byte[] bytes = chunk.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
      IOException broken = null;
      try {
        while (sent < 100L * 1024 * 1024) {
          out.write(bytes);
          sent += bytes.length;
        }
      } catch (IOException e) {
        broken = e;
      }
      assertNotNull(broken, "the gateway read a 100 MB body that its limit is 64 KB");
    }
    assertTrue(sent < 100L * 1024 * 1024);
  }

  @Test
  void aMalformedChunkSizeGets400JsonWithoutAStackTraceInTheLog() throws Exception {
    try (RawHttp client = raw()) {
      client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\nZZZ\r\n{\"model\":\"fast\"}\r\n0\r\n\r\n");
      assertRefused(client.read(), 400, "invalid_framing");
      assertTrue(client.closedByServer());
    }
    assertEquals(List.of(), troubles());
  }

  @Test
  void aRequestWithoutHostGetsATruthful400() throws Exception {
    try (RawHttp client = raw()) {
      String body = chat("fast", "hi").encode();
      client.send("POST /v1/chat/completions HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length() + "\r\n\r\n" + body);
      RawHttp.Response response = client.read();
      assertRefused(response, 400, "invalid_host_header");
      assertTrue(response.error().getString("message").contains("Host"));
      assertTrue(client.closedByServer());
    }
    assertEquals(List.of(), troubles());
  }

  @Test
  void brokenRequestHeadsGetJsonErrors() throws Exception {
    try (RawHttp client = raw()) {
      assertRefused(client.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nBroken header line\r\n\r\n").read(),
        400, "invalid_request");
    }
    try (RawHttp client = raw()) {
      assertRefused(client.send("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read(),
        414, "uri_too_long");
    }
    try (RawHttp client = raw()) {
      assertRefused(client.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(10_000)
        + "\r\n\r\n").read(), 431, "headers_too_large");
    }
    try (RawHttp client = raw()) {
      // A version Vert.x does not serve: it used to close the connection without a word.
      assertRefused(client.send("GET /livez HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n").read(), 400,
        "http_version_not_supported");
    }
    for (String path : List.of("/v1/streams/%ZZ/poll", "/v1/chat/completions%G1", "/v1/models/%")) {
      try (RawHttp client = raw()) {
        // A path Vert.x's router cannot decode used to be a 500 and an ERROR in the log.
        RawHttp.Response response = client.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
        assertEquals(400, response.status(), path + ": " + response.body());
        assertEquals("invalid_request", response.error().getString("code"));
      }
    }
    assertEquals(List.of(), troubles());
  }

  @Test
  void errorsQuoteClientValuesBoundedAndWithoutControlCharacters() throws Exception {
    String longModel = "m".repeat(60_000);
    GatewayServer.Reply unknown = gateway.post("/v1/chat/completions", chat(longModel, "hi"));
    assertEquals(404, unknown.status());
    String message = unknown.json().getJsonObject("error").getString("message");
    assertTrue(message.length() < 200, message.length() + " characters: " + message.substring(0, 100));
    assertTrue(message.contains("'" + "m".repeat(64) + "...'"), message);

    GatewayServer.Reply control = gateway.post("/v1/chat/completions", chat("bad\u0001\nmodel", "hi"));
    assertTrue(control.json().getJsonObject("error").getString("message").contains("'bad??model'"));

    GatewayServer.Reply path = gateway.get("/v1/nowhere/" + "p".repeat(3000));
    assertEquals(404, path.status());
    assertTrue(path.json().getJsonObject("error").getString("message").length() < 200);

    GatewayServer.Reply model = gateway.get("/v1/models/" + "q".repeat(3000));
    assertEquals(404, model.status());
    assertTrue(model.json().getJsonObject("error").getString("message").length() < 200);
  }

  @Test
  void webSocketsAndStreamsOutliveTheHeaderTimeout() throws Exception {
    String token = gateway.post("/v1/sessions", new JsonObject()).json().getString("urlToken");
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      List<JsonObject> frames = new CopyOnWriteArrayList<>();
      CountDownLatch heartbeats = new CountDownLatch(3);
      WebSocket ws = client.webSocket().textMessageHandler(text -> {
        JsonObject frame = new JsonObject(text);
        frames.add(frame);
        if ("heartbeat".equals(frame.getString("type"))) {
          heartbeats.countDown();
        }
      }).connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port())
        .setURI("/v1/ws?access_token=" + token)).await(10, TimeUnit.SECONDS);
      // Three heartbeats a second apart: the socket has lived well past the header timeout.
      assertTrue(heartbeats.await(15, TimeUnit.SECONDS), "frames: " + frames);
      assertFalse(ws.isClosed());
      CountDownLatch pong = new CountDownLatch(1);
      ws.textMessageHandler(text -> {
        if ("pong".equals(new JsonObject(text).getString("type"))) {
          pong.countDown();
        }
      });
      ws.writeTextMessage(new JsonObject().put("type", "ping").encode());
      assertTrue(pong.await(5, TimeUnit.SECONDS));
    } finally {
      client.close();
    }
  }
}
