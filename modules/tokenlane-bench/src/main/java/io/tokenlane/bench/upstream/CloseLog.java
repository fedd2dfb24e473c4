package io.tokenlane.bench.upstream;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import java.util.Arrays;

/**
 * When the fake upstream saw each client close a connection it was still answering on: what a cancel that
 * reached the upstream looks like from there.
 *
 * <p>Times are {@link System#nanoTime()}, which on Linux is {@code CLOCK_MONOTONIC}, one clock for every process
 * of the machine: the bench compares them with its own cancel times.
 */
final class CloseLog {

  private final FakeOpenAiUpstream upstream;
  private long[] times = new long[1024];
  private int count;

  CloseLog(FakeOpenAiUpstream upstream) {
    this.upstream = upstream;
  }

  /** Starts watching; each close is stamped on the event loop that saw it, as the fake counts it. */
  void watch() {
    watchFrom(1);
  }

  private void watchFrom(int next) {
    upstream.awaitClientClosed(next).onComplete(closed -> {
      long now = System.nanoTime();
      int seen = upstream.clientClosedCount();
      record(seen, now);
      watchFrom(seen + 1);
    });
  }

  private synchronized void record(int seen, long now) {
    while (count < seen) {
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
