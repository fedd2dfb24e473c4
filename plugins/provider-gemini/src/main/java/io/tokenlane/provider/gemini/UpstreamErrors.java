package io.tokenlane.provider.gemini;

import io.tokenlane.spi.ProviderError;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Maps what went wrong on the wire to a {@link ProviderError}. Google's errors are
 * {@code {"error": {"code", "message", "status", "details"}}} (sometimes wrapped in an array); only the
 * {@code message} is passed on, redacted, never the {@code details}, which can quote the refused key. Messages are
 * written here, never copied from exceptions, which may quote URLs or headers.
 */
final class UpstreamErrors {

  private static final int MESSAGE_LIMIT = 500;
  /** Seconds or an HTTP date; anything longer is not a retry-after worth quoting. */
  private static final int RETRY_AFTER_LIMIT = 40;

  /** Google's canonical status names, as the HTTP status each stands for. */
  private static final Map<String, Integer> STATUS_CODES = Map.ofEntries(
    Map.entry("INVALID_ARGUMENT", 400), Map.entry("FAILED_PRECONDITION", 400), Map.entry("OUT_OF_RANGE", 400),
    Map.entry("UNAUTHENTICATED", 401), Map.entry("PERMISSION_DENIED", 403), Map.entry("NOT_FOUND", 404),
    Map.entry("ALREADY_EXISTS", 409), Map.entry("ABORTED", 409), Map.entry("RESOURCE_EXHAUSTED", 429),
    Map.entry("CANCELLED", 499), Map.entry("UNKNOWN", 500), Map.entry("INTERNAL", 500), Map.entry("DATA_LOSS", 500),
    Map.entry("UNIMPLEMENTED", 501), Map.entry("UNAVAILABLE", 503), Map.entry("DEADLINE_EXCEEDED", 504));

  private UpstreamErrors() {
  }

  /** What Google's error object says, as far as it says it. */
  private record GoogleError(Integer code, String status, String message, String reason, String retryDelay) {

    static final GoogleError NONE = new GoogleError(null, null, null, null, null);

    /**
     * The status to map: Google answers a wrong API key with 400 {@code INVALID_ARGUMENT} and the reason
     * {@code API_KEY_INVALID}, which is the gateway's credentials being refused, not the client's request.
     */
    int effectiveStatus(int httpStatus) {
      if ("API_KEY_INVALID".equals(reason)) {
        return 401;
      }
      if (httpStatus >= 400 && httpStatus <= 599) {
        return httpStatus;
      }
      if (code != null && code >= 400 && code <= 599) {
        return code;
      }
      Integer byName = status == null ? null : STATUS_CODES.get(status);
      return byName == null ? 500 : byName == 499 ? 500 : byName;
    }
  }

  /**
   * An error status, with Google's {@code error.message} when the body is Google's error JSON.
   *
   * @param retryAfter the {@code retry-after} header, or {@code null}; Google's {@code RetryInfo.retryDelay} is
   *     used when there is no header
   */
  static ProviderError fromStatus(int status, String body, String retryAfter, GeminiConfig config) {
    GoogleError error = parse(body);
    StringBuilder message = new StringBuilder("upstream answered HTTP ").append(status);
    if (error.status() != null) {
      message.append(' ').append(limit(config.redact(error.status()), 40));
    }
    String detail = error.message() != null ? error.message() : plain(body);
    if (detail != null) {
      message.append(": ").append(limit(config.redact(detail), MESSAGE_LIMIT));
    }
    String wait = retryAfter != null && !retryAfter.isBlank() ? retryAfter.strip() : error.retryDelay();
    if (wait != null) {
      message.append(" (retry after ").append(limit(config.redact(wait), RETRY_AFTER_LIMIT)).append(" s)");
    }
    return ProviderError.fromUpstreamStatus(error.effectiveStatus(status), message.toString(), wait);
  }

  /** An {@code error} object inside the event stream, mapped as its HTTP twin would be. */
  static ProviderError fromStreamError(String errorJson, GeminiConfig config) {
    GoogleError error = parse("{\"error\":" + errorJson + "}");
    StringBuilder message = new StringBuilder("upstream reported an error mid-stream");
    if (error.status() != null) {
      message.append(' ').append(limit(config.redact(error.status()), 40));
    }
    String detail = error.message() != null ? error.message() : errorJson;
    message.append(": ").append(limit(config.redact(detail), MESSAGE_LIMIT));
    return ProviderError.fromUpstreamStatus(error.effectiveStatus(0), message.toString(), error.retryDelay());
  }

  /** A failure of the connection or of the exchange, before or during the response. */
  static ProviderError fromFailure(Throwable failure, GeminiConfig config) {
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

  private static GoogleError parse(String body) {
    if (body == null || body.isBlank()) {
      return GoogleError.NONE;
    }
    Object json;
    try {
      json = Json.decodeValue(body);
    } catch (DecodeException e) {
      return GoogleError.NONE;
    }
    if (json instanceof JsonArray array && array.size() == 1) {
      json = array.getValue(0);
    }
    if (!(json instanceof JsonObject object)) {
      return GoogleError.NONE;
    }
    Object error = object.getValue("error");
    if (error instanceof String text) {
      return new GoogleError(null, null, text, null, null);
    }
    if (!(error instanceof JsonObject fields)) {
      return GoogleError.NONE;
    }
    Integer code = fields.getValue("code") instanceof Number number ? number.intValue() : null;
    String status = fields.getValue("status") instanceof String text ? text : null;
    String message = fields.getValue("message") instanceof String text ? text : null;
    String reason = null;
    String retryDelay = null;
    if (fields.getValue("details") instanceof JsonArray details) {
      for (Object detail : details) {
        if (detail instanceof JsonObject item) {
          if (reason == null && item.getValue("reason") instanceof String text) {
            reason = text;
          }
          if (retryDelay == null && item.getValue("retryDelay") instanceof String delay) {
            retryDelay = seconds(delay);
          }
        }
      }
    }
    return new GoogleError(code, status, message, reason, retryDelay);
  }

  /** A protobuf Duration in JSON ({@code "37s"}, {@code "0.5s"}) as the seconds a retry-after header would carry. */
  private static String seconds(String duration) {
    String text = duration.strip();
    if (text.endsWith("s") && text.length() <= RETRY_AFTER_LIMIT) {
      String number = text.substring(0, text.length() - 1);
      if (number.matches("\\d+(\\.\\d+)?")) {
        return number;
      }
    }
    return null;
  }

  private static String plain(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    String head = body.length() <= 4 * MESSAGE_LIMIT ? body : body.substring(0, 4 * MESSAGE_LIMIT);
    return head.strip().replaceAll("\\s+", " ");
  }

  /** Cuts after redacting, so no part of a secret survives the cut. */
  private static String limit(String text, int limit) {
    return text.length() <= limit ? text : text.substring(0, limit) + "...";
  }
}
