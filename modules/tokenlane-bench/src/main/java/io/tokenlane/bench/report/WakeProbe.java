package io.tokenlane.bench.report;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * How long this machine takes to run a thread that was woken while it slept: the floor under every hop between
 * event loops (and processes) at low load. One thread sleeps a few ms, then unparks another and spins until it runs.
 */
final class WakeProbe {

  private static final int SAMPLES = 150;

  private static volatile long woke;

  private WakeProbe() {
  }

  /** @return "p50 X µs, p99 Y µs, max Z µs" */
  static String measure() {
    Thread sleeper = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        LockSupport.park();
        woke = System.nanoTime();
      }
    }, "bench-wake-probe");
    sleeper.setDaemon(true);
    sleeper.start();
    long[] micros = new long[SAMPLES];
    try {
      for (int i = 0; i < SAMPLES; i++) {
        Thread.sleep(8);
        woke = 0;
        long sent = System.nanoTime();
        LockSupport.unpark(sleeper);
        while (woke == 0) {
          Thread.onSpinWait();
        }
        micros[i] = (woke - sent) / 1000;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "not measured";
    } finally {
      sleeper.interrupt();
      LockSupport.unpark(sleeper);
    }
    Arrays.sort(micros);
    return String.format(Locale.ROOT, "p50 %d µs, p90 %d µs, p99 %d µs, max %d µs (unpark to running, %d samples)",
      micros[SAMPLES / 2], micros[SAMPLES * 9 / 10], micros[SAMPLES * 99 / 100], micros[SAMPLES - 1], SAMPLES);
  }
}
