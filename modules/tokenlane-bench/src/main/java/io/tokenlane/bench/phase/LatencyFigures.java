package io.tokenlane.bench.phase;

import java.util.Map;

/**
 * One path at one concurrency, the upstream pacing its tokens: what a user waits for.
 *
 * @param concurrency streams open at once (closed loop)
 * @param streams streams started in the window and measured
 * @param failed streams that failed
 * @param tokensPerSecond tokens delivered per second in the window
 * @param ttft time to first token, ms
 * @param gap time between consecutive tokens, ms
 * @param lateness how late each token came against its first token plus k-1 upstream delays, ms
 * @param pollEvents events per long-poll answer (long-poll only)
 * @param cpu cores busy in the window
 * @param errors failure kinds and counts
 */
public record LatencyFigures(int concurrency, long streams, long failed, double tokensPerSecond, Quantiles ttft,
                             Quantiles gap, Quantiles lateness, Quantiles pollEvents, CpuUse cpu,
                             Map<String, Integer> errors) {
}
