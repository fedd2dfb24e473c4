package io.tokenlane.bench.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * One stream a client started: completes when it ends normally, fails otherwise; cancel is what the path's
 * client does to cancel (close the connection, DELETE, a WebSocket cancel frame).
 */
final class RunningStream {

  private final Promise<Void> done = Promise.promise();
  private final StreamProbe probe;
  private final Promise<Void> firstToken = Promise.promise();
  private Runnable canceller;
  private boolean cancelled;
  private long cancelNanos;
  private int endEvents;
  private long endNanos;
  private String endCode;

  RunningStream(StreamProbe probe) {
    this.probe = probe;
  }

  StreamProbe probe() {
    return probe;
  }

  Future<Void> done() {
    return done.future();
  }

  /** @return completes at the first token */
  Future<Void> firstToken() {
    return firstToken.future();
  }

  void tokens(int count, long now) {
    probe.tokens(count, now);
    if (count > 0) {
      firstToken.tryComplete();
    }
  }

  /** How to cancel, once the client knows (a request to reset, a stream id). */
  void onCancel(Runnable canceller) {
    this.canceller = canceller;
    if (cancelled) {
      canceller.run();
    }
  }

  /** Cancels; the time is taken just before the client acts. On the client's event loop. */
  void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    cancelNanos = System.nanoTime();
    if (canceller != null) {
      canceller.run();
    }
  }

  /**
   * An {@code end} event arrived (native transports): when, and its error code. Counted, since a stream must end
   * exactly once (a follower whose owner died included).
   */
  void endEvent(long now, String code) {
    if (endEvents++ == 0) {
      endNanos = now;
      endCode = code;
    }
  }

  /** @return {@code end} events received */
  int endEvents() {
    return endEvents;
  }

  /** @return when the first {@code end} event arrived ({@link System#nanoTime()}), 0 when none did */
  long endNanos() {
    return endNanos;
  }

  /** @return the first {@code end} event's code, or {@code null} */
  String endCode() {
    return endCode;
  }

  boolean cancelled() {
    return cancelled;
  }

  long cancelNanos() {
    return cancelNanos;
  }

  void complete() {
    if (done.tryComplete()) {
      probe.completed();
    }
    firstToken.tryFail("stream ended without a token");
  }

  void fail(String message) {
    if (cancelled) {
      done.tryComplete();
    } else if (done.tryFail(message)) {
      probe.failed(message);
    }
    firstToken.tryFail(message);
  }

  boolean isDone() {
    return done.future().isComplete();
  }
}
