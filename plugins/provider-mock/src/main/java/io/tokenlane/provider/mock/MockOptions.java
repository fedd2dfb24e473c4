package io.tokenlane.provider.mock;

import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;

/**
 * The mock's configuration, typed. Built only from a configuration that passed {@link #SCHEMA}, so the
 * accessors never need to re-check bounds.
 *
 * @param seed seeds the generated text, together with the prompt
 * @param ttftMs the delay before the first token
 * @param tokensPerSecond the rate after the first token; 0 means as fast as the event loop allows
 * @param length the tokens of a full answer
 * @param failure the injected failure
 * @param failAfterTokens the tokens before a mid-stream failure or stall; 0 means half of {@code length}
 */
record MockOptions(long seed, long ttftMs, double tokensPerSecond, int length, Failure failure, int failAfterTokens) {

  /** What a mock provider instance may be configured with. */
  static final ConfigSchema SCHEMA = ConfigSchema.of(
    ConfigField.integer("seed").defaultValue(42)
      .description("seeds the generated text: the same seed and prompt always give the same answer"),
    ConfigField.integer("ttftMs").min(0).defaultValue(0)
      .description("time to first token, in milliseconds"),
    ConfigField.number("tokensPerSecond").min(0).defaultValue(0)
      .description("generation rate after the first token; 0 means as fast as possible"),
    // The upper bounds keep the values within an int, which is what token counts are in the SPI.
    ConfigField.integer("length").min(1).max(Integer.MAX_VALUE).defaultValue(200)
      .description("tokens in a full answer; a request's max_tokens caps it, with finish reason length"),
    ConfigField.oneOf("failure", Failure.wireNames()).defaultValue(Failure.NONE.wireName)
      .description("the failure to inject: " + String.join(", ", Failure.wireNames())),
    ConfigField.integer("failAfterTokens").min(0).max(Integer.MAX_VALUE).defaultValue(0)
      .description("tokens sent before error-mid-stream or stall; 0 means half of length"));

  /** A failure the mock can simulate. */
  enum Failure {
    /** A normal answer. */
    NONE("none"),
    /** The upstream fails after the time to first token, before any text. */
    ERROR_BEFORE_FIRST_TOKEN("error-before-first-token"),
    /** The upstream fails after {@code failAfterTokens} tokens. */
    ERROR_MID_STREAM("error-mid-stream"),
    /** The upstream goes silent after {@code failAfterTokens} tokens and never finishes. */
    STALL("stall");

    private final String wireName;

    Failure(String wireName) {
      this.wireName = wireName;
    }

    static String[] wireNames() {
      return Arrays.stream(values()).map(failure -> failure.wireName).toArray(String[]::new);
    }

    static Failure fromWireName(String wireName) {
      return Arrays.stream(values()).filter(failure -> failure.wireName.equals(wireName)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown failure " + wireName));
    }
  }

  /**
   * Validates a configuration and reads it, so a host that skipped validation still gets defaults.
   *
   * @param config the configuration, validated or as written
   * @return the options
   * @throws IllegalArgumentException listing every problem when the configuration is invalid
   */
  static MockOptions fromConfig(JsonObject config) {
    ConfigSchema.Validation validation = SCHEMA.validate(config);
    if (!validation.isValid()) {
      throw new IllegalArgumentException("invalid mock configuration: " + String.join("; ", validation.problems()));
    }
    JsonObject typed = validation.config();
    return new MockOptions(typed.getLong("seed"), typed.getLong("ttftMs"), typed.getDouble("tokensPerSecond"),
      typed.getInteger("length"), Failure.fromWireName(typed.getString("failure")), typed.getInteger("failAfterTokens"));
  }

  /** @return the tokens sent before a mid-stream failure or stall */
  int failurePoint() {
    // Half of length, rounded up, so that even a one-token answer sends a token before failing.
    return failAfterTokens > 0 ? failAfterTokens : length - length / 2;
  }
}
