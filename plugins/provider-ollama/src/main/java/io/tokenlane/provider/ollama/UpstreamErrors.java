package io.tokenlane.provider.ollama;

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
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Maps what went wrong on the wire to a {@link ProviderError}. Messages are written here, never copied from
 * exceptions, which may quote URLs or headers; only Ollama's own error text is passed on, redacted and shortened.
 */
final class UpstreamErrors {

  private static final int MESSAGE_LIMIT = 500;
  private static final int RETRY_AFTER_LIMIT = 40;
  /** Ollama's "model 'x' not found" and "model \"x\" not found, try pulling it first". */
  private static final Pattern MODEL_NOT_FOUND = Pattern.compile("model .* not found", Pattern.DOTALL);

  private UpstreamErrors() {
  }

  /**
   * An error status, with Ollama's {@code {"error": "..."}} message when the body is one.
   *
   * @param retryAfter the {@code retry-after} header, or {@code null}
   */
  static ProviderError fromStatus(int status, String body, String retryAfter, OllamaConfig config) {
    String detail = upstreamMessage(body);
    StringBuilder message = new StringBuilder("upstream answered HTTP ").append(status);
    if (detail != null) {
      message.append(": ").append(limit(oneLine(config.redact(detail))));
    }
    if (retryAfter != null && !retryAfter.isBlank()) {
      String shown = config.redact(retryAfter.strip());
      message.append(" (retry after ")
        .append(shown.length() <= RETRY_AFTER_LIMIT ? shown : shown.substring(0, RETRY_AFTER_LIMIT) + "...")
        .append(" s)");
    }
    return ProviderError.fromUpstreamStatus(status, message.toString(), retryAfter);
  }

  /**
   * An {@code {"error": "..."}} line in a stream that had started: a missing model is the request's fault, anything
   * else (the runner crashed, ran out of memory) the upstream's.
   */
  static ProviderError fromErrorLine(String text, OllamaConfig config) {
    String message = "upstream reported an error mid-stream: " + limit(oneLine(config.redact(text)));
    if (MODEL_NOT_FOUND.matcher(text).find()) {
      return new ProviderError(ProviderError.INVALID_REQUEST, message, 400);
    }
    return ProviderError.upstream(message);
  }

  /** A failure of the connection or of the exchange, before or during the response. */
  static ProviderError fromFailure(Throwable failure, OllamaConfig config) {
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

  private static String upstreamMessage(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      if (Json.decodeValue(body) instanceof JsonObject json) {
        Object error = json.getValue("error");
        if (error instanceof String message) {
          return message;
        }
        if (error instanceof JsonObject object && object.getValue("message") instanceof String message) {
          return message;
        }
      }
    } catch (DecodeException e) {
      // Not JSON: a proxy's HTML or Gin's "404 page not found", shown shortened below.
    }
    return body;
  }

  /** Cuts before the regex so a large body costs little on the event loop; called on redacted text only. */
  private static String oneLine(String text) {
    String head = text.length() <= 4 * MESSAGE_LIMIT ? text : text.substring(0, 4 * MESSAGE_LIMIT);
    return head.strip().replaceAll("\\s+", " ");
  }

  /** Cuts after redacting, so no part of a secret survives the cut. */
  private static String limit(String text) {
    return text.length() <= MESSAGE_LIMIT ? text : text.substring(0, MESSAGE_LIMIT) + "...";
  }
}
