package io.tokenlane.bench.phase;

import io.tokenlane.bench.proc.ProcStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How busy the JIT compilers of a path's JVMs were between {@link #start()} and {@link #stop()}: the threads
 * HotSpot names {@code C1 CompilerThread} and {@code C2 CompilerThread}, against their whole process.
 */
final class JitMeter {

  /**
   * One JVM's compilers over the window.
   *
   * @param role what the JVM is (gateway, upstream, load generator)
   * @param processSeconds CPU seconds of the whole process
   * @param compilerSeconds CPU seconds of its compiler threads
   */
  record Share(String role, double processSeconds, double compilerSeconds) {

    /** @return the compilers' share of the process's CPU, 0 when it used none */
    double fraction() {
      return processSeconds > 0 ? compilerSeconds / processSeconds : 0;
    }

    /** @return whether the compilers were near idle */
    boolean quiet() {
      return CpuUse.jitQuiet(processSeconds, compilerSeconds);
    }
  }

  private final Map<String, Long> jvms;
  private final List<double[]> started = new ArrayList<>();

  /** @param jvms process id per role, in report order */
  JitMeter(Map<String, Long> jvms) {
    this.jvms = jvms;
  }

  /** The path's JVMs: the gateway (when the target is one), the fake upstream and this load generator. */
  static JitMeter of(PhaseContext ctx) {
    Map<String, Long> jvms = new LinkedHashMap<>();
    if (ctx.target.jvmPid() > 0) {
      jvms.put("gateway", ctx.target.jvmPid());
    }
    jvms.put("upstream", ctx.upstream.pid());
    jvms.put("load generator", ProcessHandle.current().pid());
    return new JitMeter(jvms);
  }

  void start() {
    started.clear();
    jvms.values().forEach(pid -> started.add(sample(pid)));
  }

  List<Share> stop() {
    List<Share> shares = new ArrayList<>();
    int i = 0;
    for (Map.Entry<String, Long> jvm : jvms.entrySet()) {
      double[] now = sample(jvm.getValue());
      double[] before = started.get(i++);
      shares.add(new Share(jvm.getKey(), now[0] - before[0], now[1] - before[1]));
    }
    return shares;
  }

  private static double[] sample(long pid) {
    return new double[] {ProcStats.cpuSeconds(List.of(pid)), ProcStats.threadCpuSeconds(pid, ProcStats::isCompilerThread)};
  }
}
