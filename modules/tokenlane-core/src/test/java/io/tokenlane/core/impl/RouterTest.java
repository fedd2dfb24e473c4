package io.tokenlane.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.RouteOptions;
import io.tokenlane.core.RouteOptions.Strategy;
import io.tokenlane.core.RouteOptions.Target;
import io.tokenlane.spi.ProviderError;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The router's choices and circuit breakers, on a clock and random numbers the test drives. */
class RouterTest {

  private long now = 1_000;
  private final Random random = new Random(42);

  private Router router(Strategy strategy, int threshold, long cooldownMs, Target... targets) {
    RouteOptions options = new RouteOptions(strategy, List.of(targets), targets.length, 30_000, threshold, cooldownMs);
    return new Router("smart", options, () -> now, random::nextDouble);
  }

  private static Target target(String provider, int weight) {
    return new Target(provider, provider + "-model", weight);
  }

  private static final ProviderError SERVER_ERROR = ProviderError.upstream("boom");

  @Test
  void weightedPicksFollowTheWeightsWithinABinomialBound() {
    Router router = router(Strategy.WEIGHTED, 3, 1000, target("a", 3), target("b", 1));
    int a = 0;
    int n = 4000;
    for (int i = 0; i < n; i++) {
      Router.Pick pick = router.pick(0);
      a += pick.target().index == 0 ? 1 : 0;
      router.released(pick);
    }
    // Expected 3000, standard deviation sqrt(4000 * 0.75 * 0.25) ~ 27: five deviations either way.
    assertTrue(Math.abs(a - 3000) < 140, "a got " + a + " of " + n);
  }

  @Test
  void orderedGoesDownTheChainSkippingWhatTheStreamTried() {
    Router router = router(Strategy.ORDERED, 3, 1000, target("a", 1), target("b", 1), target("c", 1));
    Router.Pick first = router.pick(0);
    assertEquals(0, first.target().index);
    Router.Pick second = router.pick(1L);
    assertEquals(1, second.target().index);
    assertEquals(2, router.pick(0b11L).target().index);
    assertNull(router.pick(0b111L));
  }

  @Test
  void aTargetCoolsDownAfterConsecutiveFailuresThenOneProbeDecides() {
    Router router = router(Strategy.ORDERED, 2, 500, target("a", 1), target("b", 1));
    Router.Target a = router.targets().get(0);
    for (int i = 0; i < 2; i++) {
      Router.Pick pick = router.pick(0);
      assertSame(a, pick.target());
      router.failed(a, SERVER_ERROR);
      router.released(pick);
    }
    assertEquals(Router.Circuit.OPEN, router.circuit(a));
    assertEquals(1, router.pick(0).target().index, "a cools down: b serves");
    now += 500;
    Router.Pick probe = router.pick(0);
    assertSame(a, probe.target());
    assertTrue(probe.probe());
    assertEquals(1, router.pick(0).target().index, "while a is probed, other streams skip it");
    router.failed(a, SERVER_ERROR);
    router.released(probe);
    assertEquals(Router.Circuit.OPEN, router.circuit(a), "a failed probe opens the circuit again");
    now += 500;
    Router.Pick again = router.pick(0);
    router.succeeded(a, 10);
    router.released(again);
    assertEquals(Router.Circuit.CLOSED, router.circuit(a));
    assertSame(a, router.pick(0).target());
  }

  @Test
  void aSuccessResetsTheFailureCount() {
    Router router = router(Strategy.ORDERED, 2, 500, target("a", 1), target("b", 1));
    Router.Target a = router.targets().get(0);
    router.failed(a, SERVER_ERROR);
    router.succeeded(a, 5);
    router.failed(a, SERVER_ERROR);
    assertEquals(Router.Circuit.CLOSED, router.circuit(a));
  }

  @Test
  void retryAfterOpensTheTargetUntilThenAtOnce() {
    Router router = router(Strategy.ORDERED, 5, 100, target("a", 1), target("b", 1));
    Router.Target a = router.targets().get(0);
    router.failed(a, ProviderError.fromUpstreamStatus(429, "slow down").withRetryAfter(2_000));
    assertEquals(1, router.pick(0).target().index);
    now += 1_999;
    assertEquals(1, router.pick(0).target().index);
    now += 1;
    assertSame(a, router.pick(0).target());
  }

  @Test
  void anInvalidRequestSaysNothingAboutTheTarget() {
    Router router = router(Strategy.ORDERED, 1, 100, target("a", 1), target("b", 1));
    Router.Target a = router.targets().get(0);
    router.failed(a, ProviderError.fromUpstreamStatus(400, "bad"));
    assertEquals(Router.Circuit.CLOSED, router.circuit(a));
  }

  @Test
  void aProbeCancelledBeforeAnAnswerLetsTheNextStreamProbe() {
    Router router = router(Strategy.ORDERED, 1, 100, target("a", 1), target("b", 1));
    Router.Target a = router.targets().get(0);
    router.failed(a, SERVER_ERROR);
    now += 100;
    Router.Pick probe = router.pick(0);
    assertTrue(probe.probe());
    router.released(probe);
    Router.Pick next = router.pick(0);
    assertSame(a, next.target());
    assertTrue(next.probe());
  }

  @Test
  void whenEveryTargetCoolsDownTheClientGetsNoHealthyTargetWithARetryTime() {
    Router router = router(Strategy.ORDERED, 1, 700, target("a", 1), target("b", 1));
    router.failed(router.targets().get(0), SERVER_ERROR);
    now += 200;
    router.failed(router.targets().get(1), ProviderError.timeout("slow"));
    assertNull(router.pick(0));
    GatewayException e = router.unavailable();
    assertEquals(503, e.status());
    assertEquals("no_healthy_target", e.code());
    assertEquals(500, e.retryAfterMs());
    assertTrue(e.getMessage().contains("timeout"), e.getMessage());
  }

  @Test
  void whenTheLatestFailureWasARateLimitTheClientGets429() {
    Router router = router(Strategy.ORDERED, 3, 700, target("a", 1), target("b", 1));
    router.failed(router.targets().get(0), ProviderError.fromUpstreamStatus(429, "x").withRetryAfter(5_000));
    router.failed(router.targets().get(1), ProviderError.fromUpstreamStatus(429, "x").withRetryAfter(3_000));
    assertNull(router.pick(0));
    GatewayException e = router.unavailable();
    assertEquals(429, e.status());
    assertEquals("rate_limited", e.code());
    assertEquals(3_000, e.retryAfterMs());
  }

  @Test
  void leastBusyPrefersTheTargetWithFewerStreamsInFlight() {
    Router router = router(Strategy.LEAST_BUSY, 3, 100, target("a", 1), target("b", 1));
    Router.Pick held = router.pick(0);
    for (int i = 0; i < 20; i++) {
      Router.Pick pick = router.pick(0);
      assertNotNull(pick);
      assertTrue(pick.target() != held.target(), "the busy target was picked");
      router.released(pick);
    }
  }

  @Test
  void leastBusyCountsStreamsOnOtherMembers() {
    Router router = router(Strategy.LEAST_BUSY, 3, 100, target("a", 1), target("b", 1));
    router.targets().get(0).elsewhere = 5;
    for (int i = 0; i < 20; i++) {
      Router.Pick pick = router.pick(0);
      assertEquals(1, pick.target().index);
      router.released(pick);
    }
  }

  @Test
  void lowestLatencyMeasuresEveryTargetThenPrefersTheFastestAndStillExplores() {
    Router router = router(Strategy.LOWEST_LATENCY, 3, 100, target("slow", 1), target("fast", 1));
    Router.Pick first = router.pick(0);
    assertEquals(0, first.target().index, "unmeasured targets are measured first");
    router.succeeded(first.target(), 400);
    router.released(first);
    Router.Pick second = router.pick(0);
    assertEquals(1, second.target().index);
    router.succeeded(second.target(), 20);
    router.released(second);
    int slow = 0;
    int n = 2000;
    for (int i = 0; i < n; i++) {
      Router.Pick pick = router.pick(0);
      slow += pick.target().index == 0 ? 1 : 0;
      router.released(pick);
    }
    // Exploration sends EXPLORATION / 2 of the streams to the slow one: ~50 of 2000.
    assertTrue(slow > 10 && slow < 120, "slow got " + slow);
  }

  @Test
  void theLatencyAverageFollowsATargetThatGotFaster() {
    Router router = router(Strategy.LOWEST_LATENCY, 3, 100, target("a", 1), target("b", 1));
    Router.Target a = router.targets().get(0);
    router.succeeded(a, 1000);
    for (int i = 0; i < 20; i++) {
      router.succeeded(a, 10);
    }
    assertTrue(router.ttftMillis(a) < 20, "average " + router.ttftMillis(a));
  }
}
