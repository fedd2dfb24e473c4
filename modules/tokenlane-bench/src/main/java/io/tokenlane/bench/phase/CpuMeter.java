package io.tokenlane.bench.phase;

import io.tokenlane.bench.proc.ProcStats;
import java.util.List;

/** Measures {@link CpuUse} between {@link #start()} and {@link #stop()}, from {@code /proc}. */
final class CpuMeter {

  private final List<Long> target;
  private final List<Long> upstream;
  private final List<Long> bench = List.of(ProcessHandle.current().pid());
  private double[] started;
  private long startNanos;

  CpuMeter(List<Long> target, long upstreamPid) {
    this.target = target;
    this.upstream = List.of(upstreamPid);
  }

  void start() {
    startNanos = System.nanoTime();
    started = sample();
  }

  CpuUse stop() {
    double[] now = sample();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    return new CpuUse((now[0] - started[0]) / seconds, (now[1] - started[1]) / seconds,
      (now[2] - started[2]) / seconds, (now[3] - started[3]) / seconds);
  }

  private double[] sample() {
    return new double[] {ProcStats.cpuSeconds(target), ProcStats.cpuSeconds(upstream), ProcStats.cpuSeconds(bench),
      ProcStats.machineCpuSeconds()};
  }
}
