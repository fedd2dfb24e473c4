package io.tokenlane.bench.phase;

import io.tokenlane.bench.Console;
import io.tokenlane.bench.proc.ProcStats;
import java.time.Duration;

/**
 * Waits, between paths, for other work on the machine (a build, someone's tests) to calm down, so that a path is
 * not measured on cores somebody else is using. Nothing of the bench's runs at that moment.
 */
public final class QuietMachine {

  /** Busy cores from others below which the machine counts as quiet. */
  public static final double QUIET_CORES = 0.3;

  private QuietMachine() {
  }

  /** Seconds in a row the machine must be quiet: builds and test runs pause for a second between steps. */
  static final int QUIET_SECONDS = 3;

  /** @return the cores others kept busy during the last second of the wait */
  public static double await(Console console, Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    double busy = busyCores();
    int quiet = busy <= QUIET_CORES ? 1 : 0;
    boolean told = false;
    while (quiet < QUIET_SECONDS && System.nanoTime() < deadline) {
      if (!told && busy > QUIET_CORES) {
        console.step("waiting for the machine to quiet down: %.2f cores busy with other work (up to %d s)", busy,
          max.toSeconds());
        told = true;
      }
      busy = busyCores();
      quiet = busy <= QUIET_CORES ? quiet + 1 : 0;
    }
    if (told) {
      console.step(quiet < QUIET_SECONDS ? "still %.2f cores busy with other work: measuring anyway" : "quiet (%.2f)", busy);
    }
    return busy;
  }

  private static double busyCores() {
    double before = ProcStats.machineCpuSeconds();
    long start = System.nanoTime();
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return (ProcStats.machineCpuSeconds() - before) / ((System.nanoTime() - start) / 1e9);
  }
}
