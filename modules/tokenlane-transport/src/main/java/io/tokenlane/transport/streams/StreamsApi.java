package io.tokenlane.transport.streams;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.auth.Principal;
import io.tokenlane.core.session.SessionTokens;
import io.tokenlane.transport.auth.Access;
import io.tokenlane.core.stream.HubStream;
import io.tokenlane.core.stream.StreamHub;
import io.tokenlane.core.stream.StreamHubOptions;
import io.tokenlane.transport.AccessLog;
import io.tokenlane.transport.ExactIntegers;
import io.tokenlane.transport.TransportOptions;
import io.tokenlane.transport.openai.OpenAiApi;
import io.tokenlane.transport.openai.OpenAiErrors;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The native streaming protocol v1 (docs/protocol.md): sessions, and streams over WebSocket, Server-Sent Events
 * and long-polling, all backed by one {@link StreamHub}. Routes are relative to where the router is mounted
 * ({@code /v1} on a standalone gateway).
 */
public final class StreamsApi implements AutoCloseable {

  static final String SSE = "sse";
  static final String LONG_POLLING = "long-polling";
  static final String WEBSOCKET = "websocket";

  private final Vertx vertx;
  private final StreamHub hub;
  private final SessionTokens tokens;
  private final Access access;
  private final TransportOptions options;
  private final Heartbeats heartbeats;
  private final SseTransport sse;
  private final LongPollTransport longPoll;
  private final WebSocketTransport webSocket;
  private volatile boolean draining;

  private StreamsApi(Vertx vertx, StreamHub hub, SessionTokens tokens, TransportOptions options, Access access) {
    this.vertx = vertx;
    this.hub = hub;
    this.tokens = tokens;
    this.access = access;
    this.options = new TransportOptions(options);
    this.heartbeats = new Heartbeats(vertx, options.getHeartbeatMs());
    this.sse = new SseTransport(this, heartbeats);
    this.longPoll = new LongPollTransport(vertx, this);
    this.webSocket = new WebSocketTransport(this, heartbeats);
  }

  /**
   * Creates the API.
   *
   * @param vertx the Vert.x instance
   * @param hub the streams
   * @param tokens signs and checks session tokens
   * @param options transport settings
   * @return the API; {@link #close()} it when its server stops
   */
  public static StreamsApi create(Vertx vertx, StreamHub hub, SessionTokens tokens, TransportOptions options) {
    return create(vertx, hub, tokens, options, Access.open());
  }

  /**
   * Creates the API with authentication: sessions are minted by an authenticated principal and bound to it, and
   * every prompt is admitted against the principal's models and limits.
   *
   * @param vertx the Vert.x instance
   * @param hub the streams
   * @param tokens signs and checks session tokens
   * @param options transport settings
   * @param access who may mint sessions, and what they may spend
   * @return the API; {@link #close()} it when its server stops
   */
  public static StreamsApi create(Vertx vertx, StreamHub hub, SessionTokens tokens, TransportOptions options,
                                  Access access) {
    return new StreamsApi(vertx, hub, tokens, options, access);
  }

  /**
   * A router with {@code POST /sessions}, {@code POST /streams}, {@code GET /streams/:id/events},
   * {@code GET /streams/:id/poll}, {@code DELETE /streams/:id} and {@code GET /ws}.
   *
   * @return a new router
   */
  public Router router() {
    Router router = Router.router(vertx);
    router.route().handler(StreamsApi::decodableQuery);
    router.post("/sessions").handler(this::createSession);
    router.post("/sessions/url-token").handler(this::urlToken);
    router.post("/streams")
      .handler(BodyHandler.create(false).setBodyLimit(options.getMaxBodyBytes()))
      .handler(this::startStream);
    router.get("/streams/:streamId/events").handler(ctx -> ifEnabled(ctx, SSE, sse::events));
    router.get("/streams/:streamId/poll").handler(ctx -> ifEnabled(ctx, LONG_POLLING, longPoll::poll));
    router.delete("/streams/:streamId").handler(this::cancelStream);
    router.get("/ws").handler(ctx -> ifEnabled(ctx, WEBSOCKET, webSocket::upgrade));
    router.route("/streams/*").failureHandler(StreamsApi::failure);
    router.route("/sessions").failureHandler(StreamsApi::failure);
    router.route("/sessions/*").failureHandler(StreamsApi::failure);
    return router;
  }

  /** @return how many WebSocket and SSE connections are open */
  public int openConnections() {
    return heartbeats.size();
  }

  /**
   * Open connections of one transport, read without blocking (for a metrics gauge): WebSocket connections, SSE
   * event streams, long polls waiting.
   *
   * @param transport {@code websocket}, {@code sse} or {@code long-polling}
   * @return the count
   */
  public int openConnections(String transport) {
    return switch (transport) {
      case WEBSOCKET -> webSocket.openConnections();
      case SSE -> Math.max(0, heartbeats.size() - webSocket.openConnections());
      case LONG_POLLING -> longPoll.waiting();
      default -> throw new IllegalArgumentException("no transport " + transport);
    };
  }

  /**
   * Drains: every WebSocket and SSE client is asked to reconnect (WebSocket close 1001 with a reason starting
   * {@code reconnect:}, an SSE {@code reconnect} event and the response ended), waiting long-polls are answered,
   * and new connections get the same answer. Streams run on: clients resume them through other members.
   */
  public void drain() {
    refuseNew();
    heartbeats.reconnect(Integer.MAX_VALUE, "draining");
    longPoll.answerAll();
  }

  /**
   * Asks some WebSocket and SSE clients to reconnect through the balancer, so that connections even out across
   * members; their streams run on and resume with nothing lost or repeated.
   *
   * @param connections how many
   * @return how many were asked
   */
  public int shed(int connections) {
    return heartbeats.reconnect(connections, "rebalancing");
  }

  /**
   * Refuses new sessions ({@code 503 draining}) and new WebSocket connections (closed with 1001 and a
   * {@code reconnect: draining} reason, so that clients go to another member); open connections carry on.
   */
  public void refuseNew() {
    draining = true;
  }

  boolean draining() {
    return draining;
  }

  Access access() {
    return access;
  }

  /** Closes every WebSocket with 1001 (going away) and stops the heartbeat timer. */
  @Override
  public void close() {
    webSocket.closeAll();
    heartbeats.close();
  }

  StreamHub hub() {
    return hub;
  }

  TransportOptions options() {
    return options;
  }

  private void createSession(RoutingContext ctx) {
    if (draining) {
      ctx.response().putHeader("retry-after", "1");
      OpenAiErrors.send(ctx.response(), new GatewayException(503, "service_unavailable", "draining", null,
        "this gateway member is shutting down: create the session again (through the load balancer)"));
      return;
    }
    access.authenticate(ctx.request()).onComplete(authenticated -> {
      if (authenticated.failed()) {
        fail(ctx, authenticated.cause());
        return;
      }
      Principal principal = authenticated.result();
      sendSession(ctx, tokens.issue(principal.id(), principal.expiresAtMs()));
    });
  }

  private void sendSession(RoutingContext ctx, SessionTokens.Session session) {
    StreamHubOptions streams = hub.options();
    JsonArray transports = new JsonArray();
    for (String name : options.getTransports()) {
      transports.add(new JsonObject().put("name", name).put("url", WEBSOCKET.equals(name) ? "ws" : "streams"));
    }
    ctx.response().setStatusCode(201).putHeader("cache-control", "no-store");
    ctx.json(new JsonObject()
      .put("sessionId", session.id())
      .put("token", session.token())
      .put("expiresAt", session.expiresAt())
      .put("urlToken", session.urlToken())
      .put("urlTokenExpiresAt", session.urlTokenExpiresAt())
      .put("heartbeatMs", options.getHeartbeatMs())
      .put("resumeWindowMs", streams.getResumeWindowMs())
      .put("detachGraceMs", streams.getDetachGraceMs())
      .put("maxFrameBytes", options.getMaxFrameBytes())
      .put("transports", transports));
  }

  /** {@code POST sessions/url-token}: a fresh URL token of the session whose token is in the header. */
  private void urlToken(RoutingContext ctx) {
    try {
      SessionTokens.Claims claims = claims(ctx.request(), false);
      String urlToken = tokens.urlToken(claims);
      ctx.response().putHeader("cache-control", "no-store");
      ctx.json(new JsonObject().put("urlToken", urlToken)
        .put("urlTokenExpiresAt", SessionTokens.urlTokenExpiry(urlToken)));
    } catch (GatewayException e) {
      OpenAiErrors.send(ctx.response(), e);
    }
  }

  private void startStream(RoutingContext ctx) {
    try {
      SessionTokens.Claims claims = claims(ctx.request(), false);
      Principal principal = principal(claims);
      JsonObject prompt;
      try {
        prompt = ctx.body().asJsonObject();
      } catch (DecodeException | ClassCastException e) {
        prompt = null;
      }
      if (prompt == null) {
        throw GatewayException.invalid(null, "the body must be a JSON object with model and messages");
      }
      String requestId = Prompts.requestId(prompt);
      JsonObject body = Prompts.body(prompt);
      access.admit(principal, body)
        .compose(ticket -> hub.open(claims.sessionId(), requestId, body, ticket, AccessLog.requestId(ctx)))
        .onComplete(done -> {
        if (done.failed()) {
          fail(ctx, done.cause());
          return;
        }
        String id = done.result().stream().id();
        ctx.response().setStatusCode(done.result().created() ? 201 : 200).putHeader("location", "streams/" + id);
        ctx.json(new JsonObject().put("streamId", id)
          .put("events", "streams/" + id + "/events").put("poll", "streams/" + id + "/poll"));
      });
    } catch (GatewayException e) {
      OpenAiErrors.send(ctx.response(), e);
    }
  }

  /** Answers a failed hub call: its error, or a 500 for what is not a gateway error. */
  static void fail(RoutingContext ctx, Throwable failure) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    if (failure instanceof GatewayException e) {
      OpenAiErrors.send(ctx.response(), e);
    } else {
      ctx.fail(failure);
    }
  }

  private void cancelStream(RoutingContext ctx) {
    withStream(ctx, false, stream -> stream.cancel().onComplete(done -> {
      if (done.failed()) {
        fail(ctx, done.cause());
        return;
      }
      ctx.json(new JsonObject().put("streamId", stream.id()).put("lastSeq", stream.lastSeq())
        .put("reason", stream.end() == null ? null : stream.end().reason().wireName()));
    }));
  }

  private void ifEnabled(RoutingContext ctx, String transport, java.util.function.Consumer<RoutingContext> handler) {
    if (!options.getTransports().contains(transport)) {
      OpenAiErrors.send(ctx.response(), new GatewayException(404, "invalid_request_error", "transport_disabled", null,
        "the " + transport + " transport is disabled on this gateway"));
      return;
    }
    try {
      handler.accept(ctx);
    } catch (GatewayException e) {
      OpenAiErrors.send(ctx.response(), e);
    }
  }

  /**
   * The session of a request: its token from {@code Authorization: Bearer}, or, where the browser API can send no
   * header (WebSocket, EventSource), a URL token in {@code access_token}.
   *
   * @param request the request
   * @param urlTokenAllowed whether this route may take a URL token in {@code access_token}
   * @return what the token says
   * @throws GatewayException 401 {@code invalid_token}
   */
  SessionTokens.Claims claims(HttpServerRequest request, boolean urlTokenAllowed) {
    String header = request.getHeader("authorization");
    SessionTokens.Claims claims = null;
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      claims = tokens.verify(header.substring(7).trim());
    } else if (urlTokenAllowed) {
      claims = tokens.verify(request.getParam("access_token"));
      if (claims != null && !claims.inUrlForm()) {
        throw new GatewayException(401, "authentication_error", "invalid_token", "access_token",
          "a session token goes in the Authorization header; in a URL, use a short-lived urlToken (POST sessions/url-token)");
      }
    }
    if (claims == null) {
      throw new GatewayException(401, "authentication_error", "invalid_token", null,
        "a valid session token is required (Authorization: Bearer; in a WebSocket or EventSource URL, access_token with"
          + " a urlToken); create a session with POST sessions");
    }
    return claims;
  }

  /**
   * The principal of a session, as it stands now.
   *
   * @throws GatewayException 401 {@code invalid_token} when the principal may no longer use the gateway
   */
  Principal principal(SessionTokens.Claims claims) {
    Principal principal = access.principal(claims.principalId());
    if (principal == null) {
      throw new GatewayException(401, "authentication_error", "invalid_token", null,
        "the API key that created this session is no longer valid");
    }
    return principal;
  }

  /**
   * Runs {@code action} with the stream named by the path, for the request's session (it may live on another
   * member: the lookup is asynchronous), or answers the error.
   */
  void withStream(RoutingContext ctx, boolean urlTokenAllowed, java.util.function.Consumer<HubStream> action) {
    String sessionId;
    try {
      sessionId = claims(ctx.request(), urlTokenAllowed).sessionId();
    } catch (GatewayException e) {
      OpenAiErrors.send(ctx.response(), e);
      return;
    }
    hub.get(sessionId, ctx.pathParam("streamId")).onComplete(found -> {
      if (found.failed()) {
        fail(ctx, found.cause());
        return;
      }
      try {
        action.accept(found.result());
      } catch (GatewayException e) {
        fail(ctx, e);
      }
    });
  }

  /**
   * A non-negative integer query parameter.
   *
   * @throws GatewayException 400 {@code invalid_parameter}
   */
  static long longParam(HttpServerRequest request, String name, long defaultValue, long min, long max) {
    String value = request.getParam(name);
    if (value == null || value.isEmpty()) {
      return defaultValue;
    }
    Long parsed = ExactIntegers.ofText(value, min, max);
    if (parsed != null) {
      return parsed;
    }
    throw new GatewayException(400, "invalid_request_error", "invalid_parameter", name,
      name + " must be an integer from " + min + " to " + max);
  }

  /**
   * Refuses a query string that is not valid percent-encoding ({@code %ZZ}) with 400 up front: Vert.x decodes
   * parameters on first use and would throw from whichever handler reads one first.
   */
  private static void decodableQuery(RoutingContext ctx) {
    try {
      ctx.request().params();
    } catch (IllegalArgumentException e) {
      OpenAiErrors.send(ctx.response(), GatewayException.invalid(null, "the query string is not valid percent-encoding"));
      return;
    }
    ctx.next();
  }


  /** The OpenAI API's answer to failures, so that both APIs say the same truthful thing. */
  private static void failure(RoutingContext ctx) {
    OpenAiApi.failure(ctx);
  }
}
