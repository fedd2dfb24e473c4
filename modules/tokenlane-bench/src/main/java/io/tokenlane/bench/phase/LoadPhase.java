package io.tokenlane.bench.phase;

import io.tokenlane.bench.load.LoadResult;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * A closed loop at one concurrency and token interval: N clients, each starting its next stream when the last
 * ended; time to first token, tokens per second, and the CPU every process used in the measured window.
 */
final class LoadPhase {

  private LoadPhase() {
  }

  /** Measures one level and interval; again (twice at most) when other work on the machine disturbed it. */
  static LoadFigures run(PhaseContext ctx, int concurrency, long intervalMs) throws IOException {
    LoadFigures figures = measure(ctx, concurrency, intervalMs);
    for (int retry = 0; retry < PhaseContext.RETRIES && ctx.again(figures.cpu()); retry++) {
      figures = measure(ctx, concurrency, intervalMs);
    }
    return figures;
  }

  private static LoadFigures measure(PhaseContext ctx, int concurrency, long intervalMs) throws IOException {
    ctx.upstream.script(ctx.plan.script(intervalMs));
    CpuMeter meter = CpuMeter.of(ctx);
    LoopDelay.Meter loops = loopDelayMeter(ctx);
    LoopDelay[] delay = {LoopDelay.NONE};
    CpuUse[] cpu = {CpuUse.NONE};
    LoadResult result = ctx.load.closedLoop(ctx.path, ctx.endpoint, concurrency, ramp(ctx, intervalMs),
      ctx.plan.window(), intervalMs * 1_000_000L, edges(() -> {
        // The scrape first: the gateway's CPU for serving it is not the window's.
        loops.start();
        meter.start();
      }, () -> {
        cpu[0] = meter.stop();
        delay[0] = loops.stop();
      }));
    LoadFigures figures = new LoadFigures(concurrency, intervalMs, result.ttftMicros().getTotalCount(), result.failed(),
      result.tokens(), result.tokensPerSecond(), Quantiles.millis(result.ttftMicros()),
      Quantiles.millis(result.gapMicros()), Quantiles.millis(result.latenessMicros()),
      Quantiles.counts(result.pollEvents()), cpu[0], result.errors(), delay[0]);
    ctx.step("c=%-5d %2d ms  streams=%-6d failed=%-3d ttft p50=%.2f p99=%.2f ms  %,.0f tokens/s  %.1f µs/token  cpu %s%s",
      concurrency, intervalMs, figures.streams(), figures.failed(), figures.ttft().p50(), figures.ttft().p99(),
      figures.tokensPerSecond(), figures.cpuMicrosPerToken(), cpu[0], delay[0].measured()
        ? String.format("  loop delay p99 <= %.0f ms, %.2f%% over 10 ms", delay[0].p99Ms(), 100 * delay[0].over10msShare())
        : "");
    return figures;
  }

  /** @return a window-edge callback that runs {@code start} at the window's start and {@code end} at its end */
  static LongConsumer edges(Runnable start, Runnable end) {
    boolean[] started = {false};
    return edge -> {
      if (started[0]) {
        end.run();
      } else {
        started[0] = true;
        start.run();
      }
    };
  }

  /** Reads the gateway's event-loop delay at a window's edges; for other targets, reads nothing. */
  static LoopDelay.Meter loopDelayMeter(PhaseContext ctx) {
    return new LoopDelay.Meter(ctx.path.isTokenlane()
      ? URI.create("http://" + ctx.endpoint.host() + ":" + ctx.endpoint.port() + "/metrics") : null);
  }

  /**
   * Clients start spread over one stream's length, so that the window sees a steady state and not a wave of
   * streams starting together.
   */
  static Duration ramp(PhaseContext ctx, long intervalMs) {
    return intervalMs > 0 ? ctx.plan.streamLength(intervalMs).plusMillis(100) : Duration.ofMillis(300);
  }
}
