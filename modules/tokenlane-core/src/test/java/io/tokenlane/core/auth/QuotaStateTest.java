package io.tokenlane.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The quota arithmetic on a simulated clock: rates over long runs, debts, budgets and their periods. */
class QuotaStateTest {

  private static Limits limits(long rpm, long burst, long tpm, long budget, Limits.BudgetPeriod period) {
    return new Limits(rpm, burst, 0, tpm, budget, period);
  }

  @Test
  void requestsPerMinuteHoldOverTenMinutesOfGreedyClients() {
    QuotaState state = new QuotaState();
    Limits limits = limits(120, 5, 0, 0, Limits.BudgetPeriod.TOTAL);
    int admitted = 0;
    for (long now = 0; now < 600_000; now += 7) {
      if (state.admit(now, limits, 1) == null) {
        admitted++;
      }
    }
    // 5 at once, then 2 a second for 600 s.
    assertTrue(Math.abs(admitted - 1205) <= 2, admitted + " admitted");
  }

  @Test
  void aRefusalSaysWhenToRetry() {
    QuotaState state = new QuotaState();
    Limits limits = limits(60, 1, 0, 0, Limits.BudgetPeriod.TOTAL);
    assertNull(state.admit(0, limits, 1));
    QuotaState.Verdict refused = state.admit(0, limits, 1);
    assertEquals("rate_limit_exceeded", refused.code());
    assertEquals(1000, refused.retryAfterMs());
    assertNull(state.admit(1000, limits, 1));
  }

  @Test
  void tokensBeyondTheEstimateAreADebtThatDelaysTheNextRequests() {
    QuotaState state = new QuotaState();
    Limits limits = limits(0, 0, 600, 0, Limits.BudgetPeriod.TOTAL);
    assertNull(state.admit(0, limits, 10));
    state.settle(0, limits, 890); // used 900: 300 in debt
    QuotaState.Verdict refused = state.admit(0, limits, 10);
    assertEquals("tokens_per_minute_exceeded", refused.code());
    // 310 tokens to refill at 10 a second.
    assertEquals(31_000, refused.retryAfterMs());
    assertNull(state.admit(31_000, limits, 10));
  }

  @Test
  void aBudgetRefundsWhatAStreamDidNotUseAndStartsOverEachDay() {
    QuotaState state = new QuotaState();
    Limits limits = limits(0, 0, 0, 100, Limits.BudgetPeriod.DAY);
    long day = Instant.parse("2026-12-02T10:00:00Z").toEpochMilli();
    assertNull(state.admit(day, limits, 60));
    assertNotNull(state.admit(day, limits, 60), "60 + 60 > 100");
    state.settle(day, limits, -50); // the stream used 10 of its 60
    assertNull(state.admit(day, limits, 60));
    assertEquals(70, state.budgetUsed());
    QuotaState.Verdict exhausted = state.admit(day, limits, 60);
    assertEquals("insufficient_quota", exhausted.code());
    assertEquals(Instant.parse("2026-12-03T00:00:00Z").toEpochMilli() - day, exhausted.retryAfterMs());
    assertNull(state.admit(Instant.parse("2026-12-03T00:00:01Z").toEpochMilli(), limits, 60), "a new day");
  }
}
