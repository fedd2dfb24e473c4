package io.tokenlane.core;

/**
 * A request the gateway refuses before any provider is called, with the HTTP status and OpenAI error fields to
 * answer with.
 */
public final class GatewayException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final String code;
  private final String param;
  private final long retryAfterMs;

  /**
   * Creates the exception.
   *
   * @param status the HTTP status
   * @param type the OpenAI error type, such as {@code invalid_request_error}
   * @param code a stable code, such as {@code model_not_found}
   * @param param the request field at fault, or {@code null}
   * @param message the message for the client
   */
  public GatewayException(int status, String type, String code, String param, String message) {
    this(status, type, code, param, message, 0);
  }

  private GatewayException(int status, String type, String code, String param, String message, long retryAfterMs) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.retryAfterMs = retryAfterMs;
  }

  /**
   * A 429 with the time to retry after.
   *
   * @param code a stable code, such as {@code rate_limit_exceeded}
   * @param message the message
   * @param retryAfterMs when to try again; 0 or less: not known (a budget that never starts over)
   * @return the exception
   */
  public static GatewayException rateLimited(String code, String message, long retryAfterMs) {
    return new GatewayException(429, "rate_limit_error", code, null, message, Math.max(0, retryAfterMs));
  }

  /**
   * A 503: nothing can serve the request now, with the time to retry after.
   *
   * @param code a stable code, such as {@code no_healthy_target}
   * @param message the message
   * @param retryAfterMs when to try again; 0 or less: not known
   * @return the exception
   */
  public static GatewayException unavailable(String code, String message, long retryAfterMs) {
    return new GatewayException(503, "server_error", code, null, message, Math.max(0, retryAfterMs));
  }

  /**
   * A 401 for a missing, wrong or expired credential.
   *
   * @param code {@code invalid_api_key}, {@code api_key_expired}, {@code invalid_token}...
   * @param message the message
   * @return the exception
   */
  public static GatewayException unauthorized(String code, String message) {
    return new GatewayException(401, "authentication_error", code, null, message);
  }

  /**
   * A 400 about one request field.
   *
   * @param param the field
   * @param message the message
   * @return the exception
   */
  public static GatewayException invalid(String param, String message) {
    return new GatewayException(400, "invalid_request_error", "invalid_value", param, message);
  }

  /** @return the HTTP status */
  public int status() {
    return status;
  }

  /** @return the OpenAI error type */
  public String type() {
    return type;
  }

  /** @return the code */
  public String code() {
    return code;
  }

  /** @return the field at fault, or {@code null} */
  public String param() {
    return param;
  }

  /** @return when the client may try again, in ms; 0 when not said */
  public long retryAfterMs() {
    return retryAfterMs;
  }
}
