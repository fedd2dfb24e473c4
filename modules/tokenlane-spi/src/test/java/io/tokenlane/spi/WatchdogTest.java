package io.tokenlane.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WatchdogTest {

  private final Vertx vertx = Vertx.vertx();
  private final List<String> timeouts = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Runs on the event loop, as a plugin does, and waits for a later timer: timers fire in the order of their ends. */
  private void onLoopThenAfter(long ms, Runnable action) throws Exception {
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> {
      action.run();
      vertx.setTimer(ms, id -> done.complete());
    });
    done.future().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aSilentUpstreamTimesOutOnceWithTheWindowsMessage() throws Exception {
    Watchdog watchdog = new Watchdog(vertx, timeouts::add);
    onLoopThenAfter(300, () -> watchdog.watch(20, "no first byte within 20 ms"));
    assertEquals(List.of("no first byte within 20 ms"), timeouts, "once, then not again");
  }

  @Test
  void aStoppedOrPausedWatchdogNeverFires() throws Exception {
    Watchdog stopped = new Watchdog(vertx, timeouts::add);
    Watchdog paused = new Watchdog(vertx, timeouts::add);
    onLoopThenAfter(300, () -> {
      stopped.watch(20, "stopped");
      stopped.stop();
      paused.watch(20, "paused");
      paused.pause();
    });
    assertEquals(List.of(), timeouts, "a slow client's pause is not the upstream's silence");
    onLoopThenAfter(300, paused::resume);
    assertEquals(List.of("paused"), timeouts, "the window counts again from the resume");
  }
}
