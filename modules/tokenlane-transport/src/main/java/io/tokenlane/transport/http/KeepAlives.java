package io.tokenlane.transport.http;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One periodic timer for all open event streams of an API instance, instead of one timer per connection: each
 * tick hands a keep-alive to the streams that stayed silent for a whole interval, on their own event loop.
 */
public final class KeepAlives {

  /** An open event stream that may need a keep-alive. */
  public interface Member {

    /** @return the event loop its connection lives on */
    Context context();

    /** @return {@link System#nanoTime()} of its last write; read from the timer's thread */
    long lastWriteNanos();

    /**
     * Writes a keep-alive if still silent for {@code intervalNanos}. Called on {@link #context()}.
     *
     * @param intervalNanos the keep-alive interval
     */
    void keepAlive(long intervalNanos);
  }

  private final Vertx vertx;
  private final long intervalNanos;
  private final Set<Member> open = ConcurrentHashMap.newKeySet();
  private final long timerId;

  /**
   * Starts the timer.
   *
   * @param vertx the Vert.x instance
   * @param intervalMs how long a stream may stay silent
   */
  public KeepAlives(Vertx vertx, long intervalMs) {
    this.vertx = vertx;
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
    this.timerId = vertx.setPeriodic(Math.max(50, intervalMs / 2), t -> tick());
  }

  /** @param member a stream that opened */
  public void add(Member member) {
    open.add(member);
  }

  /** @param member a stream that ended */
  public void remove(Member member) {
    open.remove(member);
  }

  /** @return how many streams are open; reads without blocking */
  public int size() {
    return open.size();
  }

  private void tick() {
    long now = System.nanoTime();
    for (Member member : open) {
      if (now - member.lastWriteNanos() >= intervalNanos) {
        member.context().runOnContext(v -> member.keepAlive(intervalNanos));
      }
    }
  }

  /** Stops the timer. */
  public void close() {
    vertx.cancelTimer(timerId);
    open.clear();
  }
}
