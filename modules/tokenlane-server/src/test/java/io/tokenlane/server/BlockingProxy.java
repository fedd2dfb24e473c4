package io.tokenlane.server;

import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.streams.Pipe;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A test fixture that plays a corporate HTTP proxy in front of one target on 127.0.0.1: it listens on a free
 * loopback port and forwards every request to the target (method, path and query, headers less the hop-by-hop ones,
 * body streamed), streaming each response back chunk by chunk as it arrives, so Server-Sent Events work through it
 * when no mode is set. WebSocket upgrades are proxied too (frames both ways, close codes and reasons passed on).
 *
 * <p>Modes, switchable at any time (they apply to requests that arrive afterwards):
 * <ul>
 *   <li>{@link #blockWebSockets(boolean)}: an upgrade request gets {@code 403} and a short text body, no upgrade;</li>
 *   <li>{@link #bufferEventStreams(boolean)}: a {@code text/event-stream} response is held whole (head and body)
 *       until the target ends it, then sent at once, as a buffering proxy does (which breaks SSE);</li>
 *   <li>{@link #blockEventStreams(boolean)}: a {@code text/event-stream} response is answered with {@code 502};</li>
 *   <li>{@link #cutEventStreamsAfter(int)}: every event-stream connection is closed (client and target side) right
 *       after it has carried that many events with an {@code id:}, like a flaky network between browser and
 *       gateway; {@link #dropConnections()} closes every client connection now.</li>
 * </ul>
 * Closing a client connection closes the request to the target, and a target connection that closes closes the
 * client's. Everything runs on Vert.x event loops without blocking.
 */
final class BlockingProxy {

  /** Hop-by-hop headers (RFC 9110 section 7.6.1) that a proxy must not forward, plus Host, which it sets itself. */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
    "proxy-authorization", "proxy-connection", "te", "trailer", "trailers", "transfer-encoding", "upgrade", "host");

  /** Headers of a WebSocket handshake that the proxy's own client handshake generates again. */
  private static final Set<String> HANDSHAKE = Set.of("sec-websocket-key", "sec-websocket-version",
    "sec-websocket-extensions", "sec-websocket-accept", "content-length");

  private static final int MAX_WEBSOCKET_MESSAGE = 16 * 1024 * 1024;

  private final int targetPort;
  private final HttpClient client;
  private final WebSocketClient webSocketClient;
  private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  private HttpServer server;

  private volatile boolean blockWebSockets;
  private volatile boolean bufferEventStreams;
  private volatile boolean blockEventStreams;
  private volatile int cutEventStreamsAfter;

  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger refusedUpgrades = new AtomicInteger();
  private final AtomicInteger proxiedWebSockets = new AtomicInteger();
  private final AtomicInteger webSocketMessagesToClient = new AtomicInteger();
  private final AtomicInteger eventStreams = new AtomicInteger();
  private final AtomicInteger bufferedEventStreams = new AtomicInteger();
  private final AtomicInteger blockedEventStreams = new AtomicInteger();
  private final AtomicInteger cutEventStreams = new AtomicInteger();

  private BlockingProxy(Vertx vertx, int targetPort) {
    this.targetPort = targetPort;
    // One target connection per proxied request (so closing one request closes exactly its connection), and a pool
    // large enough for many long-lived event streams at once (the default of 5 would queue the sixth).
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
      new PoolOptions().setHttp1MaxSize(512));
    this.webSocketClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(512)
      .setMaxFrameSize(MAX_WEBSOCKET_MESSAGE).setMaxMessageSize(MAX_WEBSOCKET_MESSAGE));
  }

  /** Starts a proxy on a free port of 127.0.0.1 in front of {@code 127.0.0.1:targetPort}, every mode off. */
  static Future<BlockingProxy> start(Vertx vertx, int targetPort) {
    BlockingProxy proxy = new BlockingProxy(vertx, targetPort);
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
      .setMaxWebSocketFrameSize(MAX_WEBSOCKET_MESSAGE).setMaxWebSocketMessageSize(MAX_WEBSOCKET_MESSAGE));
    server.connectionHandler(connection -> {
      proxy.connections.add(connection);
      connection.closeHandler(v -> proxy.connections.remove(connection));
    });
    server.requestHandler(proxy::handle);
    return server.listen().map(listening -> {
      proxy.server = listening;
      return proxy;
    });
  }

  int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:<port>}, no trailing slash. */
  String origin() {
    return "http://127.0.0.1:" + port();
  }

  BlockingProxy blockWebSockets(boolean block) {
    this.blockWebSockets = block;
    return this;
  }

  BlockingProxy bufferEventStreams(boolean buffer) {
    this.bufferEventStreams = buffer;
    return this;
  }

  BlockingProxy blockEventStreams(boolean block) {
    this.blockEventStreams = block;
    return this;
  }

  /** Closes each event-stream connection after it carried {@code events} events with an id; 0 turns this off. */
  BlockingProxy cutEventStreamsAfter(int events) {
    this.cutEventStreamsAfter = Math.max(0, events);
    return this;
  }

  /** Closes every open client connection now (HTTP and WebSocket alike, no close frame); returns how many. */
  int dropConnections() {
    int dropped = 0;
    for (HttpConnection connection : connections) {
      closeAbruptly(connection);
      dropped++;
    }
    return dropped;
  }

  /** Requests received, WebSocket upgrades included. */
  int requests() {
    return requests.get();
  }

  /** WebSocket upgrades answered with 403 by {@link #blockWebSockets(boolean)}. */
  int refusedUpgrades() {
    return refusedUpgrades.get();
  }

  /** WebSocket connections proxied to the target. */
  int proxiedWebSockets() {
    return proxiedWebSockets.get();
  }

  /** Data frames that ended a message (text, binary or a final continuation) passed from the target to a client. */
  int webSocketMessagesToClient() {
    return webSocketMessagesToClient.get();
  }

  /** Event-stream responses seen from the target, whatever happened to them. */
  int eventStreams() {
    return eventStreams.get();
  }

  /** Event-stream responses held until their end by {@link #bufferEventStreams(boolean)}. */
  int bufferedEventStreams() {
    return bufferedEventStreams.get();
  }

  /** Event-stream responses replaced by a 502 by {@link #blockEventStreams(boolean)}. */
  int blockedEventStreams() {
    return blockedEventStreams.get();
  }

  /** Event-stream connections closed by {@link #cutEventStreamsAfter(int)}. */
  int cutEventStreams() {
    return cutEventStreams.get();
  }

  Future<Void> close() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> client.close()).eventually(() -> webSocketClient.close());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Plain HTTP

  private void handle(HttpServerRequest request) {
    requests.incrementAndGet();
    if (isWebSocketUpgrade(request)) {
      if (blockWebSockets) {
        refusedUpgrades.incrementAndGet();
        request.response().setStatusCode(403).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
          .putHeader(HttpHeaders.CONNECTION, "close").end("WebSocket upgrades are blocked by this proxy\n");
      } else {
        proxyWebSocket(request);
      }
      return;
    }
    // Hold the body (and its end) until the target request exists.
    Pipe<Buffer> body = request.pipe();
    body.endOnFailure(false);
    HttpServerResponse response = request.response();
    RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("127.0.0.1")
      .setPort(targetPort).setURI(request.uri());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    forwardHeaders(request.headers(), headers, HOP_BY_HOP);
    addForwardedHeaders(request, headers);
    options.setHeaders(headers);
    client.request(options).onComplete(created -> {
      if (created.failed()) {
        body.close();
        badGateway(request, "cannot reach the target: " + created.cause().getMessage());
        return;
      }
      HttpClientRequest upstream = created.result();
      if (response.closed()) {
        body.close();
        upstream.reset();
        return;
      }
      String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (contentLength == null && isChunked(request.headers())) {
        upstream.setChunked(true);
      }
      // The client went away: so does the target request (and its connection).
      response.closeHandler(v -> upstream.reset());
      upstream.response().onComplete(answered -> {
        if (answered.failed()) {
          badGateway(request, "the target failed: " + answered.cause().getMessage());
        } else {
          relay(request, upstream, answered.result());
        }
      });
      body.to(upstream).onFailure(err -> upstream.reset());
    });
  }

  private void relay(HttpServerRequest request, HttpClientRequest upstream, HttpClientResponse answer) {
    HttpServerResponse response = request.response();
    if (response.closed()) {
      upstream.reset();
      return;
    }
    answer.pause();
    boolean eventStream = isEventStream(answer.getHeader(HttpHeaders.CONTENT_TYPE));
    if (eventStream) {
      eventStreams.incrementAndGet();
      if (blockEventStreams) {
        blockedEventStreams.incrementAndGet();
        upstream.reset();
        badGateway(request, "event streams are blocked by this proxy");
        return;
      }
    }
    response.setStatusCode(answer.statusCode());
    if (answer.statusMessage() != null) {
      response.setStatusMessage(answer.statusMessage());
    }
    forwardHeaders(answer.headers(), response.headers(), HOP_BY_HOP);
    boolean bodyless = request.method() == HttpMethod.HEAD || answer.statusCode() == 204
      || answer.statusCode() == 304 || answer.statusCode() / 100 == 1;
    if (eventStream && bufferEventStreams || request.version() == HttpVersion.HTTP_1_0 && !bodyless) {
      if (eventStream && bufferEventStreams) {
        bufferedEventStreams.incrementAndGet();
      }
      answer.body().onComplete(whole -> {
        if (whole.failed()) {
          abort(request);
        } else {
          response.headers().set(HttpHeaders.CONTENT_LENGTH, String.valueOf(whole.result().length()));
          response.end(whole.result());
        }
      });
      answer.resume();
      return;
    }
    if (!bodyless && !response.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      response.setChunked(true);
    }
    int cutAfter = eventStream ? cutEventStreamsAfter : 0;
    EventCounter counter = cutAfter > 0 ? new EventCounter() : null;
    answer.handler(chunk -> {
      if (counter != null) {
        int cutAt = counter.feed(chunk, cutAfter);
        if (cutAt >= 0) {
          answer.handler(null);
          response.write(chunk.getBuffer(0, cutAt));
          cutEventStreams.incrementAndGet();
          upstream.reset();
          abort(request);
          return;
        }
      }
      response.write(chunk);
      if (response.writeQueueFull()) {
        answer.pause();
        response.drainHandler(v -> answer.resume());
      }
    });
    answer.exceptionHandler(err -> abort(request));
    answer.endHandler(v -> response.end());
    // Send the head now: a streaming response's client must see it before the first chunk arrives.
    if (!bodyless && response.isChunked()) {
      response.writeHead();
    }
    answer.resume();
  }

  private static void badGateway(HttpServerRequest request, String message) {
    HttpServerResponse response = request.response();
    if (response.headWritten() || response.closed()) {
      abort(request);
      return;
    }
    response.setStatusCode(502).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
      .end("Bad gateway: " + message + "\n");
  }

  /** Closes the client's connection as a network failure would: a response in progress stays truncated. */
  private static void abort(HttpServerRequest request) {
    closeAbruptly(request.connection());
  }

  /** Closes the TCP connection at once: no WebSocket close frame (which {@code HttpConnection.close()} sends). */
  private static void closeAbruptly(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      closeChannel(base.channelHandlerContext().channel());
    } else {
      connection.close();
    }
  }

  /**
   * Closes a socket bypassing the channel pipeline: Vert.x intercepts a pipeline close to close gracefully (a
   * WebSocket close frame 1000 first), which is exactly what a dropped network connection does not do.
   */
  private static void closeChannel(Channel channel) {
    channel.eventLoop().execute(() -> channel.unsafe().close(channel.voidPromise()));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // WebSocket

  private void proxyWebSocket(HttpServerRequest request) {
    request.pause();
    HttpConnection clientConnection = request.connection();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(targetPort)
      .setURI(request.uri());
    // The proxy's own handshake with the target generates key, version and extensions (it offers none: an
    // extension the browser offered is the browser's business with the proxy, which ends that connection).
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    forwardHeaders(request.headers(), headers, HOP_BY_HOP);
    HANDSHAKE.forEach(headers::remove);
    String protocols = headers.get("sec-websocket-protocol");
    headers.remove("sec-websocket-protocol");
    if (protocols != null) {
      for (String protocol : protocols.split(",")) {
        options.addSubProtocol(protocol.trim());
      }
    }
    addForwardedHeaders(request, headers);
    options.setHeaders(headers);
    webSocketClient.connect(options).onComplete(connected -> {
      if (connected.failed()) {
        int status = connected.cause() instanceof UpgradeRejectedException rejected ? rejected.getStatus() : 502;
        request.resume();
        request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
          .end("The target refused the WebSocket: " + connected.cause().getMessage() + "\n");
        return;
      }
      WebSocketBase upstream = connected.result();
      // The target may speak first (the gateway sends "ready" at once): hold its frames until the client side
      // is upgraded, or they would be dropped.
      upstream.pause();
      List<WebSocketFrame> early = new ArrayList<>();
      upstream.frameHandler(early::add);
      if (clientConnection == null || request.response().closed()) {
        upstream.close();
        return;
      }
      request.toWebSocket().onComplete(upgraded -> {
        if (upgraded.failed()) {
          upstream.close((short) 1011, "the client upgrade failed");
          return;
        }
        proxiedWebSockets.incrementAndGet();
        early.stream().filter(BlockingProxy::isData).forEach(frame -> {
          upgraded.result().writeFrame(frame);
          countToClient(frame);
        });
        pipeWebSockets(upgraded.result(), upstream);
        upstream.resume();
      });
    });
  }

  private void pipeWebSockets(WebSocketBase downstream, WebSocketBase upstream) {
    pipeFrames(downstream, upstream, frame -> { });
    pipeFrames(upstream, downstream, this::countToClient);
    downstream.closeHandler(v -> closeLike(downstream, upstream));
    upstream.closeHandler(v -> closeLike(upstream, downstream));
    downstream.exceptionHandler(err -> closeAbruptly(upstream));
    upstream.exceptionHandler(err -> closeAbruptly(downstream));
  }

  /** Forwards data frames as they are (fragmentation kept); pings, pongs and closes each side handles itself. */
  private static void pipeFrames(WebSocketBase from, WebSocketBase to, Consumer<WebSocketFrame> passed) {
    from.frameHandler(frame -> {
      if (isData(frame) && !to.isClosed()) {
        to.writeFrame(frame);
        passed.accept(frame);
        holdWhileFull(from, to);
      }
    });
  }

  private static boolean isData(WebSocketFrame frame) {
    return frame.isText() || frame.isBinary() || frame.isContinuation();
  }

  private void countToClient(WebSocketFrame frame) {
    if (frame.isFinal()) {
      webSocketMessagesToClient.incrementAndGet();
    }
  }

  private static void holdWhileFull(WebSocketBase from, WebSocketBase to) {
    if (!to.isClosed() && to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> from.resume());
    }
  }

  /** Passes a close on: the same code and reason, or an abrupt close when the closed side sent no close frame. */
  private static void closeLike(WebSocketBase closed, WebSocketBase other) {
    if (other.isClosed()) {
      return;
    }
    Short code = closed.closeStatusCode();
    if (code == null || code == 1006 || code == 1015) {
      closeAbruptly(other);
    } else if (code == 1005) {
      other.close();
    } else {
      other.close(code, closed.closeReason());
    }
  }

  private static void closeAbruptly(WebSocketBase webSocket) {
    if (webSocket instanceof WebSocketInternal internal) {
      closeChannel(internal.channelHandlerContext().channel());
    } else if (!webSocket.isClosed()) {
      webSocket.close();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  private static boolean isWebSocketUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader(HttpHeaders.UPGRADE);
    return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
  }

  private static boolean isEventStream(String contentType) {
    return contentType != null && contentType.trim().toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  private static boolean isChunked(MultiMap headers) {
    String encoding = headers.get(HttpHeaders.TRANSFER_ENCODING);
    return encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked");
  }

  /** Copies headers less the hop-by-hop ones and those the Connection header names. */
  private static void forwardHeaders(MultiMap from, MultiMap to, Set<String> dropped) {
    Set<String> named = new HashSet<>();
    for (String connection : from.getAll(HttpHeaders.CONNECTION)) {
      for (String token : connection.split(",")) {
        named.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    for (var header : from) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (!dropped.contains(name) && !named.contains(name)) {
        to.add(header.getKey(), header.getValue());
      }
    }
  }

  private static void addForwardedHeaders(HttpServerRequest request, MultiMap headers) {
    String host = request.getHeader(HttpHeaders.HOST);
    if (host != null) {
      headers.set("X-Forwarded-Host", host);
    }
    headers.set("X-Forwarded-Proto", "http");
    if (request.remoteAddress() != null) {
      headers.set("X-Forwarded-For", request.remoteAddress().hostAddress());
    }
  }

  /**
   * Counts complete events with an {@code id:} field in an event stream fed chunk by chunk: an event is complete at
   * the blank line that ends it. Handles LF and CRLF line ends and chunks split anywhere.
   */
  private static final class EventCounter {
    private int events;
    private boolean lineStart = true;
    private boolean sawId;
    private int idMatched = -1; // characters of "id:" matched at the start of the current line, -1 when not matching

    /** Feeds a chunk; returns the length of its prefix that completes the {@code limit}-th event, or -1. */
    int feed(Buffer chunk, int limit) {
      for (int i = 0; i < chunk.length(); i++) {
        byte b = chunk.getByte(i);
        if (b == '\r') {
          continue;
        }
        if (b == '\n') {
          if (lineStart) {
            if (sawId && ++events >= limit) {
              return i + 1;
            }
            sawId = false;
          } else if (idMatched == 3) {
            sawId = true;
          }
          lineStart = true;
          idMatched = -1;
          continue;
        }
        if (lineStart) {
          lineStart = false;
          idMatched = b == 'i' ? 1 : -1;
        } else if (idMatched == 1) {
          idMatched = b == 'd' ? 2 : -1;
        } else if (idMatched == 2) {
          idMatched = b == ':' ? 3 : -1;
        }
      }
      return -1;
    }
  }
}
