package io.tokenlane.core.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * How late the event loops run what is due: on each of the Vert.x instance's event loops a probe asks to run
 * every {@code period}, and records how much later than asked it ran. A loop busy with other work, stopped by a
 * garbage collection, or left without a CPU by the operating system runs it late; every stream on that loop waits
 * as long, so this is the gateway's own share of a slow first token or a gap between tokens.
 *
 * <p>As Node.js's {@code monitorEventLoopDelay}, a saturation signal: near zero while the loops keep up, the
 * length of the stall when one happens. One scheduled task per loop and period (50 a second each at 20 ms),
 * nothing per stream or per token.
 */
public final class EventLoopDelay implements AutoCloseable {

  /** How late a task scheduled on an event loop ran. Timer (histogram). */
  public static final String NAME = Meters.EVENT_LOOP_DELAY;
  /** The default time between two probes of one loop. */
  public static final Duration DEFAULT_PERIOD = Duration.ofMillis(20);

  private static final Duration[] BUCKETS = Meters.seconds(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5,
    1, 5);

  private final List<Probe> probes = new ArrayList<>();
  private final Timer delay;

  /**
   * Starts a probe on every event loop.
   *
   * @param vertx the Vert.x instance whose loops to watch
   * @param meters where the timer goes
   * @param period how often each loop is probed
   */
  public EventLoopDelay(Vertx vertx, Meters meters, Duration period) {
    MeterRegistry registry = meters.registry();
    this.delay = meters.track(Timer.builder(NAME)
      .description("how late an event loop ran a task that was due: time it spent on other work, in a garbage"
        + " collection pause, or waiting for a CPU")
      .serviceLevelObjectives(BUCKETS).register(registry));
    long periodNanos = period.toNanos();
    for (EventExecutor executor : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      Probe probe = new Probe((EventLoop) executor, periodNanos);
      probes.add(probe);
      executor.execute(probe::schedule);
    }
  }

  /**
   * Stops the probes: each loop is handed its probe's stop, which runs after what the loop has queued already, so
   * a probe may still record once after this returns. Loops already shutting down are left alone.
   */
  @Override
  public void close() {
    for (Probe probe : probes) {
      if (!probe.loop.isShuttingDown()) {
        try {
          probe.loop.execute(probe::stop);
        } catch (RejectedExecutionException e) {
          // The loop shut down meanwhile, and its scheduled probe with it.
        }
      }
    }
  }

  /** @return how many times each loop's probe ran, by loop: for tests */
  long[] runsPerLoop() {
    return probes.stream().mapToLong(probe -> probe.runs).toArray();
  }

  /** One loop's probe: re-schedules itself, so that a long stall is recorded once, as long as it was. */
  private final class Probe implements Runnable {
    private final EventLoop loop;
    private final long periodNanos;
    private long dueNanos;
    private ScheduledFuture<?> next;
    private boolean stopped;
    // Written by its loop only; read by tests.
    private volatile long runs;

    Probe(EventLoop loop, long periodNanos) {
      this.loop = loop;
      this.periodNanos = periodNanos;
    }

    /** On the loop. */
    void schedule() {
      if (!stopped) {
        dueNanos = System.nanoTime() + periodNanos;
        next = loop.schedule(this, periodNanos, TimeUnit.NANOSECONDS);
      }
    }

    /** On the loop. */
    void stop() {
      stopped = true;
      if (next != null) {
        next.cancel(false);
      }
    }

    @Override
    public void run() {
      delay.record(Math.max(0, System.nanoTime() - dueNanos), TimeUnit.NANOSECONDS);
      runs++;
      schedule();
    }
  }
}
