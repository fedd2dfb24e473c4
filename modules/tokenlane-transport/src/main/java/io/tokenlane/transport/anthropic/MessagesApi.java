package io.tokenlane.transport.anthropic;

import io.tokenlane.core.ClientValues;
import io.tokenlane.core.Gateway;
import io.tokenlane.core.auth.Ticket;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.transport.TransportOptions;
import io.tokenlane.transport.auth.Access;
import io.tokenlane.transport.http.ChunkedBody;
import io.tokenlane.transport.http.KeepAlives;
import io.tokenlane.transport.http.StreamRequests;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * Anthropic's Messages API: {@code POST /messages} (streaming and not), meant to be mounted under {@code /v1} so
 * that Anthropic SDKs work with their base URL pointed at the gateway, against any configured model. The key goes
 * in {@code x-api-key} (or {@code Authorization: Bearer}); {@code anthropic-version} and {@code anthropic-beta} are
 * accepted and ignored. Same admission, limits and cancellation as the other APIs; errors in Anthropic's shape.
 *
 * @since 0.1
 */
public final class MessagesApi implements AutoCloseable {

  private final Vertx vertx;
  private final Gateway gateway;
  private final TransportOptions options;
  private final Access access;
  private final KeepAlives keepAlives;

  private MessagesApi(Vertx vertx, Gateway gateway, TransportOptions options, Access access) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.options = new TransportOptions(options);
    this.access = access;
    this.keepAlives = new KeepAlives(vertx, options.getKeepAliveMs());
  }

  /**
   * Creates the API.
   *
   * @param vertx the Vert.x instance
   * @param gateway the gateway core
   * @param options transport settings (body limit, keep-alive interval)
   * @param access who may call, and what they may spend
   * @return the API; {@link #close()} it when its server stops
   */
  public static MessagesApi create(Vertx vertx, Gateway gateway, TransportOptions options, Access access) {
    return new MessagesApi(vertx, gateway, options, access);
  }

  /**
   * A router with {@code POST /messages}, relative to where it is mounted, answering failures in Anthropic's shape.
   *
   * @return a new router
   */
  public Router router() {
    Router router = Router.router(vertx);
    router.post("/messages")
      .handler(BodyHandler.create(false).setBodyLimit(options.getMaxBodyBytes()))
      .handler(this::messages);
    router.route("/messages").handler(ctx -> AnthropicErrors.send(ctx.response(), 405, AnthropicErrors.body(
      "invalid_request_error", "Method " + ctx.request().method().name() + " is not allowed on "
        + ClientValues.bounded(ctx.request().path()))));
    router.route("/messages").failureHandler(AnthropicErrors::failure);
    return router;
  }

  private void messages(RoutingContext ctx) {
    StreamRequests.serve(ctx, access, MessagesRequest::of, request -> request.chat,
      (request, ticket) -> start(ctx, request, ticket), AnthropicErrors::send);
  }

  private void start(RoutingContext ctx, MessagesRequest request, Ticket ticket) {
    String id = "msg_" + StreamRequests.newId();
    MessageObject message = new MessageObject(id, request.chat.getString("model"));
    StreamObserver observer = request.stream
      ? new MessageEventWriter(ChunkedBody.of(ctx.request()), ctx.response(), vertx.getOrCreateContext(), keepAlives,
        message, request.chat)
      : new MessageAggregator(ctx.response(), message, request.chat);
    StreamRequests.open(gateway, ctx, ticket, request.chat, id, observer, "messages", () -> {
      if (observer instanceof MessageEventWriter writer) {
        writer.detach();
      }
    });
  }

  /** @return streamed messages open now; reads without blocking */
  public int openConnections() {
    return keepAlives.size();
  }

  /** Stops the keep-alive timer. */
  @Override
  public void close() {
    keepAlives.close();
  }
}
