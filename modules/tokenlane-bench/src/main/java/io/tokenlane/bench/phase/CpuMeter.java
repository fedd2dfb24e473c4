package io.tokenlane.bench.phase;

import io.tokenlane.bench.proc.ProcStats;
import java.util.List;

/** Measures {@link CpuUse} between {@link #start()} and {@link #stop()}, from {@code /proc}. */
final class CpuMeter {

  private final List<Long> target;
  private final long targetJvm;
  private final List<Long> upstream;
  private final List<Long> bench = List.of(ProcessHandle.current().pid());
  private double[] started;
  private long startNanos;

  /**
   * @param target the target's processes
   * @param targetJvm the target's JVM, whose compiler threads are measured, or -1
   * @param upstreamPid the fake upstream
   */
  CpuMeter(List<Long> target, long targetJvm, long upstreamPid) {
    this.target = target;
    this.targetJvm = targetJvm;
    this.upstream = List.of(upstreamPid);
  }

  /** A meter for the path's processes. */
  static CpuMeter of(PhaseContext ctx) {
    return new CpuMeter(ctx.target.pids(), ctx.target.jvmPid(), ctx.upstream.pid());
  }

  void start() {
    startNanos = System.nanoTime();
    started = sample();
  }

  CpuUse stop() {
    double[] now = sample();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    return new CpuUse((now[0] - started[0]) / seconds, (now[1] - started[1]) / seconds,
      (now[5] - started[5]) / seconds, (now[2] - started[2]) / seconds, (now[3] - started[3]) / seconds,
      (now[4] - started[4]) / seconds, seconds);
  }

  private double[] sample() {
    return new double[] {ProcStats.cpuSeconds(target),
      targetJvm > 0 ? ProcStats.threadCpuSeconds(targetJvm, ProcStats::isCompilerThread) : 0,
      ProcStats.cpuSeconds(upstream), ProcStats.cpuSeconds(bench), ProcStats.machineCpuSeconds(),
      ProcStats.systemCpuSeconds(target)};
  }
}
