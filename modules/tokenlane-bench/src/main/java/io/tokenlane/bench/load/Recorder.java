package io.tokenlane.bench.load;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one event loop of the load generator measured in a time window. Touched only on its own event loop while
 * a run lasts; read and merged by the runner after the run completed.
 *
 * <p>A stream counts for latencies when it started inside the window; tokens and completed streams count when
 * they arrived inside it (throughput).
 */
public final class Recorder {

  private static final long MAX_MICROS = 600_000_000L;

  /** Time to first token, microseconds. */
  final Histogram ttft = new Histogram(MAX_MICROS, 3);
  /** Time between consecutive tokens, microseconds (a token that came in the same event as the previous: 0). */
  final Histogram gap = new Histogram(MAX_MICROS, 3);
  /** How much later than its first token plus k-1 upstream delays token k came, microseconds. */
  final Histogram lateness = new Histogram(MAX_MICROS, 3);
  /** Events per long-poll answer. */
  final Histogram pollEvents = new Histogram(100_000, 3);
  final Map<String, Integer> errors = new LinkedHashMap<>();
  long windowStart;
  long windowEnd;
  long streamsCompleted;
  long streamsFailed;
  long tokens;

  Recorder(long windowStart, long windowEnd) {
    this.windowStart = windowStart;
    this.windowEnd = windowEnd;
  }

  boolean inWindow(long nanos) {
    return nanos >= windowStart && nanos < windowEnd;
  }

  void error(String message) {
    streamsFailed++;
    if (errors.size() < 20 || errors.containsKey(message)) {
      errors.merge(message, 1, Integer::sum);
    }
  }

  /** Adds another loop's figures to this one's. */
  void add(Recorder other) {
    ttft.add(other.ttft);
    gap.add(other.gap);
    lateness.add(other.lateness);
    pollEvents.add(other.pollEvents);
    other.errors.forEach((message, count) -> errors.merge(message, count, Integer::sum));
    streamsCompleted += other.streamsCompleted;
    streamsFailed += other.streamsFailed;
    tokens += other.tokens;
  }
}
