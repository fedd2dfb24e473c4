package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.LoadFigures;
import io.tokenlane.bench.phase.PathReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's section on CPU time per delivered token: issue 8's steadiest figure, per path at every level and
 * interval, with the ratios its targets use.
 */
final class CpuSection {

  private CpuSection() {
  }

  static void write(Md md, RunResult run) {
    md.heading(2, "CPU per delivered token");
    md.image("CPU time of the target per delivered token", ReportWriter.CPU_SVG);
    md.paragraph("User + system CPU time of all the target's processes during the measured window (from "
      + "`/proc/PID/stat`, 10 ms ticks), divided by the tokens delivered to clients in the window. It depends little "
      + "on the machine's noise, unlike latency percentiles. At " + run.plan().referenceInterval() + " ms between "
      + "tokens every path gets the same offered load below saturation, so the headline is taken there, at "
      + run.referenceCell() + "; at 0 ms each path runs as fast as it can and batching on every side lowers the "
      + "cost of a token.");
    List<String> header = new ArrayList<>(List.of("path"));
    for (long interval : run.plan().intervalsMs()) {
      for (int level : run.plan().levels()) {
        header.add(String.format(Locale.ROOT, "%,d streams, %d ms", level, interval));
      }
    }
    header.addAll(List.of("÷ nginx (" + run.referenceCell() + ")", "÷ openai-sse", "in the kernel / in user space ("
      + run.referenceCell() + ")"));
    List<List<String>> rows = new ArrayList<>();
    double nginx = run.cpuPerToken(BenchPath.NGINX);
    double openAi = run.cpuPerToken(BenchPath.TOKENLANE_OPENAI);
    for (PathReport report : run.measured()) {
      BenchPath path = report.path();
      if (path == BenchPath.DIRECT) {
        continue;
      }
      List<String> row = new ArrayList<>(List.of(path.id()));
      for (long interval : run.plan().intervalsMs()) {
        for (int level : run.plan().levels()) {
          row.add(Fmt.micros(run.cpuPerToken(path, level, interval)));
        }
      }
      double own = run.cpuPerToken(path);
      row.add(path == BenchPath.NGINX ? "1.00×" : Fmt.ratio(own / nginx));
      row.add(path.isTokenlane() ? Fmt.ratio(own / openAi) : "");
      row.add(kernelAndUser(run, path, own));
      rows.add(row);
    }
    md.table(header, rows);
    md.paragraph("*In the kernel*: the system CPU time (`stime`) of the same processes, system calls and the network "
      + "stack; *in user space* the rest (`utime`): the proxy's own code, and for a JVM its JIT and garbage collector.");
    md.paragraph("Targets: the OpenAI-compatible path within " + Fmt.ratio(Goals.CPU_VS_NGINX) + " nginx's "
      + "(moonshot: parity); the native transports within " + Fmt.ratio(Goals.NATIVE_VS_OPENAI) + " the OpenAI "
      + "path's" + (run.get(BenchPath.TOKENLANE_ANTHROPIC) == null ? "" : "; tokenlane-anthropic (an Anthropic-format "
      + "upstream's events translated to OpenAI chunks) within " + Fmt.ratio(Goals.ANTHROPIC_VS_OPENAI) + " the "
      + "OpenAI pass-through's (issue 12)") + ". The direct path has no hop, so no figure.");
  }

  /** "9.1 µs / 8.2 µs": the reference cell's CPU per token split between the kernel and user space. */
  private static String kernelAndUser(RunResult run, BenchPath path, double perToken) {
    LoadFigures at = run.load(path, run.plan().referenceLevel(), run.plan().referenceInterval());
    double kernel = at == null ? Double.NaN : at.cpu().targetKernelShare();
    if (Double.isNaN(kernel) || Double.isNaN(perToken)) {
      return "";
    }
    return Fmt.micros(kernel * perToken) + " / " + Fmt.micros((1 - kernel) * perToken);
  }
}
