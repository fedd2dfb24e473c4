package io.tokenlane.spi;

/**
 * Why a provider could not finish a generation, with a stable machine-readable code.
 *
 * <p>The message reaches the client: it must not contain secrets such as API keys or upstream credentials.
 *
 * @param code a stable code, one of the constants below or a plugin-specific one in {@code snake_case}
 * @param message a human explanation, safe to show to a client
 * @param httpStatus the status the gateway answers with when this happens before the first token
 * @param retryAfterMs how long the upstream asked to wait before a retry ({@code retry-after}), or {@code -1} when
 *     it did not say (since 1.2)
 * @since 1.0
 */
public record ProviderError(String code, String message, int httpStatus, long retryAfterMs) {

  /** The upstream failed (5xx, broken stream, connection reset). HTTP 502. */
  public static final String UPSTREAM_ERROR = "upstream_error";
  /** The upstream refused the gateway's credentials (401/403): a configuration problem. HTTP 502. */
  public static final String UPSTREAM_AUTH = "upstream_auth_failed";
  /** The upstream rate-limited the request (429). HTTP 429. */
  public static final String RATE_LIMITED = "rate_limited";
  /** The upstream rejected the request as invalid (400/404/422). HTTP 400. */
  public static final String INVALID_REQUEST = "invalid_request";
  /** The upstream answered with something that is not its documented format. HTTP 502. */
  public static final String BAD_RESPONSE = "upstream_bad_response";
  /** The upstream did not answer, or stopped sending, within the configured time. HTTP 504. */
  public static final String TIMEOUT = "timeout";
  /** The upstream could not be reached. HTTP 502. */
  public static final String UNAVAILABLE = "upstream_unavailable";
  /** The upstream is overloaded (503, Anthropic's 529, an {@code overloaded_error} mid-stream). HTTP 503. @since 1.2 */
  public static final String OVERLOADED = "upstream_overloaded";

  /**
   * Checks the fields.
   */
  public ProviderError {
    if (code == null || code.isBlank()) {
      throw new IllegalArgumentException("code must not be blank");
    }
    if (message == null) {
      message = code;
    }
    if (httpStatus < 400 || httpStatus > 599) {
      throw new IllegalArgumentException("httpStatus must be a 4xx or 5xx status, got " + httpStatus);
    }
    if (retryAfterMs < 0) {
      retryAfterMs = -1;
    }
  }

  /**
   * An error without a retry hint, as in SPI 1.0 and 1.1.
   *
   * @param code the stable code
   * @param message the explanation
   * @param httpStatus the client status
   */
  public ProviderError(String code, String message, int httpStatus) {
    this(code, message, httpStatus, -1);
  }

  /**
   * The same error with the upstream's retry hint.
   *
   * @param millis how long to wait, or a negative number for no hint
   * @return a new error
   * @since 1.2
   */
  public ProviderError withRetryAfter(long millis) {
    return new ProviderError(code, message, httpStatus, millis);
  }

  /**
   * Whether another upstream (or the same one later) might serve the request: rate limits, overload, timeouts,
   * 5xx and unreachable upstreams, but not refused credentials or an invalid request. A router may fail over on
   * these before the first token.
   *
   * @return whether a retry elsewhere can help
   * @since 1.2
   */
  public boolean isRetryable() {
    return switch (code) {
      case UPSTREAM_AUTH, INVALID_REQUEST -> false;
      default -> true;
    };
  }

  /**
   * An {@link #UPSTREAM_ERROR}.
   *
   * @param message the explanation
   * @return the error
   */
  public static ProviderError upstream(String message) {
    return new ProviderError(UPSTREAM_ERROR, message, 502);
  }

  /**
   * A {@link #TIMEOUT}.
   *
   * @param message the explanation
   * @return the error
   */
  public static ProviderError timeout(String message) {
    return new ProviderError(TIMEOUT, message, 504);
  }

  /**
   * A {@link #BAD_RESPONSE}.
   *
   * @param message the explanation
   * @return the error
   */
  public static ProviderError badResponse(String message) {
    return new ProviderError(BAD_RESPONSE, message, 502);
  }

  /**
   * An {@link #UNAVAILABLE}.
   *
   * @param message the explanation
   * @return the error
   */
  public static ProviderError unavailable(String message) {
    return new ProviderError(UNAVAILABLE, message, 502);
  }

  /**
   * Maps an upstream HTTP error status to an error with the matching code and client status.
   *
   * @param upstreamStatus the status the upstream answered with
   * @param message the explanation (for example the upstream's own error message)
   * @return the error
   */
  public static ProviderError fromUpstreamStatus(int upstreamStatus, String message) {
    if (upstreamStatus == 401 || upstreamStatus == 403) {
      return new ProviderError(UPSTREAM_AUTH, message, 502);
    }
    if (upstreamStatus == 429) {
      return new ProviderError(RATE_LIMITED, message, 429);
    }
    if (upstreamStatus == 408 || upstreamStatus == 504) {
      return new ProviderError(TIMEOUT, message, 504);
    }
    if (upstreamStatus == 503 || upstreamStatus == 529) {
      return new ProviderError(OVERLOADED, message, 503);
    }
    if (upstreamStatus >= 400 && upstreamStatus < 500) {
      return new ProviderError(INVALID_REQUEST, message, 400);
    }
    return new ProviderError(UPSTREAM_ERROR, message, 502);
  }

  /**
   * As {@link #fromUpstreamStatus(int, String)}, with the upstream's {@code retry-after} header.
   *
   * @param upstreamStatus the status the upstream answered with
   * @param message the explanation
   * @param retryAfter the header's value (seconds, possibly fractional, or an HTTP date), or {@code null}
   * @return the error
   * @since 1.2
   */
  public static ProviderError fromUpstreamStatus(int upstreamStatus, String message, String retryAfter) {
    return fromUpstreamStatus(upstreamStatus, message).withRetryAfter(parseRetryAfter(retryAfter));
  }

  /**
   * Reads a {@code retry-after} value: seconds (fractions allowed, bounded to one day) or an HTTP date.
   *
   * @param value the header's value, or {@code null}
   * @return milliseconds to wait, or {@code -1} when absent or unreadable
   * @since 1.2
   */
  public static long parseRetryAfter(String value) {
    if (value == null || value.isBlank() || value.length() > 64) {
      return -1;
    }
    String text = value.trim();
    try {
      double seconds = Double.parseDouble(text);
      if (!(seconds >= 0) || Double.isInfinite(seconds)) {
        return -1;
      }
      return (long) Math.ceil(Math.min(seconds, 86_400) * 1000);
    } catch (NumberFormatException notSeconds) {
      try {
        java.time.Instant at = java.time.ZonedDateTime.parse(text, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
          .toInstant();
        long millis = at.toEpochMilli() - System.currentTimeMillis();
        return Math.max(0, Math.min(millis, 86_400_000L));
      } catch (java.time.DateTimeException notADate) {
        return -1;
      }
    }
  }
}
