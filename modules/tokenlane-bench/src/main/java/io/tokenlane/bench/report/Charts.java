package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.CancelFigures;
import io.tokenlane.bench.phase.LatencyFigures;
import io.tokenlane.bench.phase.MemoryFigures;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.phase.ThroughputFigures;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The report's plots, each an SVG document built from a run's figures. */
final class Charts {

  static final Map<BenchPath, String> COLORS = Map.of(
    BenchPath.DIRECT, "#6e7781",
    BenchPath.NGINX, "#1a7f37",
    BenchPath.TOKENLANE_OPENAI, "#0969da",
    BenchPath.TOKENLANE_SSE, "#8250df",
    BenchPath.TOKENLANE_WEBSOCKET, "#bf3989",
    BenchPath.TOKENLANE_LONG_POLL, "#bc4c00",
    BenchPath.PORTKEY, "#9a6700");

  private static final String DARK = "#0969da";
  private static final String LIGHT = "#80ccff";

  private Charts() {
  }

  /**
   * Time to first token p50 and p99, and inter-token gap p99, by concurrency, one line per path: what each path
   * takes beyond the upstream's own scripted delay (TTFT minus one delay, gap minus one delay).
   */
  static String latency(RunResult run) {
    double delay = run.plan().paced().delayMs();
    List<LineChart.Series> legend = new ArrayList<>();
    List<LineChart.Series> p50 = new ArrayList<>();
    List<LineChart.Series> p99 = new ArrayList<>();
    List<LineChart.Series> gap = new ArrayList<>();
    for (PathReport report : run.measured()) {
      String color = COLORS.get(report.path());
      String dash = report.path() == BenchPath.DIRECT ? "4 3" : null;
      legend.add(new LineChart.Series(report.path().id(), color, new double[0], dash));
      p50.add(series(run, report, color, dash, figures -> beyond(figures.ttft().p50(), delay)));
      p99.add(series(run, report, color, dash, figures -> beyond(figures.ttft().p99(), delay)));
      gap.add(series(run, report, color, dash, figures -> beyond(figures.gap().p99(), delay)));
    }
    String subtitle = String.format(Locale.ROOT, "beyond the upstream's own %d ms before each token (%d tokens per answer); "
        + "closed loop, %s s window per level; log scale; dashed grey = direct, the floor", run.plan().paced().delayMs(),
      run.plan().paced().tokens(), decimal(run.plan().window().toMillis() / 1000.0));
    return LineChart.render("Latency by concurrency", subtitle, run.plan().levels(), List.of(
      new LineChart.Panel("Time to first token, p50", "ms beyond the upstream's delay", p50, 0, null),
      new LineChart.Panel("Time to first token, p99", "ms beyond the upstream's delay", p99, 0, null),
      new LineChart.Panel("Inter-token gap, p99", "ms beyond the upstream's spacing", gap, 0, null)), legend);
  }

  /** A latency beyond the upstream's scripted delay; a floor of 0.01 ms keeps it on a log scale. */
  private static double beyond(double millis, double delay) {
    return Double.isNaN(millis) ? Double.NaN : Math.max(0.01, millis - delay);
  }

  private static LineChart.Series series(RunResult run, PathReport report, String color, String dash,
                                         ToDoubleFunction<LatencyFigures> figure) {
    double[] values = run.plan().levels().stream()
      .mapToDouble(level -> run.latency(report.path(), level, figure)).toArray();
    return new LineChart.Series(report.path().id(), color, values, dash);
  }

  /** Added time to first token (path minus direct) at the reference level, p50 and p99, with the 1 ms target. */
  static String addedTtft(RunResult run) {
    int level = run.referenceLevel();
    List<BarChart.Row> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      if (report.path() != BenchPath.DIRECT) {
        double p50 = run.added(report.path(), level, figures -> figures.ttft().p50());
        double p99 = run.added(report.path(), level, figures -> figures.ttft().p99());
        rows.add(new BarChart.Row(report.path().id(), new double[] {positive(p50), positive(p99)},
          new String[] {belowFloor(p50), belowFloor(p99)}));
      }
    }
    return BarChart.render("Added time to first token at " + String.format(Locale.ROOT, "%,d", level)
        + " concurrent streams", "path minus direct, same level (a difference of percentiles); target: p99 under 1 ms",
      "ms added", List.of(new BarChart.Measure("p50 added", LIGHT), new BarChart.Measure("p99 added", DARK)), rows, 1,
      "target 1 ms", Charts::millis);
  }

  private static String belowFloor(double added) {
    return added < 0 ? String.format(Locale.ROOT, "below direct's (%s): within the floor's noise", Fmt.ms(added)) : null;
  }

  /** Tokens per second at saturation, per path. */
  static String throughput(RunResult run) {
    List<BarChart.Row> rows = new ArrayList<>();
    double direct = best(run, BenchPath.DIRECT);
    for (PathReport report : run.measured()) {
      ThroughputFigures best = report.bestThroughput();
      rows.add(new BarChart.Row(report.path().id() + (report.path() == BenchPath.DIRECT || best == null ? ""
        : String.format(Locale.ROOT, " (%.0f%%)", 100 * best.tokensPerSecond() / direct)),
        new double[] {best == null ? Double.NaN : best.tokensPerSecond()}, BarChart.notes(1, null)));
    }
    return BarChart.render("Tokens per second at saturation",
      "upstream bursts " + run.plan().burst().tokens() + " tokens per answer, clients go again at once; best level of "
        + run.plan().throughputLevels() + "; target: 80% of direct",
      "tokens delivered per second", List.of(new BarChart.Measure("tokens/s", DARK)), rows,
      Double.isNaN(direct) ? 0 : 0.8 * direct, "80% of direct", BarChart::thousands);
  }

  /** Heap and RSS per idle open stream, per target, at the largest level. */
  static String memory(RunResult run) {
    List<BarChart.Row> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      if (report.memory().isEmpty()) {
        continue;
      }
      MemoryFigures top = report.memory().get(report.memory().size() - 1);
      rows.add(new BarChart.Row(report.path().id() + String.format(Locale.ROOT, " (%,d)", top.open()),
        new double[] {top.heapPerStream() / 1024, top.rssPerStream() / 1024}, BarChart.notes(2, "not a JVM")));
    }
    return BarChart.render("Memory per idle open stream",
      "first token sent, upstream silent; live heap after a full GC and process RSS, minus the same process with none",
      "KB per open stream", List.of(new BarChart.Measure("heap", DARK), new BarChart.Measure("RSS", LIGHT)), rows,
      20, "target: 20 KB heap", value -> String.format(Locale.ROOT, "%.1f", value));
  }

  /** Cancel to upstream close, p50 and p99, per path. */
  static String cancel(RunResult run) {
    List<BarChart.Row> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      CancelFigures cancel = report.cancel();
      if (cancel == null) {
        continue;
      }
      boolean none = cancel.reached() == 0;
      rows.add(new BarChart.Row(report.path().id(), none ? new double[] {Double.NaN, Double.NaN}
        : new double[] {cancel.latency().p50(), cancel.latency().p99()},
        new String[] {none ? "never reached the upstream" : null, null}));
    }
    return BarChart.render("Cancel: client cancel to upstream connection closed",
      "one stream at a time, after its first token; target: p99 under 10 ms on one member", "ms",
      List.of(new BarChart.Measure("p50", LIGHT), new BarChart.Measure("p99", DARK)), rows, 10, "target 10 ms",
      Charts::millis);
  }

  private static double best(RunResult run, BenchPath path) {
    PathReport report = run.get(path);
    ThroughputFigures best = report == null ? null : report.bestThroughput();
    return best == null ? Double.NaN : best.tokensPerSecond();
  }

  /** NaN for a negative value: a bar cannot show it, the row's note says it. */
  private static double positive(double value) {
    return Double.isNaN(value) || value < 0 ? Double.NaN : value;
  }

  private static String millis(double value) {
    return value >= 10 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.2f", value);
  }

  private static String decimal(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }
}
