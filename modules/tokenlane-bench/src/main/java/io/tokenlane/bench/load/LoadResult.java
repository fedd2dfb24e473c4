package io.tokenlane.bench.load;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a closed-loop run measured inside its window, all event loops together.
 *
 * @param ttftMicros time to first token of the streams started in the window
 * @param gapMicros time between consecutive tokens of those streams
 * @param latenessMicros how much later than first token + k-1 delays each token came
 * @param pollEvents events per long-poll answer
 * @param completed streams that completed in the window
 * @param failed streams that failed
 * @param tokens tokens that arrived in the window
 * @param windowSeconds the window's length
 * @param errors failure messages and their counts (the first few kinds)
 */
public record LoadResult(Histogram ttftMicros, Histogram gapMicros, Histogram latenessMicros, Histogram pollEvents,
                         long completed, long failed, long tokens, double windowSeconds, Map<String, Integer> errors) {

  static LoadResult of(Recorder merged, double windowSeconds) {
    return new LoadResult(merged.ttft, merged.gap, merged.lateness, merged.pollEvents, merged.streamsCompleted,
      merged.streamsFailed, merged.tokens, windowSeconds, Map.copyOf(merged.errors));
  }

  /** @return streams completed per second */
  public double streamsPerSecond() {
    return completed / windowSeconds;
  }

  /** @return tokens delivered per second */
  public double tokensPerSecond() {
    return tokens / windowSeconds;
  }
}
