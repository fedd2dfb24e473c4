package io.tokenlane.transport.openai;

import io.tokenlane.core.ClientValues;
import io.tokenlane.core.Gateway;
import io.tokenlane.core.GatewayException;
import io.tokenlane.core.auth.Principal;
import io.tokenlane.core.auth.Ticket;
import io.tokenlane.transport.auth.Access;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.transport.TransportOptions;
import io.tokenlane.transport.http.ChunkedBody;
import io.tokenlane.transport.http.KeepAlives;
import io.tokenlane.transport.http.StreamRequests;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The OpenAI-compatible HTTP API: {@code POST /chat/completions} (streaming and not) and {@code GET /models},
 * meant to be mounted under {@code /v1} so that OpenAI SDKs work with their base URL pointed at the gateway.
 *
 * <p>A client that disconnects mid-stream cancels its stream, and the provider closes the upstream request.
 */
public final class OpenAiApi implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(OpenAiApi.class.getName());

  private final Vertx vertx;
  private final Gateway gateway;
  private final TransportOptions options;
  private final KeepAlives keepAlives;
  private final Access access;

  private OpenAiApi(Vertx vertx, Gateway gateway, TransportOptions options, Access access) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.access = access;
    this.options = new TransportOptions(options);
    this.keepAlives = new KeepAlives(vertx, options.getKeepAliveMs());
  }

  /**
   * Creates the API.
   *
   * @param vertx the Vert.x instance
   * @param gateway the gateway core
   * @param options transport settings
   * @return the API; {@link #close()} it when its server stops
   */
  public static OpenAiApi create(Vertx vertx, Gateway gateway, TransportOptions options) {
    return create(vertx, gateway, options, Access.open());
  }

  /**
   * Creates the API with authentication: every request needs a gateway API key (or JWT) when {@code access}
   * requires one, and streams are admitted against the principal's models and limits.
   *
   * @param vertx the Vert.x instance
   * @param gateway the gateway core
   * @param options transport settings
   * @param access who may call, and what they may spend
   * @return the API; {@link #close()} it when its server stops
   */
  public static OpenAiApi create(Vertx vertx, Gateway gateway, TransportOptions options, Access access) {
    return new OpenAiApi(vertx, gateway, options, access);
  }

  /**
   * A router with the API's routes, relative to where it is mounted ({@code /chat/completions}, {@code /models},
   * {@code /models/:id}), with OpenAI-shaped errors for bad bodies, unknown routes and oversized requests.
   *
   * @return a new router
   */
  public Router router() {
    Router router = Router.router(vertx);
    router.post("/chat/completions")
      .handler(BodyHandler.create(false).setBodyLimit(options.getMaxBodyBytes()))
      .handler(this::chatCompletions);
    router.get("/models").handler(this::listModels);
    // Model ids may contain slashes (meta-llama/Llama-3.1-8B-Instruct).
    router.getWithRegex("/models/(?<id>.+)").handler(this::getModel);
    // A mounted router's own error handlers are not used (failures go to the root router), failure handlers are:
    // bodies over the limit and handler exceptions get OpenAI errors wherever this router is mounted.
    router.route().failureHandler(OpenAiApi::failure);
    installErrorHandlers(router);
    return router;
  }

  /**
   * Answers a failed request with an OpenAI error: the cause's own status and a truthful message, and an
   * {@code ERROR} log only for what the gateway got wrong (a 500). A request whose connection closed or whose
   * response already ended (a client gone mid-body) has nobody left to tell: a {@code DEBUG} line at most.
   * {@code StreamsApi} answers its failures here too.
   *
   * @param ctx the failed request
   */
  public static void failure(RoutingContext ctx) {
    if (ctx.response().ended() || ctx.response().closed()) {
      LOG.log(System.Logger.Level.DEBUG, () -> "request " + ctx.request().method() + " failed after its response"
        + " ended or its connection closed: " + ctx.failure());
      return;
    }
    int status = ctx.statusCode() < 400 ? 500 : ctx.statusCode();
    if (status == 500 && !percentEncoded(ctx.request().path())) {
      // Vert.x's router fails a path it cannot decode (%ZZ) before any handler runs: the client's error, not ours.
      error(ctx, 400, "invalid_request", "The request path is not valid percent-encoding.");
      return;
    }
    switch (status) {
      case 400 -> badRequest(ctx);
      case 413 -> error(ctx, 413, "request_too_large", "The request body is larger than the configured limit.");
      default -> {
        LOG.log(System.Logger.Level.ERROR, "request " + ctx.request().method() + " "
          + ClientValues.bounded(ctx.request().path()) + " failed with " + status, ctx.failure());
        error(ctx, status, status == 500 ? "internal_error" : "error", "The gateway failed to handle the request.");
      }
    }
  }

  /**
   * @param path a request path as sent
   * @return whether every {@code %} in it starts two hex digits
   */
  public static boolean percentEncoded(String path) {
    if (path == null) {
      return true;
    }
    for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
      if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0
          || Character.digit(path.charAt(i + 2), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  /** A 400 that says what is wrong: the Host header, the JSON, or what the failure says. */
  private static void badRequest(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    Throwable failure = ctx.failure();
    if (request.version() != HttpVersion.HTTP_1_0 && request.authority() == null) {
      ctx.response().putHeader("connection", "close");
      error(ctx, 400, "invalid_host_header", "An HTTP/1.1 request needs a valid Host header.");
    } else if (failure instanceof DecodeException) {
      error(ctx, 400, "invalid_json", "We could not parse the JSON body of your request.");
    } else {
      error(ctx, 400, "invalid_request", failure == null || failure.getMessage() == null
        ? "The request is malformed." : "The request is malformed: " + ClientValues.bounded(failure.getMessage()));
    }
  }

  /**
   * Makes {@code router} answer its HTTP errors (400, 404, 405, 413, 500) with OpenAI error bodies.
   *
   * @param router the router
   */
  public static void installErrorHandlers(Router router) {
    router.errorHandler(400, OpenAiApi::failure);
    router.errorHandler(404, ctx -> error(ctx, 404, "not_found", "Unknown request URL: "
      + ClientValues.bounded(ctx.request().method().name()) + " " + ClientValues.bounded(ctx.request().path())));
    router.errorHandler(405, ctx -> error(ctx, 405, "method_not_allowed", "Method "
      + ClientValues.bounded(ctx.request().method().name()) + " is not allowed on "
      + ClientValues.bounded(ctx.request().path())));
    router.errorHandler(413, OpenAiApi::failure);
    router.errorHandler(500, OpenAiApi::failure);
  }

  private static void error(RoutingContext ctx, int status, String code, String message) {
    if (status == 413 || !ctx.request().isEnded()) {
      // The rest of the body is still on the wire: reusing this connection would read it as the next request.
      ctx.response().putHeader("connection", "close");
    }
    if (!ctx.response().ended() && !ctx.response().closed()) {
      OpenAiErrors.send(ctx.response(), status, OpenAiErrors.body(message, OpenAiErrors.typeOf(status), null, code));
    }
  }

  private void chatCompletions(RoutingContext ctx) {
    StreamRequests.serve(ctx, access, body -> {
      ChatRequestValidator.validate(body);
      return body;
    }, body -> body, (body, ticket) -> start(ctx, body, ticket), OpenAiErrors::send);
  }

  private void start(RoutingContext ctx, JsonObject body, Ticket ticket) {
    HttpServerResponse response = ctx.response();
    String id = "chatcmpl-" + newId();
    String model = body.getString("model");
    long created = System.currentTimeMillis() / 1000;
    JsonObject streamOptions = body.getJsonObject("stream_options");
    boolean includeUsage = streamOptions != null && Boolean.TRUE.equals(streamOptions.getValue("include_usage"));
    StreamObserver observer = Boolean.TRUE.equals(body.getValue("stream"))
      ? new SseCompletionWriter(ChunkedBody.of(ctx.request()), response, vertx.getOrCreateContext(), keepAlives, id,
        model, created, includeUsage)
      : new CompletionAggregator(response, id, model, created);
    StreamRequests.open(gateway, ctx, ticket, body, id, observer, "openai", () -> {
      if (observer instanceof SseCompletionWriter writer) {
        keepAlives.remove(writer);
      }
    });
  }

  private void listModels(RoutingContext ctx) {
    withPrincipal(ctx, principal -> {
      JsonArray data = new JsonArray();
      for (Gateway.ModelInfo model : gateway.models()) {
        if (principal.allows(model.id())) {
          data.add(modelJson(model));
        }
      }
      OpenAiErrors.send(ctx.response(), 200, new JsonObject().put("object", "list").put("data", data));
    });
  }

  /** Runs {@code action} with the request's principal, or answers 401. */
  private void withPrincipal(RoutingContext ctx, java.util.function.Consumer<Principal> action) {
    access.authenticate(ctx.request()).onComplete(done -> {
      if (done.failed()) {
        if (done.cause() instanceof GatewayException e) {
          OpenAiErrors.send(ctx.response(), e);
        } else {
          ctx.fail(done.cause());
        }
      } else {
        action.accept(done.result());
      }
    });
  }

  private void getModel(RoutingContext ctx) {
    withPrincipal(ctx, principal -> getModel(ctx, principal));
  }

  private void getModel(RoutingContext ctx, Principal principal) {
    String id = ctx.pathParam("id");
    gateway.models().stream().filter(model -> model.id().equals(id) && principal.allows(id)).findFirst().ifPresentOrElse(
      model -> OpenAiErrors.send(ctx.response(), 200, modelJson(model)),
      () -> OpenAiErrors.send(ctx.response(), new GatewayException(404, "invalid_request_error", "model_not_found",
        "model", "The model " + ClientValues.quote(id) + " does not exist.")));
  }

  private static JsonObject modelJson(Gateway.ModelInfo model) {
    return new JsonObject()
      .put("id", model.id())
      .put("object", "model")
      .put("created", 0)
      .put("owned_by", "tokenlane")
      .put("description", model.description());
  }

  static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }

  /** @return streamed completions (OpenAI SSE responses) open now; reads without blocking */
  public int openConnections() {
    return keepAlives.size();
  }

  /** Stops the keep-alive timer. */
  @Override
  public void close() {
    keepAlives.close();
  }
}
