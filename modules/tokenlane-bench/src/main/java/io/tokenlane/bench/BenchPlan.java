package io.tokenlane.bench;

import io.tokenlane.bench.upstream.ScriptSpec;
import java.time.Duration;
import java.util.List;

/**
 * How much a run measures: concurrency levels, windows, the upstream's scripts, idle-stream counts, cancels.
 *
 * @param mode {@code tiny}, {@code quick} or {@code full}
 * @param levels concurrency levels of the latency runs
 * @param warmup shortest warm-up of a path: closed-loop bursts, not recorded, until their rate is steady (the JIT
 *     has compiled the hot code of the target, the upstream and the load generator)
 * @param warmupMax longest warm-up of a path on a new JVM (the gateway's, or the upstream's on the direct path),
 *     which warms up for at least half of it
 * @param window measured time per level
 * @param paced the upstream's script for latency runs (tokens paced by a delay)
 * @param throughputLevels concurrency of the saturation runs
 * @param throughputWindow measured time per saturation run
 * @param burst the upstream's script for saturation runs (no delay)
 * @param memoryLevels idle open streams per memory run
 * @param cancels cancels per path
 * @param cancelWait how long the upstream may take to see a cancel
 * @param settle pause for a process to settle (before a heap or RSS reading)
 * @param profile whether to record the gateway with JFR after its measurements
 * @param memoryFresh memory runs on a fresh target process (RSS is meaningful), and on nginx and Portkey too; otherwise
 *     on the process the other phases used, Tokenlane only (the live heap is exact either way)
 * @param quietWait how long to wait, before each path, for other work on the machine to calm down
 * @param shared one fake upstream for the whole run and one gateway for its four transports, started once (fast,
 *     for the smoke test); otherwise each path gets fresh processes
 */
public record BenchPlan(String mode, List<Integer> levels, Duration warmup, Duration warmupMax, Duration window,
                        ScriptSpec paced,
                        List<Integer> throughputLevels, Duration throughputWindow, ScriptSpec burst,
                        List<Integer> memoryLevels, int cancels, Duration cancelWait, Duration settle, boolean profile,
                        boolean memoryFresh, Duration quietWait, boolean shared) {

  /** The idle stream: first token, then silence until the client goes. */
  public static final ScriptSpec IDLE = new ScriptSpec(10, 0, 1);

  /** A smoke run of a few seconds per path (the JUnit test): every phase, tiny numbers. */
  public static BenchPlan tiny() {
    return new BenchPlan("tiny", List.of(1, 10), Duration.ofMillis(200), Duration.ofMillis(200),
      Duration.ofMillis(400),
      new ScriptSpec(10, 5, -1), List.of(10), Duration.ofMillis(400), new ScriptSpec(50, 0, -1),
      List.of(10), 2, Duration.ofMillis(500), Duration.ofMillis(100), false, false, Duration.ZERO, true);
  }

  /** Under two minutes for everything: the shape of the results, not their last digit. */
  public static BenchPlan quick() {
    return new BenchPlan("quick", List.of(1, 100, 1000), Duration.ofSeconds(1), Duration.ofSeconds(8),
      Duration.ofMillis(1000),
      new ScriptSpec(2, 100, -1), List.of(100), Duration.ofMillis(1200), new ScriptSpec(100, 0, -1),
      List.of(300), 10, Duration.ofSeconds(1), Duration.ofMillis(200), true, false, Duration.ZERO, true);
  }

  /** The figures for the report: longer windows, more levels, up to the machine's file descriptor limit. */
  public static BenchPlan full() {
    return new BenchPlan("full", List.of(1, 10, 100, 1000, 2000), Duration.ofSeconds(5), Duration.ofSeconds(40),
      Duration.ofSeconds(10),
      new ScriptSpec(20, 100, -1), List.of(10, 100, 1000), Duration.ofSeconds(6), new ScriptSpec(100, 0, -1),
      List.of(1000, 5000, 9000), 200, Duration.ofSeconds(2), Duration.ofSeconds(1), true, true, Duration.ofSeconds(120),
      false);
  }

  /** @return the plan called {@code mode} */
  public static BenchPlan named(String mode) {
    return switch (mode) {
      case "tiny" -> tiny();
      case "quick" -> quick();
      case "full" -> full();
      default -> throw new IllegalArgumentException("unknown mode " + mode + " (tiny, quick, full)");
    };
  }

  public BenchPlan withPaced(ScriptSpec script) {
    return new BenchPlan(mode, levels, warmup, warmupMax, window, script, throughputLevels, throughputWindow, burst,
      memoryLevels, cancels, cancelWait, settle, profile, memoryFresh, quietWait, shared);
  }

  public BenchPlan withQuietWait(Duration wait) {
    return new BenchPlan(mode, levels, warmup, warmupMax, window, paced, throughputLevels, throughputWindow, burst,
      memoryLevels, cancels, cancelWait, settle, profile, memoryFresh, wait, shared);
  }

  public BenchPlan withLevels(List<Integer> newLevels) {
    return new BenchPlan(mode, List.copyOf(newLevels), warmup, warmupMax, window, paced, throughputLevels, throughputWindow, burst,
      memoryLevels, cancels, cancelWait, settle, profile, memoryFresh, quietWait, shared);
  }

  public BenchPlan withThroughputLevels(List<Integer> newLevels) {
    return new BenchPlan(mode, levels, warmup, warmupMax, window, paced, List.copyOf(newLevels), throughputWindow, burst,
      memoryLevels, cancels, cancelWait, settle, profile, memoryFresh, quietWait, shared);
  }

  public BenchPlan withMemoryLevels(List<Integer> newLevels) {
    return new BenchPlan(mode, levels, warmup, warmupMax, window, paced, throughputLevels, throughputWindow, burst,
      List.copyOf(newLevels), cancels, cancelWait, settle, profile, memoryFresh, quietWait, shared);
  }

  /**
   * @return a stream's length when paced: the upstream waits its delay before every event but the first (role,
   *     tokens, finish reason, usage, [DONE])
   */
  public Duration pacedStreamLength() {
    return Duration.ofMillis((paced.tokens() + 3) * paced.delayMs());
  }
}
