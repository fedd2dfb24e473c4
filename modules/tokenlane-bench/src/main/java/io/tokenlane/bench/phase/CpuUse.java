package io.tokenlane.bench.phase;

/**
 * Cores busy during a window (1.0 = one core all the time), per party.
 *
 * @param target the gateway or proxy (0 for direct)
 * @param upstream the fake upstream
 * @param bench the load generator's JVM
 * @param machine the whole machine
 */
public record CpuUse(double target, double upstream, double bench, double machine) {

  public static final CpuUse NONE = new CpuUse(0, 0, 0, 0);

  /** @return busy time of the machine not used by the run's processes (anything else running) */
  public double other() {
    return Math.max(0, machine - target - upstream - bench);
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "target %.2f, upstream %.2f, bench %.2f, other %.2f", target, upstream,
      bench, other());
  }
}
