package io.tokenlane.bench.phase;

import io.tokenlane.bench.load.LoadResult;
import java.io.IOException;
import java.time.Duration;

/** Closed-loop runs with the upstream pacing its tokens: time to first token, gaps, lateness, per level. */
final class LatencyPhase {

  private LatencyPhase() {
  }

  /**
   * Not recorded: bursts in one-second rounds until a round's rate is within 15% of the two before (the JIT has
   * compiled the hot code of the target, the upstream and the load generator; on two cores that takes seconds),
   * for at least the plan's warm-up (half its longest on a cold JVM) and at most its longest. Then, briefly, as many
   * clients as the largest level: their connections are open and pooled from then on, so no level measures TCP
   * handshakes.
   */
  static void warmup(PhaseContext ctx) throws IOException {
    ctx.upstream.script(ctx.plan.burst());
    long start = System.nanoTime();
    // A new JVM can run steadily slow while C2 still compiles (interpreted code is steady too): at least half the
    // longest warm-up for one.
    long shortest = start + (ctx.coldJvm ? ctx.plan.warmupMax().dividedBy(2) : ctx.plan.warmup()).toNanos();
    long longest = start + (ctx.coldJvm ? ctx.plan.warmupMax() : ctx.plan.warmup()).toNanos();
    Duration round = ctx.plan.warmup().compareTo(Duration.ofSeconds(1)) < 0 ? ctx.plan.warmup() : Duration.ofSeconds(1);
    double[] rates = new double[3];
    int rounds = 0;
    boolean steady;
    do {
      rates[rounds++ % 3] = ctx.load.closedLoop(ctx.path, ctx.endpoint, 50, Duration.ofMillis(50), round, 0, edge -> { })
        .streamsPerSecond();
      steady = rounds >= 3 && steady(rates, (rounds - 1) % 3);
    } while (System.nanoTime() < longest && (!steady || System.nanoTime() < shortest));
    double rate = rates[(rounds - 1) % 3];
    int largest = ctx.plan.levels().stream().mapToInt(Integer::intValue).max().orElse(1);
    if (largest > 50) {
      ctx.load.closedLoop(ctx.path, ctx.endpoint, largest, Duration.ofMillis(300), Duration.ofMillis(400), 0, edge -> { });
    }
    ctx.step("warmed up in %.1f s (%s at %,.0f streams/s)", (System.nanoTime() - start) / 1e9,
      steady ? "steady" : "not steady yet", rate);
  }

  private static boolean steady(double[] rates, int last) {
    double before = (rates[(last + 1) % 3] + rates[(last + 2) % 3]) / 2;
    return before > 0 && Math.abs(rates[last] - before) <= 0.15 * before;
  }

  /** Measures one level; again (twice at most) when other work on the machine disturbed it. */
  static LatencyFigures run(PhaseContext ctx, int concurrency) throws IOException {
    LatencyFigures figures = measure(ctx, concurrency);
    for (int retry = 0; retry < PhaseContext.RETRIES && ctx.again(figures.cpu()); retry++) {
      figures = measure(ctx, concurrency);
    }
    return figures;
  }

  private static LatencyFigures measure(PhaseContext ctx, int concurrency) throws IOException {
    ctx.upstream.script(ctx.plan.paced());
    CpuMeter meter = new CpuMeter(ctx.target.pids(), ctx.upstream.pid());
    CpuUse[] cpu = {CpuUse.NONE};
    boolean[] started = {false};
    LoadResult result = ctx.load.closedLoop(ctx.path, ctx.endpoint, concurrency, ramp(ctx), ctx.plan.window(),
      ctx.plan.paced().delayMs() * 1_000_000L, edge -> {
        if (!started[0]) {
          started[0] = true;
          meter.start();
        } else {
          cpu[0] = meter.stop();
        }
      });
    LatencyFigures figures = new LatencyFigures(concurrency, result.ttftMicros().getTotalCount(), result.failed(),
      result.tokensPerSecond(), Quantiles.millis(result.ttftMicros()), Quantiles.millis(result.gapMicros()),
      Quantiles.millis(result.latenessMicros()), Quantiles.counts(result.pollEvents()), cpu[0], result.errors());
    ctx.step("c=%-5d streams=%-6d failed=%-3d ttft p50=%.2f p99=%.2f ms  gap p99=%.2f ms  cpu %s",
      concurrency, figures.streams(), figures.failed(), figures.ttft().p50(), figures.ttft().p99(),
      figures.gap().p99(), cpu[0]);
    return figures;
  }

  /** Clients start spread over one stream's length, so the window sees a steady state. */
  private static Duration ramp(PhaseContext ctx) {
    return ctx.plan.pacedStreamLength().plusMillis(100);
  }
}
