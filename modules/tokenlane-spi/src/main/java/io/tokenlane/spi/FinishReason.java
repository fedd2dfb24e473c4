package io.tokenlane.spi;

/**
 * Why a generation ended normally, with the names OpenAI's wire format uses.
 *
 * @since 1.0
 */
public enum FinishReason {
  /** The model finished its answer or hit a stop sequence. */
  STOP("stop"),
  /** The token limit of the request or the model was reached. */
  LENGTH("length"),
  /** The model asked for tool calls. */
  TOOL_CALLS("tool_calls"),
  /** The upstream's content filter cut the answer. */
  CONTENT_FILTER("content_filter");

  private final String wireName;

  FinishReason(String wireName) {
    this.wireName = wireName;
  }

  /**
   * The name on the wire, as in OpenAI's {@code finish_reason}.
   *
   * @return the wire name
   */
  public String wireName() {
    return wireName;
  }

  /**
   * Maps an upstream's {@code finish_reason} to a reason; unknown names map to {@link #STOP}.
   *
   * @param wireName the upstream's value, may be {@code null}
   * @return the reason
   */
  public static FinishReason fromWireName(String wireName) {
    if (wireName != null) {
      for (FinishReason reason : values()) {
        if (reason.wireName.equals(wireName)) {
          return reason;
        }
      }
      if ("function_call".equals(wireName)) {
        return TOOL_CALLS;
      }
      if ("max_tokens".equals(wireName)) {
        return LENGTH;
      }
    }
    return STOP;
  }
}
