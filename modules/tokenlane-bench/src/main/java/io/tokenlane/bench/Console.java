package io.tokenlane.bench;

import java.io.PrintStream;

/** Progress on the console as the run goes: one line per step, with the time since the start. */
public final class Console {

  private final PrintStream out;
  private final long startNanos = System.nanoTime();

  public Console(PrintStream out) {
    this.out = out;
  }

  /** Prints one progress line. */
  public void step(String format, Object... args) {
    out.printf("[%6.1fs] %s%n", seconds(), String.format(format, args));
    out.flush();
  }

  /** @return seconds since the run started */
  public double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
