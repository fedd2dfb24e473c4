package io.tokenlane.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The event-loop delay probe: a stall of a loop is recorded as long as it was, and close stops the probes. */
class EventLoopDelayTest {

  private Vertx vertx;
  private SimpleMeterRegistry registry;
  private Meters meters;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    registry = new SimpleMeterRegistry();
    meters = new Meters(registry);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aStalledLoopIsRecordedAsLongAsItStalledAndEveryLoopIsProbed() throws Exception {
    try (EventLoopDelay delay = new EventLoopDelay(vertx, meters, Duration.ofMillis(10))) {
      Timer timer = registry.get(EventLoopDelay.NAME).timer();
      // Both loops' probes run: many more samples than one loop alone gives before this many periods pass.
      awaitTrue(() -> timer.count() >= 20, "probes never ran");
      Context context = vertx.getOrCreateContext();
      Promise<Void> stalled = Promise.promise();
      context.runOnContext(v -> {
        // A handler that keeps its loop for 300 ms, as a blocking call would.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        stalled.complete();
      });
      stalled.future().await(10, TimeUnit.SECONDS);
      // The probe of that loop was due during the stall: it ran at least 300 ms minus one period late.
      awaitTrue(() -> countAbove(timer, 0.25) >= 1, "no sample above 250 ms: " + timer.takeSnapshot());
      assertTrue(timer.max(TimeUnit.MILLISECONDS) >= 250, timer.takeSnapshot().toString());
      assertTrue(timer.max(TimeUnit.MILLISECONDS) < 10_000, timer.takeSnapshot().toString());
    }
  }

  @Test
  void closeStopsTheProbes() throws Exception {
    EventLoopDelay delay = new EventLoopDelay(vertx, meters, Duration.ofMillis(5));
    Timer timer = registry.get(EventLoopDelay.NAME).timer();
    awaitTrue(() -> timer.count() >= 4, "probes never ran");
    delay.close();
    // close() hands each loop its stop; a task queued after it on every loop runs once the stops did.
    for (int i = 0; i < 4; i++) {
      Promise<Void> after = Promise.promise();
      vertx.getOrCreateContext().runOnContext(v -> after.complete());
      after.future().await(10, TimeUnit.SECONDS);
    }
    long count = timer.count();
    // Ten probe periods later, nothing more was recorded.
    Promise<Void> later = Promise.promise();
    vertx.setTimer(50, t -> later.complete());
    later.future().await(10, TimeUnit.SECONDS);
    assertEquals(count, timer.count());
  }

  private static double countAbove(Timer timer, double seconds) {
    double atOrBelow = 0;
    for (CountAtBucket bucket : timer.takeSnapshot().histogramCounts()) {
      if (bucket.bucket(TimeUnit.SECONDS) <= seconds) {
        atOrBelow = Math.max(atOrBelow, bucket.count());
      }
    }
    return timer.count() - atOrBelow;
  }

  private static void awaitTrue(BooleanSupplier condition, String message) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(message);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
