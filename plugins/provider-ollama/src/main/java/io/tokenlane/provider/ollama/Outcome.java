package io.tokenlane.provider.ollama;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;

/**
 * How a stream ends: a normal end with a reason, or a failure. Decided by the line handling and the network
 * code, reported to the sink in one place ({@link OllamaStream}), so there is exactly one terminal call.
 *
 * @param reason the finish reason of a normal end, else {@code null}
 * @param error the failure, else {@code null}
 */
record Outcome(FinishReason reason, ProviderError error) {

  static Outcome end(FinishReason reason) {
    return new Outcome(reason, null);
  }

  static Outcome fail(ProviderError error) {
    return new Outcome(null, error);
  }

  boolean failed() {
    return error != null;
  }
}
