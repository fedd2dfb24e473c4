package io.tokenlane.provider.ollama;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;

/**
 * Fails a stream that stays silent for too long. One timer per stream, re-armed only when it fires: each
 * received chunk just records the time, so a fast stream does not create and cancel a timer per token.
 * Time spent paused for a slow client is not silence of the upstream and never counts.
 * Not thread-safe: used on the stream's event loop.
 */
final class Watchdog {

  private final Vertx vertx;
  private final Handler<String> onTimeout;
  private long timerId = -1;
  private long windowMs;
  private String message;
  private long lastActivityNanos;
  private boolean paused;

  Watchdog(Vertx vertx, Handler<String> onTimeout) {
    this.vertx = vertx;
    this.onTimeout = onTimeout;
  }

  /** Starts a new window, replacing the previous one: the upstream must show activity within {@code ms}. */
  void watch(long ms, String timeoutMessage) {
    windowMs = ms;
    message = timeoutMessage;
    activity();
    cancelTimer();
    schedule(ms);
  }

  void activity() {
    lastActivityNanos = System.nanoTime();
  }

  void pause() {
    paused = true;
  }

  void resume() {
    paused = false;
    activity();
  }

  void stop() {
    cancelTimer();
    windowMs = 0;
  }

  private void check() {
    timerId = -1;
    if (windowMs == 0) {
      return;
    }
    long silentMs = (System.nanoTime() - lastActivityNanos) / 1_000_000;
    if (paused) {
      schedule(windowMs);
    } else if (silentMs >= windowMs) {
      windowMs = 0;
      onTimeout.handle(message);
    } else {
      schedule(windowMs - silentMs);
    }
  }

  private void schedule(long delayMs) {
    timerId = vertx.setTimer(Math.max(1, delayMs), id -> check());
  }

  private void cancelTimer() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }
}
