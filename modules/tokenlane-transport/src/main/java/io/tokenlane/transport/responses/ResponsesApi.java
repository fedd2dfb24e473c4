package io.tokenlane.transport.responses;

import io.tokenlane.core.ClientValues;
import io.tokenlane.core.Gateway;
import io.tokenlane.core.auth.Ticket;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.transport.TransportOptions;
import io.tokenlane.transport.auth.Access;
import io.tokenlane.transport.http.ChunkedBody;
import io.tokenlane.transport.http.KeepAlives;
import io.tokenlane.transport.http.StreamRequests;
import io.tokenlane.transport.openai.OpenAiApi;
import io.tokenlane.transport.openai.OpenAiErrors;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * OpenAI's Responses API, stateless: {@code POST /responses} (streaming and not), meant to be mounted under
 * {@code /v1} next to the chat-completions API, with the same authentication, admission, limits and error bodies.
 * A request is translated to a chat-completions body, so every configured model serves it; nothing is stored.
 *
 * <p>A client that disconnects mid-stream cancels its stream, and the provider closes the upstream request.
 *
 * @since 0.1
 */
public final class ResponsesApi implements AutoCloseable {

  private final Vertx vertx;
  private final Gateway gateway;
  private final TransportOptions options;
  private final Access access;
  private final KeepAlives keepAlives;

  private ResponsesApi(Vertx vertx, Gateway gateway, TransportOptions options, Access access) {
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
  public static ResponsesApi create(Vertx vertx, Gateway gateway, TransportOptions options, Access access) {
    return new ResponsesApi(vertx, gateway, options, access);
  }

  /**
   * A router with {@code POST /responses}, relative to where it is mounted, answering failures with OpenAI errors.
   *
   * @return a new router
   */
  public Router router() {
    Router router = Router.router(vertx);
    router.post("/responses")
      .handler(BodyHandler.create(false).setBodyLimit(options.getMaxBodyBytes()))
      .handler(this::responses);
    router.route("/responses").handler(ctx -> OpenAiErrors.send(ctx.response(), 405, OpenAiErrors.body("Method "
      + ctx.request().method().name() + " is not allowed on " + ClientValues.bounded(ctx.request().path()),
      "invalid_request_error", null, "method_not_allowed")));
    router.route("/responses").failureHandler(OpenAiApi::failure);
    return router;
  }

  private void responses(RoutingContext ctx) {
    StreamRequests.serve(ctx, access, ResponsesRequest::of, request -> request.chat,
      (request, ticket) -> start(ctx, request, ticket), OpenAiErrors::send);
  }

  private void start(RoutingContext ctx, ResponsesRequest request, Ticket ticket) {
    String id = "resp_" + StreamRequests.newId();
    ResponseObject object = new ResponseObject(id, System.currentTimeMillis() / 1000, request);
    StreamObserver observer = request.stream
      ? new ResponseEventWriter(ChunkedBody.of(ctx.request()), ctx.response(), vertx.getOrCreateContext(), keepAlives,
        object, request.chat)
      : new ResponseAggregator(ctx.response(), object, request.chat);
    StreamRequests.open(gateway, ctx, ticket, request.chat, id, observer, "responses", () -> {
      if (observer instanceof ResponseEventWriter writer) {
        writer.detach();
      }
    });
  }

  /** @return streamed responses open now; reads without blocking */
  public int openConnections() {
    return keepAlives.size();
  }

  /** Stops the keep-alive timer. */
  @Override
  public void close() {
    keepAlives.close();
  }
}
