package io.tokenlane.core.auth;

import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.vertx.core.json.JsonObject;
import java.io.Serializable;
import java.util.List;

/**
 * What one principal (an API key, a JWT subject) may spend. Zero means unlimited, for every field.
 *
 * @param requestsPerMinute streams opened per minute, as a token bucket refilled continuously
 * @param burst requests allowed at once from a full bucket; 0: ten seconds' worth of {@code requestsPerMinute}
 * @param concurrentStreams streams running at once, across every session and member
 * @param tokensPerMinute prompt and completion tokens per minute, as a bucket that may go into debt when a stream
 *     uses more than was estimated up front (the next streams wait for the debt to refill)
 * @param tokenBudget prompt and completion tokens per {@code budgetPeriod}
 * @param budgetPeriod when the budget starts over
 */
public record Limits(long requestsPerMinute, long burst, int concurrentStreams, long tokensPerMinute,
                     long tokenBudget, BudgetPeriod budgetPeriod) implements Serializable {

  /** When a token budget starts over (UTC). */
  public enum BudgetPeriod {
    /** Never: the budget is the key's whole allowance. */
    TOTAL,
    /** Every day at 00:00 UTC. */
    DAY,
    /** On the first of every month, 00:00 UTC. */
    MONTH
  }

  /** No limit at all. */
  public static final Limits NONE = new Limits(0, 0, 0, 0, 0, BudgetPeriod.TOTAL);

  /** The configuration of a {@code limits} object. */
  public static final ConfigSchema SCHEMA = ConfigSchema.of(
    ConfigField.integer("requestsPerMinute").defaultValue(0L).min(0).max(100_000_000)
      .description("streams opened per minute (chat completions, native prompts); 0: unlimited"),
    ConfigField.integer("burst").defaultValue(0L).min(0).max(100_000_000)
      .description("requests allowed at once from a full bucket; 0: ten seconds' worth of requestsPerMinute"),
    ConfigField.integer("concurrentStreams").defaultValue(0L).min(0).max(1_000_000)
      .description("streams running at once, across sessions and members; 0: unlimited"),
    ConfigField.integer("tokensPerMinute").defaultValue(0L).min(0).max(1_000_000_000_000L)
      .description("prompt + completion tokens per minute; 0: unlimited"),
    ConfigField.integer("tokenBudget").defaultValue(0L).min(0).max(Long.MAX_VALUE / 4)
      .description("prompt + completion tokens per budgetPeriod; 0: unlimited"),
    ConfigField.oneOf("budgetPeriod", "total", "day", "month").defaultValue("total")
      .description("when the token budget starts over (UTC): total (never), day, month"));

  /**
   * From a checked {@code limits} object, with defaults taken from {@code defaults} for absent keys.
   *
   * @param json the object, or {@code null}
   * @param defaults what absent keys take
   * @param path where the object is, for problems
   * @param problems where problems are added
   * @return the limits
   */
  public static Limits fromJson(JsonObject json, Limits defaults, String path, List<String> problems) {
    if (json == null) {
      return defaults;
    }
    ConfigSchema.Validation validation = SCHEMA.validate(json);
    validation.problems().forEach(problem -> problems.add(path + "." + problem));
    if (!validation.problems().isEmpty()) {
      return defaults;
    }
    return new Limits(
      json.containsKey("requestsPerMinute") ? json.getLong("requestsPerMinute") : defaults.requestsPerMinute,
      json.containsKey("burst") ? json.getLong("burst") : defaults.burst,
      json.containsKey("concurrentStreams") ? json.getLong("concurrentStreams").intValue() : defaults.concurrentStreams,
      json.containsKey("tokensPerMinute") ? json.getLong("tokensPerMinute") : defaults.tokensPerMinute,
      json.containsKey("tokenBudget") ? json.getLong("tokenBudget") : defaults.tokenBudget,
      json.containsKey("budgetPeriod") ? BudgetPeriod.valueOf(json.getString("budgetPeriod").toUpperCase(java.util.Locale.ROOT))
        : defaults.budgetPeriod);
  }

  /** @return whether any limit applies */
  public boolean any() {
    return requestsPerMinute > 0 || concurrentStreams > 0 || tokensPerMinute > 0 || tokenBudget > 0;
  }

  /** @return whether a limit that the shared quota state keeps applies (all but concurrency) */
  public boolean metered() {
    return requestsPerMinute > 0 || tokensPerMinute > 0 || tokenBudget > 0;
  }

  /** @return the request bucket's capacity */
  public long effectiveBurst() {
    return burst > 0 ? burst : Math.max(1, requestsPerMinute / 6);
  }

  /** @return these limits as configuration JSON */
  public JsonObject toJson() {
    return new JsonObject().put("requestsPerMinute", requestsPerMinute).put("burst", burst)
      .put("concurrentStreams", concurrentStreams).put("tokensPerMinute", tokensPerMinute)
      .put("tokenBudget", tokenBudget).put("budgetPeriod", budgetPeriod.name().toLowerCase(java.util.Locale.ROOT));
  }
}
