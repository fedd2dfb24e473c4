package io.tokenlane.provider.anthropic;

import io.tokenlane.spi.ProviderError;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Maps what went wrong on the wire to a {@link ProviderError}. Messages are written here, never copied from
 * exceptions, which may quote URLs or headers; only the upstream's own error message is passed on, redacted.
 */
final class UpstreamErrors {

  private static final int MESSAGE_LIMIT = 500;
  /** Seconds or an HTTP date; anything longer is not a retry-after worth quoting. */
  private static final int RETRY_AFTER_LIMIT = 40;

  private UpstreamErrors() {
  }

  /**
   * An error status, with Anthropic's {@code error.message} and {@code error.type} when the body is its error JSON.
   *
   * @param retryAfter the {@code retry-after} header, or {@code null}
   */
  static ProviderError fromStatus(int status, String body, String retryAfter, AnthropicConfig config) {
    String detail = upstreamMessage(body);
    StringBuilder message = new StringBuilder("upstream answered HTTP ").append(status);
    if (detail != null) {
      message.append(": ").append(limit(config.redact(detail), MESSAGE_LIMIT));
    }
    if (retryAfter != null && !retryAfter.isBlank()) {
      message.append(" (retry after ").append(limit(config.redact(retryAfter.strip()), RETRY_AFTER_LIMIT)).append(" s)");
    }
    return ProviderError.fromUpstreamStatus(status, message.toString(), retryAfter);
  }

  /**
   * An {@code error} event after the stream started: Anthropic's error type stands for the status it would have
   * answered with before streaming, so it maps the same way (an {@code overloaded_error} like a 529).
   *
   * @param type the error's {@code type}, or {@code null}
   * @param message the error's {@code message}, already redacted and shortened, or {@code null}
   */
  static ProviderError fromErrorEvent(String type, String message) {
    String text = "upstream reported an error mid-stream: " + (message == null ? "(no message)" : message)
      + (type == null ? "" : " (" + type + ")");
    return ProviderError.fromUpstreamStatus(statusOf(type), text);
  }

  /** The HTTP status Anthropic documents for each error type. */
  static int statusOf(String type) {
    if (type == null) {
      return 500;
    }
    return switch (type) {
      case "invalid_request_error" -> 400;
      case "authentication_error" -> 401;
      case "billing_error" -> 402;
      case "permission_error" -> 403;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "rate_limit_error" -> 429;
      case "timeout_error" -> 504;
      case "overloaded_error" -> 529;
      default -> 500;
    };
  }

  /** A failure of the connection or of the exchange, before or during the response. */
  static ProviderError fromFailure(Throwable failure, AnthropicConfig config) {
    String target = config.target();
    if (isConnectTimeout(failure) || failure instanceof TimeoutException) {
      return ProviderError.timeout("could not connect to upstream " + target + " within "
        + config.connectTimeoutMs() + " ms");
    }
    if (failure instanceof ConnectException || failure instanceof NoRouteToHostException) {
      return ProviderError.unavailable("could not connect to upstream " + target + " (connection refused)");
    }
    if (failure instanceof UnknownHostException) {
      return ProviderError.unavailable("could not resolve upstream host " + target);
    }
    if (failure instanceof SSLException || failure.getCause() instanceof SSLException) {
      return ProviderError.unavailable("TLS handshake with upstream " + target + " failed");
    }
    if (failure instanceof ConnectionPoolTooBusyException) {
      return ProviderError.unavailable("too many requests waiting for a connection to upstream " + target);
    }
    if (failure instanceof HttpClosedException || failure instanceof ClosedChannelException
      || failure instanceof IOException || failure instanceof VertxException) {
      return ProviderError.upstream("upstream " + target + " closed the connection before finishing");
    }
    return ProviderError.upstream("request to upstream " + target + " failed (" + failure.getClass().getSimpleName() + ")");
  }

  /** Netty's connect timeout extends {@link ConnectException}; told apart by name to keep Netty off our API. */
  private static boolean isConnectTimeout(Throwable failure) {
    return failure instanceof ConnectException && failure.getClass().getSimpleName().equals("ConnectTimeoutException");
  }

  /** Anthropic's {@code {"type": "error", "error": {"type", "message"}}}, or the start of whatever came instead. */
  private static String upstreamMessage(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      if (Json.decodeValue(body) instanceof JsonObject json && json.getValue("error") instanceof JsonObject error
        && error.getValue("message") instanceof String message) {
        return error.getValue("type") instanceof String type ? message + " (" + type + ")" : message;
      }
    } catch (DecodeException e) {
      // Not JSON: a proxy's HTML or text page, shown shortened below.
    }
    return body.strip().replaceAll("\\s+", " ");
  }

  /** Cuts after redacting, so no part of a secret survives the cut. */
  static String limit(String text, int limit) {
    return text.length() <= limit ? text : text.substring(0, limit) + "...";
  }
}
