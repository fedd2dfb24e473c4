package io.tokenlane.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
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
      awaitTrue(() -> Arrays.stream(delay.runsPerLoop()).allMatch(runs -> runs >= 3),
        () -> "a loop was not probed: " + Arrays.toString(delay.runsPerLoop()));
      assertEquals(2, delay.runsPerLoop().length, "one probe per event loop");
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
      awaitTrue(() -> timer.max(TimeUnit.MILLISECONDS) >= 250, () -> "no 250 ms sample: " + timer.takeSnapshot());
      assertTrue(timer.max(TimeUnit.MILLISECONDS) < 10_000, timer.takeSnapshot().toString());
      HistogramSnapshot snapshot = timer.takeSnapshot();
      double atOrBelow100ms = Arrays.stream(snapshot.histogramCounts())
        .filter(bucket -> bucket.bucket(TimeUnit.MILLISECONDS) <= 100).mapToDouble(CountAtBucket::count).max()
        .orElse(0);
      assertTrue(atOrBelow100ms < snapshot.count(), "the stall is counted above the 100 ms bucket: " + snapshot);
    }
  }

  @Test
  void closeStopsTheProbesOnEveryLoop() throws Exception {
    EventLoopDelay delay = new EventLoopDelay(vertx, meters, Duration.ofMillis(5));
    Timer timer = registry.get(EventLoopDelay.NAME).timer();
    awaitTrue(() -> Arrays.stream(delay.runsPerLoop()).allMatch(runs -> runs >= 2), () -> "probes never ran");
    delay.close();
    // close() hands each loop its stop; a task queued on every loop after it runs once the stops did.
    CountDownLatch after = new CountDownLatch(2);
    for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      loop.execute(after::countDown);
    }
    assertTrue(after.await(10, TimeUnit.SECONDS));
    long count = timer.count();
    // Ten probe periods later, nothing more was recorded.
    Promise<Void> later = Promise.promise();
    vertx.setTimer(50, t -> later.complete());
    later.future().await(10, TimeUnit.SECONDS);
    assertEquals(count, timer.count());
  }

  private static void awaitTrue(BooleanSupplier condition, Supplier<String> message) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(message.get());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
