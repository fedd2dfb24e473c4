package io.tokenlane.bench.target;

import io.tokenlane.bench.proc.HeapHistogram;
import java.io.IOException;
import java.util.List;

/**
 * What sits between the load generator and the fake upstream on one path: nothing (direct), nginx, Tokenlane or
 * Portkey. Started against one upstream, stopped after the path is measured.
 */
public interface Target extends AutoCloseable {

  /**
   * Starts the target in front of the upstream.
   *
   * @param upstream the fake upstream's chat ports
   * @return where to send requests
   * @throws IOException when it cannot start; the path is then reported as failed
   */
  Endpoint start(UpstreamPorts upstream) throws IOException;

  /** @return the target's processes, for CPU and RSS; empty for direct */
  List<Long> pids();

  /**
   * Live heap after a full GC, for a JVM target.
   *
   * @return the histogram, or {@code null} when the target is not a JVM
   */
  default HeapHistogram liveHeap() throws IOException {
    return null;
  }

  /** @return the JVM's pid for profiling, or -1 */
  default long jvmPid() {
    return -1;
  }

  /**
   * Whether the target carries many streams on one connection to the OpenAI-format upstream (HTTP/2), so that an
   * open stream takes one of its sockets instead of two.
   *
   * @return {@code false} unless the target was configured so
   */
  default boolean multiplexesOpenAiUpstream() {
    return false;
  }

  /** Stops what {@link #start} started. */
  @Override
  void close();
}
