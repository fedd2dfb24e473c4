package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.HeapAfterLoad;
import io.tokenlane.bench.phase.MemoryFigures;
import io.tokenlane.bench.phase.PathReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The report's last word: the costs the run found, from its own figures. */
final class ClosingNote {

  private ClosingNote() {
  }

  static String text(RunResult run) {
    List<String> findings = new ArrayList<>();
    double openAi = run.cpuPerToken(BenchPath.TOKENLANE_OPENAI);
    double nginx = run.cpuPerToken(BenchPath.NGINX);
    if (!Double.isNaN(openAi)) {
      findings.add(String.format(Locale.ROOT, "CPU: a token through Tokenlane's OpenAI API costs the gateway %s "
          + "(%s nginx's %s) at %s. %s", Fmt.micros(openAi), Fmt.ratio(openAi / nginx), Fmt.micros(nginx),
        run.referenceCell(), GoalText.profiles(run, List.of(BenchPath.TOKENLANE_OPENAI))
          + PerfSection.gap(run, BenchPath.TOKENLANE_OPENAI, BenchPath.NGINX)));
    }
    int level = run.plan().largestLevel();
    long interval = run.plan().referenceInterval();
    double worstAdded = Double.NaN;
    BenchPath worst = null;
    for (PathReport report : run.tokenlaneBesideDirect()) {
      double added = run.added(report.path(), level, interval, f -> f.ttft().p99());
      if (worst == null || added > worstAdded) {
        worstAdded = added;
        worst = report.path();
      }
    }
    if (worst != null) {
      findings.add(String.format(Locale.ROOT, "Latency: at %s the slowest transport to a first token is %s (%s at "
        + "p99 over direct).", RunResult.cell(level, interval), worst.id(), Fmt.addedMs(worstAdded)));
    }
    for (PathReport report : run.tokenlane()) {
      MemoryFigures top = GoalText.largest(report);
      if (top != null && !Double.isNaN(top.heapPerStream())) {
        findings.add(String.format(Locale.ROOT, "Memory on %s: %s of heap per idle stream, mostly %s.",
          report.path().id(), Fmt.kb(top.heapPerStream()), GoalText.growthText(top)));
        break;
      }
    }
    String retention = retention(run);
    if (!retention.isEmpty()) {
      findings.add("Memory under sustained load: " + retention);
    }
    return findings.isEmpty() ? "Tokenlane was not measured in this run." : String.join("\n\n", findings);
  }

  /** Ended streams kept for resume, projected with the gateway's defaults; empty when not measured. */
  static String retention(RunResult run) {
    HeapAfterLoad worst = null;
    PathReport worstPath = null;
    for (PathReport report : run.measured()) {
      HeapAfterLoad after = report.heapAfterLoad();
      if (after != null && after.streamsKept() > 100 && !Double.isNaN(after.bytesPerKeptStream())
        && (worst == null || after.bytesPerKeptStream() > worst.bytesPerKeptStream())) {
        worst = after;
        worstPath = report;
      }
    }
    if (worst == null) {
      return "";
    }
    double room = DEFAULT_HEAP - worst.freshBytes();
    double fits = room / worst.bytesPerKeptStream();
    return String.format(Locale.ROOT, "an ended native stream stays in the hub for its resume window (5 minutes by "
        + "default) and holds %s of heap there (%s: %,d kept after the load phases; largest classes %s). A 512 MB "
        + "gateway has room for about %,.0f of them beside its running streams, so `streams.maxStreams` (the bound on "
        + "streams kept) must stay well below that; above `maxStreams` / 300 s ended streams per second, the bound "
        + "forgets them before their resume window is over.", Fmt.kb(worst.bytesPerKeptStream()), worstPath.path().id(),
      worst.streamsKept(), worst.growth().stream().limit(3).map(growth -> GoalText.simpleClass(growth.className()))
        .toList().toString().replace("[", "").replace("]", ""), fits);
  }

  private static final double DEFAULT_HEAP = 512 * 1048576.0;
}
