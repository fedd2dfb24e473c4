package io.tokenlane.spi;

/**
 * Why a provider could not finish a generation, with a stable machine-readable code.
 *
 * <p>The message reaches the client: it must not contain secrets such as API keys or upstream credentials.
 *
 * @param code a stable code, one of the constants below or a plugin-specific one in {@code snake_case}
 * @param message a human explanation, safe to show to a client
 * @param httpStatus the status the gateway answers with when this happens before the first token
 * @since 1.0
 */
public record ProviderError(String code, String message, int httpStatus) {

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
    if (upstreamStatus >= 400 && upstreamStatus < 500) {
      return new ProviderError(INVALID_REQUEST, message, 400);
    }
    return new ProviderError(UPSTREAM_ERROR, message, 502);
  }
}
