package io.tokenlane.core.auth;

import java.io.Serializable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The quota state of one principal: a request bucket, a token bucket and a budget. Plain data with the arithmetic,
 * so that the single-node store and the cluster's (a Hazelcast entry processor, on the partition that owns the
 * principal) run the same code. Not thread-safe: its store serializes access.
 */
public final class QuotaState implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final double MS_PER_MINUTE = 60_000.0;

  /** Why a request was refused, and when to try again. */
  public record Verdict(String code, long retryAfterMs, String message) implements Serializable {
  }

  private double requests = Double.NaN;
  private long requestsAtMs;
  private double tokens = Double.NaN;
  private long tokensAtMs;
  private long budgetUsed;
  private long budgetPeriodStartMs;

  /**
   * Counts a request that is estimated to use {@code estimate} tokens, or refuses it.
   *
   * @param nowMs the wall clock
   * @param limits the principal's limits
   * @param estimate the prompt tokens, estimated
   * @return {@code null} when admitted (the request and the estimate are counted), else why not
   */
  public Verdict admit(long nowMs, Limits limits, long estimate) {
    refill(nowMs, limits);
    if (limits.tokenBudget() > 0 && budgetUsed + estimate > limits.tokenBudget()) {
      long reset = nextPeriodMs(nowMs, limits.budgetPeriod());
      return new Verdict("insufficient_quota", reset < 0 ? -1 : Math.max(1, reset - nowMs),
        "this API key used its token budget (" + limits.tokenBudget() + " tokens"
          + (limits.budgetPeriod() == Limits.BudgetPeriod.TOTAL ? ")" : " per " + limits.budgetPeriod().name().toLowerCase(java.util.Locale.ROOT) + ")"));
    }
    if (limits.requestsPerMinute() > 0 && requests < 1) {
      double rate = limits.requestsPerMinute() / MS_PER_MINUTE;
      return new Verdict("rate_limit_exceeded", (long) Math.ceil((1 - requests) / rate),
        "rate limit reached: " + limits.requestsPerMinute() + " requests per minute");
    }
    if (limits.tokensPerMinute() > 0) {
      double needed = Math.min(estimate, limits.tokensPerMinute());
      if (tokens < needed || tokens <= 0) {
        double rate = limits.tokensPerMinute() / MS_PER_MINUTE;
        return new Verdict("tokens_per_minute_exceeded", (long) Math.ceil((Math.max(needed, 1) - tokens) / rate),
          "rate limit reached: " + limits.tokensPerMinute() + " tokens per minute");
      }
    }
    if (limits.requestsPerMinute() > 0) {
      requests -= 1;
    }
    if (limits.tokensPerMinute() > 0) {
      tokens -= estimate;
    }
    budgetUsed += estimate;
    return null;
  }

  /**
   * Settles a stream: the tokens it really used minus the estimate counted when it was admitted (negative for a
   * refund).
   *
   * @param nowMs the wall clock
   * @param limits the principal's limits
   * @param delta tokens to add
   */
  public void settle(long nowMs, Limits limits, long delta) {
    refill(nowMs, limits);
    if (limits.tokensPerMinute() > 0) {
      // Debt is bounded to one minute's worth: a single huge answer does not lock the key out for hours.
      tokens = Math.max(-limits.tokensPerMinute(), Math.min(limits.tokensPerMinute(), tokens - delta));
    }
    budgetUsed = Math.max(0, budgetUsed + delta);
  }

  /** @return tokens counted against the budget in the current period */
  public long budgetUsed() {
    return budgetUsed;
  }

  private void refill(long nowMs, Limits limits) {
    if (limits.requestsPerMinute() > 0) {
      long burst = limits.effectiveBurst();
      if (Double.isNaN(requests)) {
        requests = burst;
      } else {
        requests = Math.min(burst, requests + Math.max(0, nowMs - requestsAtMs) * (limits.requestsPerMinute() / MS_PER_MINUTE));
      }
      requestsAtMs = nowMs;
    }
    if (limits.tokensPerMinute() > 0) {
      if (Double.isNaN(tokens)) {
        tokens = limits.tokensPerMinute();
      } else {
        tokens = Math.min(limits.tokensPerMinute(),
          tokens + Math.max(0, nowMs - tokensAtMs) * (limits.tokensPerMinute() / MS_PER_MINUTE));
      }
      tokensAtMs = nowMs;
    }
    if (limits.tokenBudget() > 0) {
      long start = periodStartMs(nowMs, limits.budgetPeriod());
      if (start != budgetPeriodStartMs) {
        budgetPeriodStartMs = start;
        if (limits.budgetPeriod() != Limits.BudgetPeriod.TOTAL) {
          budgetUsed = 0;
        }
      }
    }
  }

  private static long periodStartMs(long nowMs, Limits.BudgetPeriod period) {
    ZonedDateTime now = Instant.ofEpochMilli(nowMs).atZone(ZoneOffset.UTC);
    return switch (period) {
      case TOTAL -> 0;
      case DAY -> now.toLocalDate().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      case MONTH -> now.toLocalDate().withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    };
  }

  /** @return when the current period ends, or -1 for a budget that never starts over */
  private static long nextPeriodMs(long nowMs, Limits.BudgetPeriod period) {
    ZonedDateTime start = Instant.ofEpochMilli(periodStartMs(nowMs, period)).atZone(ZoneOffset.UTC);
    return switch (period) {
      case TOTAL -> -1;
      case DAY -> start.plusDays(1).toInstant().toEpochMilli();
      case MONTH -> start.plusMonths(1).toInstant().toEpochMilli();
    };
  }
}
