package io.tokenlane.transport.streams;

import io.tokenlane.core.ClientValues;
import io.tokenlane.core.GatewayException;
import io.tokenlane.transport.AccessLog;
import io.tokenlane.core.auth.Principal;
import io.tokenlane.core.session.SessionTokens;
import io.tokenlane.core.stream.EventSink;
import io.tokenlane.core.stream.Follower;
import io.tokenlane.core.stream.HubStream;
import io.tokenlane.core.stream.StreamEvent;
import io.tokenlane.transport.ExactIntegers;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /ws}: one WebSocket per client carrying any number of streams at once, with prompts, cancels and
 * resumes from the client.
 */
final class WebSocketTransport {

  static final short GOING_AWAY = 1001;
  static final short MESSAGE_TOO_BIG = 1009;
  static final short PROTOCOL_ERROR = 4400;
  static final short INVALID_TOKEN = 4401;
  static final short HEARTBEAT_TIMEOUT = 4408;
  /** How a close reason that asks the client to reconnect and resume (through the balancer) begins. */
  static final String RECONNECT = "reconnect: ";

  private static final System.Logger LOG = System.getLogger(WebSocketTransport.class.getName());

  private final StreamsApi api;
  private final Heartbeats heartbeats;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

  /** @return open WebSocket connections */
  int openConnections() {
    return connections.size();
  }

  WebSocketTransport(StreamsApi api, Heartbeats heartbeats) {
    this.api = api;
    this.heartbeats = heartbeats;
  }

  void upgrade(RoutingContext ctx) {
    WebSocketGuard guard = WebSocketGuard.negotiate(ctx.request(), api.options());
    ctx.request().toWebSocket().onSuccess(ws -> {
      guard.install();
      // Every upgraded connection gets its access line, refused ones (4401, draining) included.
      AccessLog.upgraded(ctx);
      SessionTokens.Claims session;
      try {
        session = api.claims(ctx.request(), true);
      } catch (GatewayException e) {
        // After the upgrade, so that a browser sees the code (a refused upgrade looks like a network failure).
        ws.close(INVALID_TOKEN, "invalid or expired session token");
        return;
      }
      if (api.draining()) {
        ws.close(GOING_AWAY, RECONNECT + "draining");
        return;
      }
      long openedNanos = System.nanoTime();
      // The access line of the connection's end (its handshake logged the 101); this closure keeps no routing context.
      var ended = AccessLog.connectionEnd(ctx);
      String path = ClientValues.bounded(ctx.request().path());
      new Connection(ws, session, AccessLog.requestId(ctx), () -> ended.accept(() -> "WebSocket " + path
        + " closed code=" + (ws.closeStatusCode() == null ? "-" : ws.closeStatusCode()) + " "
        + (System.nanoTime() - openedNanos) / 1_000_000 + "ms session=" + session.sessionId())).open();
    }).onFailure(e -> LOG.log(System.Logger.Level.DEBUG, "WebSocket upgrade failed: " + e.getMessage()));
  }

  void closeAll() {
    for (Connection connection : connections) {
      connection.context.runOnContext(v -> connection.ws.close(GOING_AWAY, "the gateway is shutting down"));
    }
  }

  /** One client connection and the streams it follows. */
  private final class Connection implements Heartbeats.Beating {

    private final ServerWebSocket ws;
    private final String sessionId;
    private final SessionTokens.Claims session;
    // The upgrade's X-Request-Id: every prompt of the connection carries it upstream and into its stream's log line.
    private final String httpRequestId;
    private final Runnable onClosed;
    private final Context context = Vertx.currentContext();
    private final Map<String, Follower> followers = new HashMap<>();
    private final long heartbeatNanos = TimeUnit.MILLISECONDS.toNanos(api.options().getHeartbeatMs());
    private long lastHeardNanos = System.nanoTime();
    private int stalledBeats;
    private boolean closed;

    Connection(ServerWebSocket ws, SessionTokens.Claims session, String httpRequestId, Runnable onClosed) {
      this.ws = ws;
      this.httpRequestId = httpRequestId;
      this.session = session;
      this.sessionId = session.sessionId();
      this.onClosed = onClosed;
    }

    void open() {
      // Handlers first: a client may already have closed.
      ws.textMessageHandler(this::message);
      ws.binaryMessageHandler(b -> protocolError("binary messages are not part of the protocol"));
      ws.pongHandler(b -> lastHeardNanos = System.nanoTime());
      ws.drainHandler(v -> drained());
      ws.exceptionHandler(this::failed);
      ws.closeHandler(v -> closed());
      if (ws.isClosed()) {
        closed();
        return;
      }
      connections.add(this);
      heartbeats.add(this);
      send(new JsonObject().put("type", "ready").put("sessionId", sessionId)
        .put("heartbeatMs", api.options().getHeartbeatMs()).put("maxFrameBytes", api.options().getMaxFrameBytes()));
    }

    private void drained() {
      // A client that drains is reading, even if its pongs wait behind the data.
      lastHeardNanos = System.nanoTime();
      stalledBeats = 0;
      ws.resume();
      // A copy: a follower that writes its end leaves the map.
      List.copyOf(followers.values()).forEach(Follower::drained);
    }

    private void message(String text) {
      if (closed) {
        return;
      }
      lastHeardNanos = System.nanoTime();
      int max = api.options().getMaxFrameBytes();
      if (text.length() > max || (text.length() * 3L > max && text.getBytes(StandardCharsets.UTF_8).length > max)) {
        close(MESSAGE_TOO_BIG, "message larger than " + max + " bytes");
        return;
      }
      Object parsed;
      try {
        parsed = Json.decodeValue(text);
      } catch (DecodeException e) {
        protocolError("message is not JSON");
        return;
      }
      if (!(parsed instanceof JsonObject frame)) {
        protocolError("message is not a JSON object");
        return;
      }
      Object type = frame.getValue("type");
      if (!(type instanceof String name)) {
        protocolError("message has no type");
        return;
      }
      switch (name) {
        case "prompt" -> prompt(frame);
        case "cancel" -> cancel(frame);
        case "resume" -> resume(frame);
        case "ping" -> send(new JsonObject().put("type", "pong"));
        default -> protocolError("unknown message type '" + shorten(name) + "'");
      }
      if (!closed && ws.writeQueueFull()) {
        // Answers pile up unread: read no more requests until the client reads (the drain resumes).
        ws.pause();
      }
    }

    private void prompt(JsonObject frame) {
      String requestId = frame.getValue("requestId") instanceof String id && id.length() <= Prompts.MAX_REQUEST_ID_LENGTH
        ? id : null;
      JsonObject body;
      Principal principal;
      try {
        if (System.currentTimeMillis() >= session.expiresAt()) {
          // The connection outlived its session token: it may read on, but starts nothing new.
          throw new GatewayException(401, "authentication_error", "session_expired", null,
            "the session token of this connection has expired: create a new session and reconnect");
        }
        principal = api.principal(session);
        requestId = Prompts.requestId(frame);
        body = Prompts.body(frame);
      } catch (GatewayException e) {
        error(e, requestId, null);
        return;
      }
      String id = requestId;
      api.access().admit(principal, body)
        .compose(ticket -> api.hub().open(sessionId, id, body, ticket, httpRequestId)).onComplete(opened -> {
        if (opened.failed()) {
          failed(opened.cause(), id, null);
        } else {
          follow(opened.result().stream(), 0, id);
        }
      });
    }

    private void cancel(JsonObject frame) {
      String streamId = frame.getValue("streamId") instanceof String id ? id : null;
      stream(streamId).compose(HubStream::cancel).onFailure(e -> failed(e, null, streamId));
    }

    private void resume(JsonObject frame) {
      String streamId = frame.getValue("streamId") instanceof String id ? id : null;
      Long seq = ExactIntegers.ofJson(frame.getValue("lastSeq", 0), 0, Long.MAX_VALUE);
      if (seq == null) {
        error(GatewayException.invalid("lastSeq", "lastSeq must be an integer from 0 to " + Long.MAX_VALUE), null,
          streamId);
        return;
      }
      stream(streamId).onComplete(found -> {
        if (found.failed()) {
          failed(found.cause(), null, streamId);
        } else {
          follow(found.result(), seq, null);
        }
      });
    }

    private Future<HubStream> stream(String streamId) {
      if (streamId == null) {
        return Future.failedFuture(GatewayException.invalid("streamId", "streamId must be a string"));
      }
      return api.hub().get(sessionId, streamId);
    }

    private void failed(Throwable failure, String requestId, String streamId) {
      if (failure instanceof GatewayException e) {
        error(e, requestId, streamId);
      } else {
        LOG.log(System.Logger.Level.WARNING, "a WebSocket request failed: " + failure);
        error(new GatewayException(500, "server_error", "internal_error", null, "the request failed"), requestId,
          streamId);
      }
    }

    private void follow(HubStream stream, long afterSeq, String requestId) {
      if (closed) {
        // The connection closed while the stream was looked up: nothing to attach (a prompt's stream runs on).
        return;
      }
      try {
        follow(stream, afterSeq);
      } catch (GatewayException e) {
        error(e, requestId, stream.id());
      }
    }

    private void follow(HubStream stream, long afterSeq) {
      // The new follower first: a refused cursor leaves the current one in place.
      StreamSink sink = new StreamSink(stream.id());
      Follower follower = stream.follow(afterSeq, sink);
      Follower previous = followers.get(stream.id());
      if (previous != null) {
        previous.close();
        followers.remove(stream.id(), previous);
      }
      sink.follower = follower;
      boolean nothingMore = stream.end() != null && follower.cursor() >= stream.lastSeq();
      if (!sink.done && !nothingMore) {
        followers.put(stream.id(), follower);
      }
    }

    boolean writeQueueFull() {
      // After the client's close frame, Vert.x throws on writeQueueFull until the close handler ran.
      return closed || ws.isClosed() || ws.writeQueueFull();
    }

    void write(StreamEvent event) {
      if (!closed && !ws.isClosed()) {
        // The event's own bytes, wrapped, not copied: encoded once for every reader.
        ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, event.encoded(), true));
      }
    }

    /** The sink of one follower, so that its end removes that follower and no other. */
    private final class StreamSink implements EventSink {
      private final String streamId;
      private Follower follower;
      private boolean done;

      StreamSink(String streamId) {
        this.streamId = streamId;
      }

      @Override
      public boolean writeQueueFull() {
        return Connection.this.writeQueueFull();
      }

      @Override
      public void write(StreamEvent event) {
        Connection.this.write(event);
        if (event.isEnd()) {
          done = true;
          if (follower != null) {
            followers.remove(streamId, follower);
          }
        }
      }
    }

    private void send(JsonObject message) {
      if (!closed && !ws.isClosed()) {
        ws.writeTextMessage(message.encode());
      }
    }

    private void error(GatewayException e, String requestId, String streamId) {
      JsonObject error = new JsonObject().put("type", "error");
      if (requestId != null) {
        error.put("requestId", requestId);
      }
      if (streamId != null) {
        error.put("streamId", streamId);
      }
      error.put("code", e.code()).put("message", e.getMessage());
      if (e.param() != null) {
        error.put("param", e.param());
      }
      if (e.retryAfterMs() > 0) {
        error.put("retryAfterMs", e.retryAfterMs());
      }
      send(error);
    }

    private void protocolError(String reason) {
      close(PROTOCOL_ERROR, reason);
    }

    private void failed(Throwable e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains("max message size")) {
        close(MESSAGE_TOO_BIG, "message larger than " + api.options().getMaxFrameBytes() + " bytes");
      } else {
        LOG.log(System.Logger.Level.DEBUG, "WebSocket failed: " + message);
      }
    }

    private void close(short code, String reason) {
      if (!closed) {
        ws.close(code, reason);
        closed();
      }
    }

    private void closed() {
      if (closed && followers.isEmpty()) {
        return;
      }
      if (!closed) {
        onClosed.run();
      }
      closed = true;
      connections.remove(this);
      heartbeats.remove(this);
      followers.values().forEach(Follower::close);
      followers.clear();
    }

    @Override
    public Context context() {
      return context;
    }

    @Override
    public void reconnect(String reason) {
      close(GOING_AWAY, RECONNECT + reason);
    }

    @Override
    public void beat() {
      if (closed) {
        return;
      }
      if (System.nanoTime() - lastHeardNanos > 2 * heartbeatNanos) {
        close(HEARTBEAT_TIMEOUT, "no frame from the client for two heartbeat intervals");
        return;
      }
      if (ws.writeQueueFull()) {
        // Nothing drained for two whole intervals (a drain resets the count): the client is gone or stuck.
        if (++stalledBeats >= 2) {
          close(HEARTBEAT_TIMEOUT, "the client read nothing for two heartbeat intervals");
        }
        return;
      }
      stalledBeats = 0;
      ws.writePing(Buffer.buffer("hb"));
      send(new JsonObject().put("type", "heartbeat").put("time", System.currentTimeMillis()));
    }

    /** A client's value quoted in a close reason, which must stay under 123 bytes. */
    private String shorten(String value) {
      String cut = value.length() > 32 ? value.substring(0, 32) + "..." : value;
      return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
  }
}
