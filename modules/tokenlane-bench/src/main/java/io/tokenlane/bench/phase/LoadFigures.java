package io.tokenlane.bench.phase;

import java.util.Map;

/**
 * One path at one concurrency and token interval (closed loop): what a user waits for, what gets through, and
 * what it costs the target.
 *
 * @param concurrency streams open at once
 * @param intervalMs the upstream's pause between tokens (0: as fast as it writes, saturation)
 * @param streams streams started in the window and measured
 * @param failed streams that failed
 * @param tokens tokens delivered to clients in the window
 * @param tokensPerSecond tokens delivered per second in the window
 * @param ttft time to first token, ms
 * @param gap time between consecutive tokens, ms (paced runs only)
 * @param lateness how late each token came against its first token plus k-1 upstream intervals, ms (paced only)
 * @param pollEvents events per long-poll answer (long-poll only)
 * @param cpu cores busy in the window
 * @param errors failure kinds and counts
 * @param loopDelay how late the gateway's event loops ran due tasks in the window (Tokenlane only)
 */
public record LoadFigures(int concurrency, long intervalMs, long streams, long failed, long tokens,
                          double tokensPerSecond, Quantiles ttft, Quantiles gap, Quantiles lateness,
                          Quantiles pollEvents, CpuUse cpu, Map<String, Integer> errors,
                          LoopDelay loopDelay) {

  /** @return the target's CPU time per token delivered in the window, µs; NaN without a target or tokens */
  public double cpuMicrosPerToken() {
    return cpu.target() <= 0 || tokensPerSecond <= 0 ? Double.NaN : cpu.target() / tokensPerSecond * 1e6;
  }

  /** @return whether this run is at a level and interval */
  public boolean is(int level, long interval) {
    return concurrency == level && intervalMs == interval;
  }
}
