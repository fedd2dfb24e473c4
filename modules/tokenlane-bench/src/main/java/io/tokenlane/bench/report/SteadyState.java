package io.tokenlane.bench.report;

import io.tokenlane.bench.phase.CpuUse;
import io.tokenlane.bench.phase.LoadFigures;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.phase.WarmupFigures;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether the figures were taken at steady state: the warm-up each path got, and how much of the gateway's CPU its
 * JIT compiler threads took in the measured windows (near zero once the JIT is done).
 */
final class SteadyState {

  private SteadyState() {
  }

  static Goals.Goal goal(RunResult run) {
    String target = "Measured at steady state: the JIT compiler threads' share of the gateway's CPU near zero (at "
      + "most " + Fmt.percent(CpuUse.QUIET_JIT_SHARE) + ") in every measured window";
    List<Goals.Value> values = new ArrayList<>();
    List<String> busy = new ArrayList<>();
    for (PathReport report : run.tokenlane()) {
      double worst = worstShare(report);
      values.add(new Goals.Value(report.path(), worst, "at most " + Fmt.percentOne(worst) + warmupText(report)));
      if (!allQuiet(report) || report.warmup() != null && !report.warmup().steady()) {
        busy.add(GoalText.shortName(report.path()));
      }
    }
    Goals.Verdict verdict = values.isEmpty() ? Goals.Verdict.NOT_MEASURED
      : busy.isEmpty() ? Goals.Verdict.MET : busy.size() == values.size() ? Goals.Verdict.MISSED : Goals.Verdict.PARTLY;
    return new Goals.Goal(target, GoalText.join(values), verdict, busy.isEmpty() ? ""
      : "The JIT was still compiling on " + String.join(", ", busy) + ": the warm-up reached its cap of "
        + Fmt.seconds(run.plan().warmup().max()) + " first, or code was recompiled during the measurements, so "
        + "those figures include compiler work. A longer `--warmup-max` (or a quieter machine) helps.");
  }

  private static String warmupText(PathReport report) {
    WarmupFigures warmup = report.warmup();
    return warmup == null ? "" : String.format(Locale.ROOT, " (warm-up %.0f s, %s tokens%s)", warmup.seconds(),
      Fmt.count(warmup.tokens()), warmup.steady() ? "" : ", capped");
  }

  static void section(Md md, RunResult run) {
    md.heading(2, "Steady state: warm-up and the JIT compilers");
    md.paragraph(String.format(Locale.ROOT, "Before its measurements each path opens as many connections as its "
        + "largest level at once (opening hundreds of connections recompiles the read path the tokens take: done in "
        + "the warm-up, not in the first measured window), then runs closed-loop rounds of %.1f s, "
        + "cycling through the intervals it is measured at, until in the last round of each every JVM on the path "
        + "(the gateway, the fake upstream, the load generator) spent at most %s of its CPU (or one 10 ms clock "
        + "tick) in its JIT compiler threads (`C1/C2 CompilerThre` in `/proc/PID/task/*/comm`, CPU from "
        + "`/proc/PID/task/*/stat`), and a new JVM delivered at least %s tokens (the issue's harness needed about "
        + "6,000 requests and 400,000 tokens). The cap is %s. nginx and Portkey have no JVM; their warm-up waits "
        + "for the upstream's and the load generator's.", run.plan().warmup().round().toMillis() / 1000.0,
      Fmt.percent(CpuUse.QUIET_JIT_SHARE), Fmt.count(run.plan().warmup().minTokens()),
      Fmt.seconds(run.plan().warmup().max())));
    List<List<String>> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      WarmupFigures warmup = report.warmup();
      if (warmup == null) {
        continue;
      }
      rows.add(List.of(report.path().id(), String.format(Locale.ROOT, "%.1f s", warmup.seconds()),
        Fmt.count(warmup.streams()), Fmt.count(warmup.tokens()), warmup.steady() ? "JIT quiet" : "**cap reached**",
        warmup.describeShares(), report.path().isTokenlane() ? Fmt.percentOne(worstShare(report)) + " / "
          + Fmt.percentOne(pooledShare(report)) : "not a JVM"));
    }
    md.table(List.of("path", "warm-up", "streams", "tokens", "ended by", "compiler share at its end",
      "gateway compiler share in the measured windows, worst / all"), rows);
  }

  /** @return the gateway's largest compiler share over the measured windows, or NaN */
  static double worstShare(PathReport report) {
    return report.loads().stream().map(LoadFigures::cpu).mapToDouble(CpuUse::targetJitShare)
      .filter(share -> !Double.isNaN(share)).max().orElse(Double.NaN);
  }

  /** @return the gateway's compiler CPU over all its measured windows, against its CPU in them */
  static double pooledShare(PathReport report) {
    double compiler = 0;
    double total = 0;
    for (LoadFigures figures : report.loads()) {
      compiler += figures.cpu().targetJit() * figures.cpu().seconds();
      total += figures.cpu().target() * figures.cpu().seconds();
    }
    return total > 0 ? compiler / total : Double.NaN;
  }

  private static boolean allQuiet(PathReport report) {
    return report.loads().stream().allMatch(figures -> figures.cpu().targetJitQuiet());
  }
}
