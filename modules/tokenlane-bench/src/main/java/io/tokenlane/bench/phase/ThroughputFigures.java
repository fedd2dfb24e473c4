package io.tokenlane.bench.phase;

import java.util.Map;

/**
 * One path at saturation: the upstream sends its tokens as fast as it can, clients start the next stream at once.
 *
 * @param concurrency streams open at once
 * @param streamsPerSecond streams completed per second
 * @param tokensPerSecond tokens delivered per second
 * @param failed streams that failed
 * @param ttft time to first token under this load, ms
 * @param cpu cores busy
 * @param errors failure kinds and counts
 */
public record ThroughputFigures(int concurrency, double streamsPerSecond, double tokensPerSecond, long failed,
                                Quantiles ttft, CpuUse cpu, Map<String, Integer> errors) {
}
