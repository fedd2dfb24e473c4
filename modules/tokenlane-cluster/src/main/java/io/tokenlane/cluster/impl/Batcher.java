package io.tokenlane.cluster.impl;

import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Gathers a stream's events into one cluster write per interval: the first event after a quiet interval goes at
 * the end of the current event-loop turn, and so does the first token (time to first token is never delayed), the
 * following ones wait for the interval to pass, and the {@code end} goes at once. The interval may change (a stream that another member starts
 * following is flushed sooner). Used on the stream's home context only.
 */
final class Batcher {

  private final Vertx vertx;
  private final LongSupplier intervalMs;
  private final Consumer<Buffer> send;
  private Buffer pending;
  private long lastFlushNanos;
  private boolean scheduled;
  private long timerId = -1;
  private long dueNanos;
  private boolean firstTokenSeen;

  Batcher(Vertx vertx, LongSupplier intervalMs, Consumer<Buffer> send) {
    this.vertx = vertx;
    this.intervalMs = intervalMs;
    this.send = send;
    this.lastFlushNanos = Long.MIN_VALUE / 2;
  }

  void add(StreamEvent event) {
    if (pending == null) {
      pending = Buffer.buffer(256);
    }
    EventBatch.append(pending, event);
    if (event.isEnd()) {
      flush();
    } else if (!firstTokenSeen && event.type() == StreamEvent.Type.TOKEN) {
      // The first token is what a reader waits for most (time to first token): it never waits for the interval
      // that the start event's flush just opened.
      firstTokenSeen = true;
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
        timerId = -1;
      }
      scheduled = true;
      vertx.getOrCreateContext().runOnContext(v -> flush());
    } else if (!scheduled) {
      schedule();
    }
  }

  /** The interval may have shrunk: a pending batch goes when the new one says. */
  void reschedule() {
    if (pending != null && scheduled && timerId >= 0
        && lastFlushNanos + TimeUnit.MILLISECONDS.toNanos(intervalMs.getAsLong()) < dueNanos) {
      vertx.cancelTimer(timerId);
      timerId = -1;
      schedule();
    }
  }

  private void schedule() {
    scheduled = true;
    long now = System.nanoTime();
    dueNanos = lastFlushNanos + TimeUnit.MILLISECONDS.toNanos(intervalMs.getAsLong());
    if (dueNanos <= now) {
      timerId = -1;
      vertx.getOrCreateContext().runOnContext(v -> flush());
    } else {
      timerId = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(dueNanos - now)), t -> {
        timerId = -1;
        flush();
      });
    }
  }

  void flush() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
    scheduled = false;
    if (pending != null) {
      Buffer batch = pending;
      pending = null;
      lastFlushNanos = System.nanoTime();
      send.accept(batch);
    }
  }
}
