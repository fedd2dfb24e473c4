package io.tokenlane.bench.phase;

/**
 * Cores busy during a window (1.0 = one core all the time), per party.
 *
 * @param target the gateway or proxy, all its processes (0 for direct)
 * @param targetJit the target's JIT compiler threads (a JVM target only; 0 otherwise)
 * @param targetKernel the part of {@code target} spent in the kernel (system calls, the network stack)
 * @param upstream the fake upstream
 * @param bench the load generator's JVM
 * @param machine the whole machine
 * @param seconds the window's length
 */
public record CpuUse(double target, double targetJit, double targetKernel, double upstream, double bench, double machine,
                     double seconds) {

  public static final CpuUse NONE = new CpuUse(0, 0, 0, 0, 0, 0, 0);

  /** A JIT compiler share at most this large is "near zero"... */
  public static final double QUIET_JIT_SHARE = 0.02;
  /** ...and so is one clock tick of compiler time ({@code /proc} counts in 10 ms ticks). */
  public static final double QUIET_JIT_SECONDS = 0.01;

  /**
   * @param processSeconds CPU seconds of a JVM over a window
   * @param compilerSeconds CPU seconds of its JIT compiler threads over the same window
   * @return whether its compilers were near idle: what steady state means here
   */
  public static boolean jitQuiet(double processSeconds, double compilerSeconds) {
    return compilerSeconds <= Math.max(QUIET_JIT_SHARE * processSeconds, QUIET_JIT_SECONDS);
  }

  /** @return whether the target's compilers were near idle in the window (true for a target that is not a JVM) */
  public boolean targetJitQuiet() {
    return jitQuiet(target * seconds, targetJit * seconds);
  }

  /** @return busy time of the machine not used by the run's processes (anything else running) */
  public double other() {
    return Math.max(0, machine - target - upstream - bench);
  }

  /** @return the share of the target's CPU spent in the kernel, or NaN when the target used none */
  public double targetKernelShare() {
    return target > 0 ? targetKernel / target : Double.NaN;
  }

  /** @return the share of the target's CPU its JIT compilers used, or NaN when the target used none */
  public double targetJitShare() {
    return target > 0 ? targetJit / target : Double.NaN;
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT,
      "target %.2f (JIT %.1f%%, kernel %.0f%%), upstream %.2f, bench %.2f, other %.2f", target,
      100 * (target > 0 ? targetJit / target : 0), 100 * (target > 0 ? targetKernel / target : 0), upstream, bench,
      other());
  }
}
