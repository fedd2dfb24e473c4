package io.tokenlane.bench.upstream;

import io.vertx.core.Future;
import java.util.Arrays;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;

/**
 * When the fake upstreams saw each client close a connection they were still answering on: what a cancel that
 * reached the upstream looks like from there. One log for every fake of the process (OpenAI and Anthropic): the
 * bench cancels one stream at a time, whichever format its path's upstream speaks.
 *
 * <p>Times are {@link System#nanoTime()}, which on Linux is {@code CLOCK_MONOTONIC}, one clock for every process
 * of the machine: the bench compares them with its own cancel times.
 */
final class CloseLog {

  private long[] times = new long[1024];
  private int count;

  /**
   * Starts watching one fake; each close is stamped on the event loop that saw it, as the fake counts it.
   *
   * @param awaitClosed the fake's {@code awaitClientClosed(n)}
   * @param closed the fake's {@code clientClosedCount()}
   */
  void watch(IntFunction<Future<Void>> awaitClosed, IntSupplier closed) {
    watchFrom(awaitClosed, closed, 0);
  }

  private void watchFrom(IntFunction<Future<Void>> awaitClosed, IntSupplier closed, int seen) {
    awaitClosed.apply(seen + 1).onComplete(done -> {
      long now = System.nanoTime();
      int total = closed.getAsInt();
      record(total - seen, now);
      watchFrom(awaitClosed, closed, total);
    });
  }

  private synchronized void record(int closes, long now) {
    for (int i = 0; i < closes; i++) {
      if (count == times.length) {
        times = Arrays.copyOf(times, times.length * 2);
      }
      times[count++] = now;
    }
    notifyAll();
  }

  synchronized int count() {
    return count;
  }

  /** The close times after the first {@code after}, waiting up to {@code waitMs} for at least one. */
  synchronized long[] after(int after, long waitMs) throws InterruptedException {
    long deadline = System.nanoTime() + waitMs * 1_000_000L;
    while (count <= after) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return new long[0];
      }
      wait(Math.max(1, left / 1_000_000L));
    }
    return Arrays.copyOfRange(times, Math.max(0, after), count);
  }
}
