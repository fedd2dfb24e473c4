package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.phase.PerfFigures;
import io.tokenlane.bench.proc.PerfProfile;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The report's {@code perf} section: CPU per delivered token of every target by where it ran (system calls in the
 * kernel, the JIT compiler, the collector, compiled code by library), side by side, and each one's hottest functions.
 */
final class PerfSection {

  /** Functions listed per path. */
  private static final int TOP = 8;
  /** User-space parts named in a target's explanation. */
  private static final int PARTS_NAMED = 4;

  private PerfSection() {
  }

  static List<PathReport> profiled(RunResult run) {
    return run.measured().stream().filter(report -> report.perf() != null && report.perf().tokens() > 0).toList();
  }

  static void write(Md md, RunResult run) {
    List<PathReport> profiled = profiled(run);
    if (profiled.isEmpty()) {
      return;
    }
    PerfFigures first = profiled.get(0).perf();
    md.heading(2, "Where the CPU goes, kernel included (perf)");
    md.paragraph(String.format(Locale.ROOT, "Linux `perf record -e cpu-clock -F %d -g` samples of each target's "
        + "processes in a window of its own after its measurements, at %s (the headline's level): CPU per delivered "
        + "token by where it ran. A kernel sample is named by the system call it ran under (on loopback a send also "
        + "runs the receiver's TCP input, so it costs more than a receive); a JVM's compiled code by library, from "
        + "the map `jcmd PID Compiler.perfmap` writes; the compiler and collector by their threads. nginx and "
        + "Node count as one program each. Unlike JFR, perf sees the kernel, the JIT and GC threads and native code, "
        + "so nginx and the gateway are measured alike. Its window is not the one *CPU per token* above is from, so "
        + "the totals differ from it by what runs on this machine spread (perf's sampling adds a little).",
      PerfProfile.FREQUENCY,
      RunResult.cell(first.concurrency(), first.intervalMs())));
    Set<String> parts = new LinkedHashSet<>();
    profiled.forEach(report -> report.perf().profile().byPart().keySet().stream()
      .filter(name -> name.startsWith("kernel:")).forEach(parts::add));
    profiled.forEach(report -> report.perf().profile().byPart().keySet().stream()
      .filter(name -> !name.startsWith("kernel:")).forEach(parts::add));
    List<String> header = new ArrayList<>(List.of("µs per delivered token"));
    profiled.forEach(report -> header.add(report.path().id()));
    List<List<String>> rows = new ArrayList<>();
    for (String part : parts) {
      List<String> row = new ArrayList<>(List.of(part));
      profiled.forEach(report -> {
        long samples = report.perf().profile().samplesOf(part);
        row.add(samples == 0 ? "" : Fmt.micros(report.perf().microsPerToken(samples)));
      });
      rows.add(row);
    }
    rows.add(totalRow("**in the kernel**", profiled, PerfFigures::kernelMicrosPerToken));
    rows.add(totalRow("**in user space**", profiled, PerfFigures::userMicrosPerToken));
    rows.add(totalRow("**all**", profiled, PerfFigures::totalMicrosPerToken));
    List<String> samples = new ArrayList<>(List.of("samples / cores used"));
    profiled.forEach(report -> samples.add(String.format(Locale.ROOT, "%,d / %s", report.perf().profile().samples(),
      Fmt.cores(report.perf().cores()))));
    rows.add(samples);
    md.table(header, rows);
    for (PathReport report : profiled) {
      PerfFigures perf = report.perf();
      List<List<String>> top = new ArrayList<>();
      for (PerfProfile.Part function : perf.profile().topFunctions().subList(0,
        Math.min(TOP, perf.profile().topFunctions().size()))) {
        top.add(List.of("`" + function.name() + "`", Fmt.micros(perf.microsPerToken(function.samples()))));
      }
      if (!top.isEmpty()) {
        md.table(List.of(report.path().id() + ": hottest user-space functions (self)", "µs per token"), top);
      }
    }
  }

  private static List<String> totalRow(String name, List<PathReport> profiled,
                                       java.util.function.ToDoubleFunction<PerfFigures> value) {
    List<String> row = new ArrayList<>(List.of(name));
    profiled.forEach(report -> row.add("**" + Fmt.micros(value.applyAsDouble(report.perf())) + "**"));
    return row;
  }

  /**
   * What perf says of {@code path} against {@code base} in a sentence: where each spends its CPU per token, kernel
   * against user space, and the largest user-space parts of {@code path}. Empty when either has no perf profile.
   */
  static String gap(RunResult run, BenchPath path, BenchPath base) {
    PathReport mine = run.get(path);
    PathReport theirs = run.get(base);
    if (mine == null || theirs == null || mine.perf() == null || theirs.perf() == null || mine.perf().tokens() == 0
      || theirs.perf().tokens() == 0) {
      return "";
    }
    PerfFigures a = mine.perf();
    PerfFigures b = theirs.perf();
    List<String> named = new ArrayList<>();
    for (var entry : a.profile().byPart().entrySet()) {
      if (!entry.getKey().startsWith("kernel:") && named.size() < PARTS_NAMED) {
        named.add(entry.getKey() + " " + Fmt.micros(a.microsPerToken(entry.getValue())));
      }
    }
    double kernelGap = a.kernelMicrosPerToken() - b.kernelMicrosPerToken();
    double userGap = a.userMicrosPerToken() - b.userMicrosPerToken();
    return String.format(Locale.ROOT, " perf (its own window at %s): %s %s per token, %s in the kernel and %s in "
        + "user space; %s %s, %s and %s. The difference is %s in the kernel and %s in user space; %s's user space: %s.",
      RunResult.cell(a.concurrency(), a.intervalMs()), GoalText.shortName(path), Fmt.micros(a.totalMicrosPerToken()),
      Fmt.micros(a.kernelMicrosPerToken()), Fmt.micros(a.userMicrosPerToken()), GoalText.shortName(base),
      Fmt.micros(b.totalMicrosPerToken()), Fmt.micros(b.kernelMicrosPerToken()), Fmt.micros(b.userMicrosPerToken()),
      signed(kernelGap), signed(userGap), GoalText.shortName(path), String.join(", ", named));
  }

  private static String signed(double micros) {
    return (micros >= 0 ? "+" : "−") + Fmt.micros(Math.abs(micros));
  }
}
