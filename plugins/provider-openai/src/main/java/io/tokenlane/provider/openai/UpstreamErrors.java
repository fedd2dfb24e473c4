package io.tokenlane.provider.openai;

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
   * An error status, with the upstream's {@code error.message} when the body is OpenAI's error JSON.
   *
   * @param retryAfter the {@code retry-after} header, or {@code null}
   */
  static ProviderError fromStatus(int status, String body, String retryAfter, OpenAiConfig config) {
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

  /** A failure of the connection or of the exchange, before or during the response. */
  static ProviderError fromFailure(Throwable failure, OpenAiConfig config) {
    String target = config.target();
    if (isConnectTimeout(failure) || failure instanceof TimeoutException) {
      return ProviderError.timeout("could not connect to upstream " + target + " within "
        + config.connectTimeoutMs() + " ms");
    }
    if (failure instanceof ConnectException || failure instanceof NoRouteToHostException) {
      return unavailable("could not connect to upstream " + target + " (connection refused)");
    }
    if (failure instanceof UnknownHostException) {
      return unavailable("could not resolve upstream host " + target);
    }
    if (failure instanceof SSLException || failure.getCause() instanceof SSLException) {
      return unavailable("TLS handshake with upstream " + target + " failed");
    }
    if (failure instanceof ConnectionPoolTooBusyException) {
      return unavailable("too many requests waiting for a connection to upstream " + target);
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

  private static ProviderError unavailable(String message) {
    return new ProviderError(ProviderError.UNAVAILABLE, message, 502);
  }

  private static String upstreamMessage(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      if (Json.decodeValue(body) instanceof JsonObject json) {
        String message = messageOf(json);
        if (message != null) {
          return message;
        }
      }
    } catch (DecodeException e) {
      // Not JSON: a proxy's HTML or text page, shown shortened below.
    }
    return body.strip().replaceAll("\\s+", " ");
  }

  /**
   * The human message of an error object: OpenAI's {@code {"error": {"message": ...}}}, or the
   * {@code {"error": "text"}} and {@code {"message": "text"}} some compatible servers send.
   *
   * @param json the error object
   * @return the message, or {@code null} when there is none
   */
  static String messageOf(JsonObject json) {
    Object error = json.getValue("error");
    if (error instanceof JsonObject object && object.getValue("message") instanceof String message) {
      return message;
    }
    if (error instanceof String message) {
      return message;
    }
    return json.getValue("message") instanceof String message ? message : null;
  }

  /** Cuts after redacting, so no part of a secret survives the cut. */
  private static String limit(String text, int limit) {
    return text.length() <= limit ? text : text.substring(0, limit) + "...";
  }
}
