package io.tokenlane.transport.openai;

import io.tokenlane.core.GatewayException;
import io.tokenlane.spi.ProviderError;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Errors in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}}, so that OpenAI SDKs raise
 * their usual exception types.
 */
public final class OpenAiErrors {

  private OpenAiErrors() {
  }

  public static JsonObject body(String message, String type, String param, String code) {
    return new JsonObject().put("error", new JsonObject()
      .put("message", message)
      .put("type", type)
      .put("param", param)
      .put("code", code));
  }

  public static JsonObject body(ProviderError error) {
    return body(error.message(), typeOf(error.httpStatus()), null, error.code());
  }

  public static String typeOf(int status) {
    return switch (status) {
      case 400, 404, 413, 415 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_error";
      case 503 -> "service_unavailable";
      default -> status >= 500 ? "server_error" : "invalid_request_error";
    };
  }

  public static void send(HttpServerResponse response, int status, JsonObject body) {
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response.setStatusCode(status)
      .putHeader("content-type", "application/json")
      .end(body.encode());
  }

  public static void send(HttpServerResponse response, GatewayException e) {
    if (e.retryAfterMs() > 0 && !response.headWritten()) {
      response.putHeader("retry-after", Long.toString((e.retryAfterMs() + 999) / 1000));
    }
    send(response, e.status(), body(e.getMessage(), e.type(), e.param(), e.code()));
  }

  public static void send(HttpServerResponse response, ProviderError error) {
    if (error.retryAfterMs() >= 0 && !response.headWritten()) {
      // The upstream's own hint (a 429 or an overload), rounded up to whole seconds.
      response.putHeader("retry-after", Long.toString((error.retryAfterMs() + 999) / 1000));
    }
    send(response, error.httpStatus(), body(error));
  }
}
