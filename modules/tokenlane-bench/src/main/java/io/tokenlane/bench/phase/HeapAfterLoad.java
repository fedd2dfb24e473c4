package io.tokenlane.bench.phase;

import io.tokenlane.bench.proc.HeapHistogram;
import java.util.List;

/**
 * The gateway's live heap once every load phase of a path is over (all streams ended), against a fresh process:
 * what finished streams leave behind.
 *
 * @param afterLoadBytes live heap after the load phases
 * @param freshBytes live heap of a fresh process
 * @param growth classes that account for the difference
 * @param streamsKept hub streams still held (ended, within their resume window), 0 on the OpenAI API
 */
public record HeapAfterLoad(long afterLoadBytes, long freshBytes, List<HeapHistogram.Growth> growth,
                            long streamsKept) {

  /** The hub's stream class, counted in the heap histogram. */
  public static final String HUB_STREAM_CLASS = "io.tokenlane.core.impl.HubStreamImpl";

  /** @return heap held per ended stream kept, or NaN when none is kept */
  public double bytesPerKeptStream() {
    return streamsKept == 0 ? Double.NaN : (double) (afterLoadBytes - freshBytes) / streamsKept;
  }
}
