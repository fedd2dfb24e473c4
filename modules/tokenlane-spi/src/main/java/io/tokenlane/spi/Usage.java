package io.tokenlane.spi;

import io.vertx.core.json.JsonObject;

/**
 * Token counts of one generation.
 *
 * @param promptTokens tokens in the prompt
 * @param completionTokens tokens generated
 * @param estimated {@code true} when the counts were estimated (the gateway's, for a stream whose upstream reported
 *     none: a cancelled or failed one, or an upstream without usage), {@code false} when the upstream reported them
 *     (since 1.2)
 * @since 1.0
 */
public record Usage(int promptTokens, int completionTokens, boolean estimated) {

  /**
   * Rejects negative counts.
   */
  public Usage {
    if (promptTokens < 0 || completionTokens < 0) {
      throw new IllegalArgumentException("token counts must not be negative");
    }
  }

  /**
   * Counts the upstream reported, as in SPI 1.0 and 1.1.
   *
   * @param promptTokens tokens in the prompt
   * @param completionTokens tokens generated
   */
  public Usage(int promptTokens, int completionTokens) {
    this(promptTokens, completionTokens, false);
  }

  /**
   * The sum of prompt and completion tokens.
   *
   * @return the total
   */
  public int totalTokens() {
    return promptTokens + completionTokens;
  }

  /**
   * The OpenAI {@code usage} object.
   *
   * @return {@code {prompt_tokens, completion_tokens, total_tokens}}, and {@code estimated: true} when estimated
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
      .put("prompt_tokens", promptTokens)
      .put("completion_tokens", completionTokens)
      .put("total_tokens", totalTokens());
    return estimated ? json.put("estimated", true) : json;
  }

  /** @return {@code Usage[promptTokens=…, completionTokens=…]}, with {@code , estimated=true} when estimated */
  @Override
  public String toString() {
    return "Usage[promptTokens=" + promptTokens + ", completionTokens=" + completionTokens
      + (estimated ? ", estimated=true]" : "]");
  }
}
