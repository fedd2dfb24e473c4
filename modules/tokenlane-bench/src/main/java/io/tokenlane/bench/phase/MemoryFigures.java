package io.tokenlane.bench.phase;

import io.tokenlane.bench.proc.HeapHistogram;
import java.util.List;

/**
 * The target's memory with {@code open} idle streams (first token sent, upstream silent), against the same
 * process with none.
 *
 * @param requested streams asked for
 * @param open streams that were open when measured
 * @param heapBytes live heap after a full GC, or -1 for a target that is not a JVM
 * @param rssBytes resident memory of the target's processes
 * @param baselineHeapBytes live heap with no stream
 * @param baselineRssBytes resident memory with no stream, or -1 when not measured on a fresh process
 * @param growth classes that grew most (JVM only)
 */
public record MemoryFigures(int requested, int open, long heapBytes, long rssBytes, long baselineHeapBytes,
                            long baselineRssBytes, List<HeapHistogram.Growth> growth) {

  /** @return heap bytes per open stream, or NaN */
  public double heapPerStream() {
    return heapBytes < 0 || open == 0 ? Double.NaN : (double) (heapBytes - baselineHeapBytes) / open;
  }

  /** @return resident bytes per open stream, or NaN */
  public double rssPerStream() {
    return open == 0 || baselineRssBytes < 0 ? Double.NaN : (double) (rssBytes - baselineRssBytes) / open;
  }
}
