package io.tokenlane.transport.openai;

import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One periodic timer for all open event streams of an API instance, instead of one timer per connection: each
 * tick hands a keep-alive to the streams that stayed silent for a whole interval, on their own event loop.
 */
final class KeepAlives {

  private final Vertx vertx;
  private final long intervalNanos;
  private final Set<SseCompletionWriter> open = ConcurrentHashMap.newKeySet();
  private final long timerId;

  KeepAlives(Vertx vertx, long intervalMs) {
    this.vertx = vertx;
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
    this.timerId = vertx.setPeriodic(Math.max(50, intervalMs / 2), t -> tick());
  }

  void add(SseCompletionWriter writer) {
    open.add(writer);
  }

  void remove(SseCompletionWriter writer) {
    open.remove(writer);
  }

  int size() {
    return open.size();
  }

  private void tick() {
    long now = System.nanoTime();
    for (SseCompletionWriter writer : open) {
      if (now - writer.lastWriteNanos() >= intervalNanos) {
        writer.context().runOnContext(v -> writer.keepAlive(intervalNanos));
      }
    }
  }

  void close() {
    vertx.cancelTimer(timerId);
    open.clear();
  }
}
