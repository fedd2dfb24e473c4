package io.tokenlane.bench.cluster;

import io.tokenlane.bench.BenchPlan;
import java.time.Duration;

/**
 * How much the cluster phase measures (issue 9's figures). Its processes are fresh (an upstream and two members),
 * so it warms up on its own before the measured window.
 *
 * @param level streams at once in the follower run: half read on the owner (local), half on the other member
 * @param intervalMs the upstream's pause between tokens in the follower run
 * @param tokens tokens per stream in the follower run
 * @param warmup closed-loop load before the measured window, not recorded (the members' JIT)
 * @param window the measured window of the follower run
 * @param cancels cross-member cancels, one at a time
 * @param cancelWait how long the upstream may take to see a cancel
 * @param idleStreams idle streams (started on A, followed on B) for the heap per stream
 * @param lostStreams streams followed on B when A is killed
 * @param settle pause before a heap reading
 * @param pacedIntervalMs the pause between tokens of a second follower run at the same level, paced like a large
 *     model (20 tokens a second) so that the members are not saturated and the cross-member hop shows in the time to
 *     first token; 0: no second run
 */
public record ClusterPlan(int level, long intervalMs, int tokens, Duration warmup, Duration window, int cancels,
                          Duration cancelWait, int idleStreams, int lostStreams, Duration settle,
                          long pacedIntervalMs) {

  /** The paced follower run's pause between tokens: 20 tokens a second per stream, 4,000 a second at 200 streams. */
  public static final long PACED_INTERVAL_MS = 50;

  /** Issue 9's concurrency for the added time to first token. */
  public static final int ISSUE_LEVEL = 200;

  /**
   * The cluster phase matching a run's mode; the idle streams are the run's smallest memory level, so that the
   * single-node heap per stream of the same run compares.
   */
  public static ClusterPlan of(BenchPlan plan) {
    int idle = plan.memoryLevels().stream().mapToInt(Integer::intValue).min().orElse(300);
    return switch (plan.mode()) {
      case "tiny" -> new ClusterPlan(10, 5, plan.tokens(), Duration.ofMillis(300), Duration.ofSeconds(1), 3,
        Duration.ofSeconds(2), idle, 10, Duration.ofMillis(100), 0);
      case "full" -> new ClusterPlan(ISSUE_LEVEL, 10, plan.tokens(), Duration.ofSeconds(60), Duration.ofSeconds(30),
        200, Duration.ofSeconds(2), Math.min(idle, 1000), 200, Duration.ofSeconds(1), PACED_INTERVAL_MS);
      default -> new ClusterPlan(ISSUE_LEVEL, 10, plan.tokens(), Duration.ofSeconds(15), Duration.ofSeconds(10), 200,
        Duration.ofSeconds(2), idle, 200, Duration.ofMillis(300), PACED_INTERVAL_MS);
    };
  }

  /** @return a stream's length in the follower run, plus a little: clients start spread over it */
  Duration ramp() {
    return ramp(intervalMs);
  }

  /** @return a stream's length at {@code interval} ms between tokens, plus a little */
  Duration ramp(long interval) {
    return Duration.ofMillis((tokens + 3) * interval + 100);
  }
}
