package io.tokenlane.spi;

import io.vertx.core.json.JsonObject;

/**
 * Token counts of one generation.
 *
 * @param promptTokens tokens in the prompt
 * @param completionTokens tokens generated
 * @since 1.0
 */
public record Usage(int promptTokens, int completionTokens) {

  /**
   * Rejects negative counts.
   */
  public Usage {
    if (promptTokens < 0 || completionTokens < 0) {
      throw new IllegalArgumentException("token counts must not be negative");
    }
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
   * @return {@code {prompt_tokens, completion_tokens, total_tokens}}
   */
  public JsonObject toJson() {
    return new JsonObject()
      .put("prompt_tokens", promptTokens)
      .put("completion_tokens", completionTokens)
      .put("total_tokens", totalTokens());
  }
}
