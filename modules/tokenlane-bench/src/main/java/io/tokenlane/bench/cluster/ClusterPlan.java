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
 */
public record ClusterPlan(int level, long intervalMs, int tokens, Duration warmup, Duration window, int cancels,
                          Duration cancelWait, int idleStreams, int lostStreams, Duration settle) {

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
        Duration.ofSeconds(2), idle, 10, Duration.ofMillis(100));
      case "full" -> new ClusterPlan(ISSUE_LEVEL, 10, plan.tokens(), Duration.ofSeconds(60), Duration.ofSeconds(30),
        200, Duration.ofSeconds(2), Math.min(idle, 1000), 200, Duration.ofSeconds(1));
      default -> new ClusterPlan(ISSUE_LEVEL, 10, plan.tokens(), Duration.ofSeconds(15), Duration.ofSeconds(10), 200,
        Duration.ofSeconds(2), idle, 200, Duration.ofMillis(300));
    };
  }

  /** @return a stream's length in the follower run, plus a little: clients start spread over it */
  Duration ramp() {
    return Duration.ofMillis((tokens + 3) * intervalMs + 100);
  }
}
