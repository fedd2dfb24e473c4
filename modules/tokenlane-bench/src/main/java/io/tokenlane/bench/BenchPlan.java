package io.tokenlane.bench;

import io.tokenlane.bench.upstream.ScriptSpec;
import java.time.Duration;
import java.util.List;

/**
 * How much a run measures: a closed loop per concurrency level and token interval (issue 8's matrix), the warm-up
 * before it, idle-stream counts, cancels.
 *
 * @param mode {@code tiny}, {@code quick} or {@code full}
 * @param levels concurrency levels (closed loop: clients, each starting its next stream when the last ended)
 * @param intervalsMs the upstream's pause between tokens, one run per level each; 0 is saturation
 * @param tokens tokens per stream
 * @param window measured time per level and interval
 * @param warmup how long each path warms up
 * @param memoryLevels idle open streams per memory run
 * @param cancels cancels per path
 * @param cancelWait how long the upstream may take to see a cancel
 * @param settle pause for a process to settle (before a heap or RSS reading)
 * @param profile whether to record the gateway with JFR after its measurements
 * @param memoryFresh memory runs on a fresh target process (RSS is meaningful), and on nginx and Portkey too; otherwise
 *     on the process the other phases used, Tokenlane only (the live heap is exact either way)
 * @param quietWait how long to wait, before each path, for other work on the machine to calm down
 * @param shared one fake upstream for the whole run and one gateway for its four transports, started once (fast,
 *     for the smoke test and quick runs); otherwise each path gets fresh processes
 */
public record BenchPlan(String mode, List<Integer> levels, List<Long> intervalsMs, int tokens, Duration window,
                        Warmup warmup, List<Integer> memoryLevels, int cancels, Duration cancelWait, Duration settle,
                        boolean profile, boolean memoryFresh, Duration quietWait, boolean shared) {

  /**
   * The warm-up of a path: closed-loop rounds, not recorded, until the JIT compilers of every JVM in the path are
   * quiet (see {@code WarmupPhase}).
   *
   * @param round one round's length
   * @param minTokens tokens a new JVM gets at least, whatever its compilers say (a JIT can pause between bursts)
   * @param max the cap: the path is measured after this even if a compiler is still busy, and the report says so
   */
  public record Warmup(Duration round, long minTokens, Duration max) {
  }

  /** The idle stream: first token, then silence until the client goes. */
  public static final ScriptSpec IDLE = new ScriptSpec(10, 0, 1);

  /** A smoke run of a few seconds per path (the JUnit test): every phase, tiny numbers, nothing meaningful. */
  public static BenchPlan tiny() {
    return new BenchPlan("tiny", List.of(2, 10), List.of(5L, 0L), 10, Duration.ofMillis(300),
      new Warmup(Duration.ofMillis(200), 0, Duration.ofMillis(400)), List.of(10), 2, Duration.ofMillis(500),
      Duration.ofMillis(100), false, false, Duration.ZERO, true);
  }

  /**
   * About three minutes: issue 8's levels and intervals in short windows, one upstream and gateway for all, a short
   * warm-up cap (a new JVM on two busy cores usually needs more: the report then says the JIT was still busy).
   */
  public static BenchPlan quick() {
    return new BenchPlan("quick", List.of(50, 200, 1000), List.of(10L, 0L), 50, Duration.ofMillis(800),
      new Warmup(Duration.ofSeconds(1), 100_000, Duration.ofSeconds(12)), List.of(300), 10, Duration.ofSeconds(1),
      Duration.ofMillis(200), true, false, Duration.ZERO, true);
  }

  /** The figures for the report: fresh processes per path, long windows, the warm-up, 10,000 idle streams. */
  public static BenchPlan full() {
    return new BenchPlan("full", List.of(50, 200, 1000), List.of(10L, 0L), 50, Duration.ofSeconds(8),
      new Warmup(Duration.ofSeconds(2), 400_000, Duration.ofSeconds(120)), List.of(1000, 5000, 10_000), 200,
      Duration.ofSeconds(2), Duration.ofSeconds(1), true, true, Duration.ofSeconds(120), false);
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

  public BenchPlan withLevels(List<Integer> newLevels) {
    return new BenchPlan(mode, nonEmpty(newLevels, "--levels"), intervalsMs, tokens, window, warmup, memoryLevels,
      cancels, cancelWait, settle, profile, memoryFresh, quietWait, shared);
  }

  public BenchPlan withIntervals(List<Long> newIntervals) {
    return new BenchPlan(mode, levels, nonEmpty(newIntervals, "--intervals"), tokens, window, warmup, memoryLevels,
      cancels, cancelWait, settle, profile, memoryFresh, quietWait, shared);
  }

  public BenchPlan withTokens(int newTokens) {
    if (newTokens < 1) {
      throw new IllegalArgumentException("--tokens must be at least 1");
    }
    return new BenchPlan(mode, levels, intervalsMs, newTokens, window, warmup, memoryLevels, cancels, cancelWait,
      settle, profile, memoryFresh, quietWait, shared);
  }

  public BenchPlan withWindow(Duration newWindow) {
    return new BenchPlan(mode, levels, intervalsMs, tokens, newWindow, warmup, memoryLevels, cancels, cancelWait,
      settle, profile, memoryFresh, quietWait, shared);
  }

  public BenchPlan withWarmupMax(Duration max) {
    return new BenchPlan(mode, levels, intervalsMs, tokens, window, new Warmup(warmup.round(), warmup.minTokens(), max),
      memoryLevels, cancels, cancelWait, settle, profile, memoryFresh, quietWait, shared);
  }

  public BenchPlan withMemoryLevels(List<Integer> newLevels) {
    return new BenchPlan(mode, levels, intervalsMs, tokens, window, warmup, List.copyOf(newLevels), cancels,
      cancelWait, settle, profile, memoryFresh, quietWait, shared);
  }

  public BenchPlan withQuietWait(Duration wait) {
    return new BenchPlan(mode, levels, intervalsMs, tokens, window, warmup, memoryLevels, cancels, cancelWait, settle,
      profile, memoryFresh, wait, shared);
  }

  /** @return the upstream's answer with {@code intervalMs} between events */
  public ScriptSpec script(long intervalMs) {
    return new ScriptSpec(tokens, intervalMs, -1);
  }

  /**
   * @return a stream's length at {@code intervalMs}: the upstream waits the interval before every event but the
   *     first (role, tokens, finish reason, usage, [DONE])
   */
  public Duration streamLength(long intervalMs) {
    return Duration.ofMillis((tokens + 3) * intervalMs);
  }

  /** @return the largest level */
  public int largestLevel() {
    return levels.stream().mapToInt(Integer::intValue).max().orElse(1);
  }

  /**
   * The level the headline CPU per token and the profile use: 200 (issue 8's middle level) when measured, else the
   * middle one. Below saturation at a paced interval, every path gets the same offered load there.
   */
  public int referenceLevel() {
    return levels.contains(200) ? 200 : levels.get(levels.size() / 2);
  }

  /** @return the paced interval the headline uses: 10 ms when measured, else the first paced one, else 0 */
  public long referenceInterval() {
    return intervalsMs.contains(10L) ? 10 : intervalsMs.stream().filter(ms -> ms > 0).findFirst().orElse(0L);
  }

  /** @return whether 0 ms (saturation) is one of the intervals */
  public boolean measuresSaturation() {
    return intervalsMs.contains(0L);
  }

  private static <T> List<T> nonEmpty(List<T> values, String option) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException(option + " needs at least one value");
    }
    return List.copyOf(values);
  }
}
