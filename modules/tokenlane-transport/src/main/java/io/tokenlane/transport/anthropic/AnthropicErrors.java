package io.tokenlane.transport.anthropic;

import io.tokenlane.core.ClientValues;
import io.tokenlane.core.GatewayException;
import io.tokenlane.spi.ProviderError;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Errors in Anthropic's shape: {@code {"type": "error", "error": {"type", "message"}}}, with the matching status
 * and {@code retry-after} when the gateway knows one, so that Anthropic SDKs raise their usual exception types.
 */
public final class AnthropicErrors {

  private static final System.Logger LOG = System.getLogger(AnthropicErrors.class.getName());

  private AnthropicErrors() {
  }

  /**
   * @param type an Anthropic error type, such as {@code invalid_request_error}
   * @param message the message
   * @return the error body
   */
  public static JsonObject body(String type, String message) {
    return new JsonObject().put("type", "error").put("error", new JsonObject().put("type", type).put("message", message));
  }

  /**
   * @param status an HTTP status
   * @return Anthropic's error type for it
   */
  public static String typeOf(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503, 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  /**
   * @param error a stream's failure
   * @return the error body for it
   */
  public static JsonObject body(ProviderError error) {
    String type = ProviderError.OVERLOADED.equals(error.code()) ? "overloaded_error" : typeOf(error.httpStatus());
    return body(type, error.message());
  }

  /**
   * Answers a refusal.
   *
   * @param response the response
   * @param e the refusal
   */
  public static void send(HttpServerResponse response, GatewayException e) {
    retryAfter(response, e.retryAfterMs());
    String message = e.param() == null || e.getMessage().startsWith(e.param())
      ? e.getMessage() : e.param() + ": " + e.getMessage();
    send(response, e.status(), body(typeOf(e.status()), message));
  }

  /**
   * Answers a stream that failed before its first event.
   *
   * @param response the response
   * @param error the failure
   */
  public static void send(HttpServerResponse response, ProviderError error) {
    retryAfter(response, error.retryAfterMs());
    send(response, error.httpStatus(), body(error));
  }

  static void send(HttpServerResponse response, int status, JsonObject body) {
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response.setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  private static void retryAfter(HttpServerResponse response, long retryAfterMs) {
    if (retryAfterMs > 0 && !response.headWritten()) {
      response.putHeader("retry-after", Long.toString((retryAfterMs + 999) / 1000));
    }
  }

  /**
   * The failure handler of the Messages API's router: bad JSON, a body over the limit, a handler's exception.
   *
   * @param ctx the failed request
   */
  static void failure(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    if (!ctx.request().isEnded()) {
      // The rest of the body is still on the wire: reusing this connection would read it as the next request.
      response.putHeader("connection", "close");
    }
    int status = ctx.statusCode() < 400 ? 500 : ctx.statusCode();
    Throwable failure = ctx.failure();
    String message = switch (status) {
      case 400 -> failure instanceof DecodeException ? "The request body is not valid JSON."
        : "The request is malformed" + (failure == null || failure.getMessage() == null ? "."
          : ": " + ClientValues.bounded(failure.getMessage()));
      case 413 -> "The request body is larger than the configured limit.";
      default -> "The gateway failed to handle the request.";
    };
    if (status >= 500) {
      LOG.log(System.Logger.Level.ERROR, "request " + ctx.request().method() + " "
        + ClientValues.bounded(ctx.request().path()) + " failed with " + status, failure);
    }
    send(response, status, body(typeOf(status), message));
  }
}
