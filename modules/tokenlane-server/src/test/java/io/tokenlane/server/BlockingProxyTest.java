package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link BlockingProxy} fixture in each mode, in front of a small Vert.x server started here. */
class BlockingProxyTest {

  private static final int EVENTS = 5;
  private static final long EVENT_GAP_MS = 150;

  private static Vertx vertx;
  private static HttpServer target;
  private static HttpClient client;
  private static WebSocketClient webSockets;

  /** Per test: what the target saw of its one event stream / WebSocket. */
  private static volatile AtomicBoolean sseEnded;
  private static volatile Promise<Void> sseEnd;
  private static volatile Promise<Void> sseClosedEarly;
  private static volatile Promise<String> wsClosedByClient;
  private static volatile Promise<String> wsOrigin;

  private BlockingProxy proxy;

  @BeforeAll
  static void startTarget() throws Exception {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    // Offers permessage-deflate as browsers do: the proxy must not pass that offer on to the target.
    webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setTryUsePerMessageCompression(true));
    target = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
      .webSocketHandshakeHandler(handshake -> {
        wsOrigin.tryComplete(handshake.headers().get("origin"));
        handshake.accept();
      })
      .webSocketHandler(BlockingProxyTest::echo)
      .requestHandler(BlockingProxyTest::serve)
      .listen().await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopTarget() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void startProxy() throws Exception {
    sseEnded = new AtomicBoolean();
    sseEnd = Promise.promise();
    sseClosedEarly = Promise.promise();
    wsClosedByClient = Promise.promise();
    wsOrigin = Promise.promise();
    proxy = BlockingProxy.start(vertx, target.actualPort()).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopProxy() throws Exception {
    proxy.close().await(10, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The target

  private static void serve(HttpServerRequest request) {
    switch (request.path()) {
      case "/sse" -> sse(request);
      case "/json" -> request.body().onSuccess(body -> request.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader("X-Target", "yes")
        .end(new JsonObject().put("method", request.method().name()).put("uri", request.uri())
          .put("test", request.getHeader("x-test")).put("hop", request.getHeader("x-hop"))
          .put("forwardedHost", request.getHeader("x-forwarded-host"))
          .put("body", body.toString()).encode()));
      default -> request.response().setStatusCode(404).end();
    }
  }

  /**
   * {@code EVENTS} events ({@code ?events=N}: N), the first at once, then one every {@code EVENT_GAP_MS};
   * {@code ?drop=N} dies after N.
   */
  private static void sse(HttpServerRequest request) {
    int drop = intParam(request, "drop", 0);
    int events = intParam(request, "events", EVENTS);
    HttpServerResponse response = request.response().setChunked(true)
      .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream").putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    AtomicBoolean ended = sseEnded;
    Promise<Void> end = sseEnd;
    Promise<Void> closedEarly = sseClosedEarly;
    response.closeHandler(v -> {
      if (!ended.get()) {
        closedEarly.tryComplete();
      }
    });
    response.write("retry: 1000\n\nevent: ready\ndata: {\"type\":\"ready\"}\n\n");
    writeEvent(request, response, 1, events, drop, ended, end);
  }

  private static int intParam(HttpServerRequest request, String name, int defaultValue) {
    String value = request.params().get(name);
    return value == null ? defaultValue : Integer.parseInt(value);
  }

  private static void writeEvent(HttpServerRequest request, HttpServerResponse response, int seq, int events, int drop,
    AtomicBoolean ended, Promise<Void> end) {
    if (response.closed()) {
      return;
    }
    if (drop > 0 && seq > drop) {
      request.connection().close();
      return;
    }
    response.write("id: " + seq + "\ndata: {\"seq\":" + seq + "}\n\n");
    if (seq == events) {
      ended.set(true);
      response.end();
      end.tryComplete();
      return;
    }
    vertx.setTimer(EVENT_GAP_MS, t -> writeEvent(request, response, seq + 1, events, drop, ended, end));
  }

  /** Echoes messages; "close CODE REASON" makes it close with that code and reason. */
  private static void echo(ServerWebSocket ws) {
    Promise<String> closedByClient = wsClosedByClient;
    AtomicBoolean serverClosing = new AtomicBoolean();
    ws.textMessageHandler(text -> {
      if (text.startsWith("close ")) {
        String[] parts = text.split(" ", 3);
        serverClosing.set(true);
        ws.close(Short.parseShort(parts[1]), parts[2]);
      } else {
        ws.writeTextMessage(text);
      }
    });
    ws.binaryMessageHandler(ws::writeBinaryMessage);
    ws.closeHandler(v -> {
      if (!serverClosing.get()) {
        closedByClient.tryComplete(ws.closeStatusCode() + " " + ws.closeReason());
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // A client reading an event stream through the proxy

  /** What a client saw of an event stream: the chunks and whether the target had ended when each arrived. */
  private static final class SseRead {
    final int status;
    final List<String> chunks = new CopyOnWriteArrayList<>();
    final List<Boolean> targetEndedAtArrival = new CopyOnWriteArrayList<>();
    final Promise<Void> ended = Promise.promise();
    final Promise<Throwable> failed = Promise.promise();
    io.vertx.core.http.HttpClientResponse response;

    SseRead(int status) {
      this.status = status;
    }

    String body() {
      return String.join("", chunks);
    }

    List<Integer> ids() {
      List<Integer> ids = new ArrayList<>();
      Matcher matcher = Pattern.compile("(?m)^id: (\\d+)$").matcher(body());
      while (matcher.find()) {
        ids.add(Integer.parseInt(matcher.group(1)));
      }
      return ids;
    }

    /** Index of the first chunk holding an event with an id. */
    int firstEventChunk() {
      for (int i = 0; i < chunks.size(); i++) {
        if (chunks.get(i).contains("id: ")) {
          return i;
        }
      }
      return -1;
    }
  }

  private SseRead openSse(String uri) throws Exception {
    AtomicBoolean ended = sseEnded;
    RequestOptions options = new RequestOptions().setHost("127.0.0.1").setPort(proxy.port()).setURI(uri)
      .putHeader(HttpHeaders.ACCEPT, "text/event-stream");
    return client.request(options).compose(request -> request.send()).map(response -> {
      SseRead read = new SseRead(response.statusCode());
      read.response = response;
      response.handler(chunk -> {
        read.targetEndedAtArrival.add(ended.get());
        read.chunks.add(chunk.toString());
      });
      response.endHandler(v -> read.ended.tryComplete());
      response.exceptionHandler(read.failed::tryComplete);
      return read;
    }).await(10, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Tests

  @Test
  void plainRequestsAreForwardedWithoutHopByHopHeaders() throws Exception {
    // A keep-alive client: one that is not sends its own "Connection: close" instead of the header set here.
    HttpClient client = vertx.createHttpClient();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
      .setPort(proxy.port()).setURI("/json?a=1&b=two").putHeader("X-Test", "kept")
      .putHeader(HttpHeaders.CONNECTION, "keep-alive, X-Hop").putHeader("X-Hop", "dropped");
    JsonObject seen = client.request(options).compose(request -> request.send(Buffer.buffer("the body")))
      .compose(response -> {
        assertEquals(200, response.statusCode());
        assertEquals("yes", response.getHeader("X-Target"));
        return response.body();
      }).await(10, TimeUnit.SECONDS).toJsonObject();
    assertEquals("POST", seen.getString("method"));
    assertEquals("/json?a=1&b=two", seen.getString("uri"));
    assertEquals("kept", seen.getString("test"));
    assertNull(seen.getString("hop"));
    assertEquals("127.0.0.1:" + proxy.port(), seen.getString("forwardedHost"));
    assertEquals("the body", seen.getString("body"));
    assertEquals(1, proxy.requests());
    assertEquals(0, proxy.eventStreams());
  }

  @Test
  void passThroughStreamsEventsAsTheyArrive() throws Exception {
    SseRead read = openSse("/sse");
    read.ended.future().await(10, TimeUnit.SECONDS);
    assertEquals(200, read.status);
    assertEquals(List.of(1, 2, 3, 4, 5), read.ids());
    int first = read.firstEventChunk();
    assertFalse(read.targetEndedAtArrival.get(first), "the first event waited for the target's end");
    assertTrue(read.chunks.size() >= EVENTS, "events were merged: " + read.chunks);
    assertEquals("text/event-stream", read.response.getHeader(HttpHeaders.CONTENT_TYPE));
    assertEquals(1, proxy.eventStreams());
    assertEquals(0, proxy.bufferedEventStreams());
  }

  @Test
  void bufferedEventStreamsArriveOnlyAfterTheTargetEnded() throws Exception {
    proxy.bufferEventStreams(true);
    SseRead read = openSse("/sse");
    read.ended.future().await(10, TimeUnit.SECONDS);
    assertEquals(200, read.status);
    assertEquals(List.of(1, 2, 3, 4, 5), read.ids());
    assertTrue(read.targetEndedAtArrival.get(read.firstEventChunk()), "the first event was not held back");
    assertTrue(read.targetEndedAtArrival.get(0), "the stream's start was not held back");
    assertEquals(1, proxy.bufferedEventStreams());
    // Other responses are not held.
    proxy.bufferEventStreams(false);
    SseRead again = openSse("/sse");
    again.ended.future().await(10, TimeUnit.SECONDS);
    assertEquals(1, proxy.bufferedEventStreams());
    assertEquals(2, proxy.eventStreams());
  }

  @Test
  void blockedEventStreamsGetA502AndTheTargetRequestIsClosed() throws Exception {
    proxy.blockEventStreams(true);
    SseRead read = openSse("/sse");
    read.ended.future().await(10, TimeUnit.SECONDS);
    assertEquals(502, read.status);
    assertFalse(read.body().contains("id: "));
    sseClosedEarly.future().await(10, TimeUnit.SECONDS);
    assertEquals(1, proxy.blockedEventStreams());
  }

  @Test
  void aClientThatGoesAwayClosesTheTargetRequest() throws Exception {
    // A stream far longer than the test (a minute), so the client certainly goes away before the target ends it.
    SseRead read = openSse("/sse?events=400");
    NativeClient.await("the first event", () -> !read.ids().isEmpty());
    read.response.request().connection().close();
    sseClosedEarly.future().await(10, TimeUnit.SECONDS);
    assertFalse(sseEnded.get());
  }

  @Test
  void aTargetThatGoesAwayClosesTheClientConnection() throws Exception {
    SseRead read = openSse("/sse?drop=2");
    read.failed.future().await(10, TimeUnit.SECONDS);
    assertFalse(read.ended.future().isComplete());
    assertEquals(List.of(1, 2), read.ids());
  }

  @Test
  void eventStreamsCanBeCutAfterSomeEvents() throws Exception {
    proxy.cutEventStreamsAfter(2);
    SseRead read = openSse("/sse");
    read.failed.future().await(10, TimeUnit.SECONDS);
    assertEquals(List.of(1, 2), read.ids());
    assertTrue(read.body().endsWith("id: 2\ndata: {\"seq\":2}\n\n"), read.body());
    sseClosedEarly.future().await(10, TimeUnit.SECONDS);
    assertEquals(1, proxy.cutEventStreams());
  }

  @Test
  void webSocketsAreProxiedWithCloseCodesAndReasons() throws Exception {
    WebSocket ws = webSockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(proxy.port())
      .setURI("/ws?access_token=t").putHeader("Origin", "http://page.example")).await(10, TimeUnit.SECONDS);
    assertEquals("http://page.example", wsOrigin.future().await(10, TimeUnit.SECONDS));
    List<String> received = new CopyOnWriteArrayList<>();
    Promise<String> closed = Promise.promise();
    ws.textMessageHandler(received::add);
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode() + " " + ws.closeReason()));
    Promise<Buffer> binary = Promise.promise();
    ws.binaryMessageHandler(binary::tryComplete);
    ws.writeTextMessage("hello");
    ws.writeTextMessage("x".repeat(200_000));
    ws.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3}));
    assertEquals(Buffer.buffer(new byte[] {1, 2, 3}), binary.future().await(10, TimeUnit.SECONDS));
    ws.writeTextMessage("close 4401 token expired");
    assertEquals("4401 token expired", closed.future().await(10, TimeUnit.SECONDS));
    assertEquals(List.of("hello", "x".repeat(200_000)), received);

    // The other way: the client's close code reaches the target.
    WebSocket second = webSockets.connect(proxy.port(), "127.0.0.1", "/ws").await(10, TimeUnit.SECONDS);
    second.close((short) 4000, "bye").await(10, TimeUnit.SECONDS);
    assertEquals("4000 bye", wsClosedByClient.future().await(10, TimeUnit.SECONDS));
    assertEquals(2, proxy.proxiedWebSockets());
    assertEquals(0, proxy.refusedUpgrades());
  }

  @Test
  void droppedWebSocketConnectionsCloseBothSidesWithoutACloseFrame() throws Exception {
    WebSocket ws = webSockets.connect(proxy.port(), "127.0.0.1", "/ws").await(10, TimeUnit.SECONDS);
    Promise<Short> closed = Promise.promise();
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
    assertEquals(1, proxy.dropConnections());
    assertEquals((short) 1006, closed.future().await(10, TimeUnit.SECONDS));
    assertEquals("1006 null", wsClosedByClient.future().await(10, TimeUnit.SECONDS));
  }

  @Test
  void blockedUpgradesGetA403AndTheWebSocketConnectFails() throws Exception {
    proxy.blockWebSockets(true);
    Future<WebSocket> connecting = webSockets.connect(proxy.port(), "127.0.0.1", "/ws");
    CompletionException failure = assertThrows(CompletionException.class,
      () -> connecting.toCompletionStage().toCompletableFuture().join());
    UpgradeRejectedException rejected = assertInstanceOf(UpgradeRejectedException.class, failure.getCause());
    assertEquals(403, rejected.getStatus());
    assertEquals(1, proxy.refusedUpgrades());
    assertEquals(0, proxy.proxiedWebSockets());
    assertFalse(wsOrigin.future().isComplete(), "the upgrade reached the target");

    // A raw upgrade request sees the 403 and its text; plain requests still pass. Raw bytes over TCP, read until the
    // answer's content-length is in. Vert.x's HTTP client treats a request with an Upgrade header as a tunnel, and in
    // one full test run of many its answer's body never completed.
    Promise<String> raw = Promise.promise();
    Buffer received = Buffer.buffer();
    vertx.createNetClient().connect(proxy.port(), "127.0.0.1").onComplete(connected -> {
      if (connected.failed()) {
        raw.fail(connected.cause());
        return;
      }
      connected.result().handler(bytes -> {
        received.appendBuffer(bytes);
        if (wholeAnswer(received.toString())) {
          raw.tryComplete(received.toString());
        }
      }).closeHandler(v -> raw.tryComplete(received.toString()));
      connected.result().write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    });
    String answer = raw.future().await(10, TimeUnit.SECONDS);
    assertTrue(answer.startsWith("HTTP/1.1 403 "), answer);
    assertTrue(answer.substring(answer.indexOf("\r\n\r\n")).contains("blocked"), answer);
    assertEquals(2, proxy.refusedUpgrades());
    SseRead read = openSse("/sse");
    read.ended.future().await(10, TimeUnit.SECONDS);
    assertEquals(List.of(1, 2, 3, 4, 5), read.ids());

    proxy.blockWebSockets(false);
    webSockets.connect(proxy.port(), "127.0.0.1", "/ws").await(10, TimeUnit.SECONDS).close();
    assertEquals(1, proxy.proxiedWebSockets());
  }

  /** @return whether {@code answer} holds an HTTP response's head and as many body bytes as its content-length */
  private static boolean wholeAnswer(String answer) {
    int headEnd = answer.indexOf("\r\n\r\n");
    Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$").matcher(answer);
    return headEnd >= 0 && length.find() && length.start() < headEnd
      && answer.length() - headEnd - 4 >= Integer.parseInt(length.group(1));
  }
}
