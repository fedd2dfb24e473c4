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
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
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
}
