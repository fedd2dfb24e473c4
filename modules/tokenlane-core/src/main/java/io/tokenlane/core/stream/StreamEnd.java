package io.tokenlane.core.stream;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;

/**
 * The one terminal event of a stream: why it ended and, on error, what went wrong.
 *
 * @param reason why the stream ended
 * @param error the error when {@code reason} is {@link Reason#ERROR}, else {@code null}
 */
public record StreamEnd(Reason reason, ProviderError error) {

  /** Why a stream ended, with the names used on every wire. */
  public enum Reason {
    /** Finished normally. */
    STOP("stop"),
    /** Hit the token limit. */
    LENGTH("length"),
    /** The model asked for tool calls. */
    TOOL_CALLS("tool_calls"),
    /** Cut by the upstream's content filter. */
    CONTENT_FILTER("content_filter"),
    /** Cancelled by a client, a disconnect or a shutdown. */
    CANCELLED("cancelled"),
    /** Failed; see the error. */
    ERROR("error");

    private final String wireName;

    Reason(String wireName) {
      this.wireName = wireName;
    }

    /** @return the name on the wire */
    public String wireName() {
      return wireName;
    }
  }

  private static final StreamEnd CANCELLED_END = new StreamEnd(Reason.CANCELLED, null);

  /**
   * A normal end.
   *
   * @param finish the provider's finish reason
   * @return the end
   */
  public static StreamEnd finished(FinishReason finish) {
    return new StreamEnd(Reason.valueOf(finish.name()), null);
  }

  /** @return a cancelled end */
  public static StreamEnd cancelled() {
    return CANCELLED_END;
  }

  /**
   * A failed end.
   *
   * @param error what went wrong
   * @return the end
   */
  public static StreamEnd failed(ProviderError error) {
    return new StreamEnd(Reason.ERROR, error);
  }

  /** @return whether the stream failed */
  public boolean isError() {
    return reason == Reason.ERROR;
  }

  /** @return the OpenAI {@code finish_reason} for a normal end, else {@code null} */
  public String finishReason() {
    return switch (reason) {
      case STOP, LENGTH, TOOL_CALLS, CONTENT_FILTER -> reason.wireName();
      default -> null;
    };
  }
}
