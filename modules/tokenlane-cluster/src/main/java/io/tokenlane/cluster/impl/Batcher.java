package io.tokenlane.cluster.impl;

import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Gathers a stream's events into one cluster message per interval: the first event after a quiet interval goes
 * at the end of the current event-loop turn (a stream's first token is not delayed), the following ones wait for
 * the interval to pass, and the {@code end} flushes at once. Used on the stream's home context only.
 */
final class Batcher {

  private final Vertx vertx;
  private final long intervalNanos;
  private final Consumer<Buffer> send;
  private Buffer pending;
  private long lastFlushNanos;
  private boolean scheduled;
  private long timerId = -1;

  Batcher(Vertx vertx, long intervalMs, Consumer<Buffer> send) {
    this.vertx = vertx;
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
    this.send = send;
    this.lastFlushNanos = System.nanoTime() - intervalNanos;
  }

  void add(StreamEvent event) {
    if (pending == null) {
      pending = Buffer.buffer(256);
    }
    EventBatch.append(pending, event);
    if (event.isEnd()) {
      flush();
    } else if (!scheduled) {
      scheduled = true;
      long wait = lastFlushNanos + intervalNanos - System.nanoTime();
      if (wait <= 0) {
        vertx.getOrCreateContext().runOnContext(v -> flush());
      } else {
        timerId = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)), t -> flush());
      }
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
