package io.tokenlane.spi;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;

/**
 * Fails a stream that stays silent for too long: for plugins, the upstream's response and idle timeouts. One timer
 * per stream, re-armed only when it fires: each received chunk just records the time ({@link #activity()}), so a
 * fast stream does not create and cancel a timer per token. Time spent paused for a slow client
 * ({@link #pause()}/{@link #resume()}) is not silence of the upstream and never counts.
 *
 * <p>Not thread-safe: used on the stream's event loop, and the timeout handler runs there.
 *
 * @since 1.2
 */
public final class Watchdog {

  private final Vertx vertx;
  private final Handler<String> onTimeout;
  private long timerId = -1;
  private long windowMs;
  private String message;
  private long lastActivityNanos;
  private boolean paused;

  /**
   * A watchdog that is not watching yet.
   *
   * @param vertx the Vert.x instance whose timers it sets (the verticle's)
   * @param onTimeout called with the window's message once the upstream was silent for a whole window
   */
  public Watchdog(Vertx vertx, Handler<String> onTimeout) {
    this.vertx = vertx;
    this.onTimeout = onTimeout;
  }

  /**
   * Starts a new window, replacing the previous one: the upstream must show activity within {@code ms}.
   *
   * @param ms the window, at least 1
   * @param timeoutMessage what the timeout handler gets when the window passes in silence
   */
  public void watch(long ms, String timeoutMessage) {
    windowMs = ms;
    message = timeoutMessage;
    activity();
    cancelTimer();
    schedule(ms);
  }

  /** The upstream showed a sign of life (a byte, an event, a keep-alive): the window starts again. */
  public void activity() {
    lastActivityNanos = System.nanoTime();
  }

  /** The plugin paused its upstream read for a slow client: silence from now on does not count. */
  public void pause() {
    paused = true;
  }

  /** The read resumed: the window starts again from now. */
  public void resume() {
    paused = false;
    activity();
  }

  /** Stops watching (the stream ended): the handler is not called any more. */
  public void stop() {
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
