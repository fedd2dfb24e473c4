package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.CancelFigures;
import io.tokenlane.bench.phase.LoadFigures;
import io.tokenlane.bench.phase.MemoryFigures;
import io.tokenlane.bench.phase.PathReport;
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
    BenchPath.TOKENLANE_ANTHROPIC, "#1b7c83",
    BenchPath.PORTKEY, "#9a6700");

  private static final String DARK = "#0969da";
  private static final String LIGHT = "#80ccff";

  private Charts() {
  }

  /**
   * Time to first token p99 by concurrency, one panel per interval, one line per path in front of direct's upstream:
   * what each path takes beyond the upstream's own pause before the first token.
   */
  static String latency(RunResult run) {
    List<LineChart.Series> legend = new ArrayList<>();
    List<LineChart.Panel> panels = new ArrayList<>();
    List<PathReport> paths = run.measured().stream().filter(report -> report.path().besideDirect()).toList();
    for (PathReport report : paths) {
      legend.add(new LineChart.Series(report.path().id(), COLORS.get(report.path()), new double[0], dash(report)));
    }
    for (long interval : run.plan().intervalsMs()) {
      List<LineChart.Series> p99 = new ArrayList<>();
      for (PathReport report : paths) {
        p99.add(series(run, report, interval, figures -> beyond(figures.ttft().p99(), interval)));
      }
      panels.add(new LineChart.Panel("Time to first token p99, " + interval + " ms between tokens",
        "ms beyond the upstream's " + interval + " ms", p99, 0, null));
    }
    String subtitle = String.format(Locale.ROOT, "%d tokens per stream, closed loop, %s s window per level; log "
      + "scale; dashed grey = direct, the floor", run.plan().tokens(), decimal(run.plan().window().toMillis() / 1000.0));
    return LineChart.render("Time to first token by concurrency", subtitle, run.plan().levels(), panels, legend);
  }

  private static String dash(PathReport report) {
    return report.path() == BenchPath.DIRECT ? "4 3" : null;
  }

  /** A latency beyond the upstream's scripted pause; a floor of 0.01 ms keeps it on a log scale. */
  private static double beyond(double millis, double interval) {
    return Double.isNaN(millis) ? Double.NaN : Math.max(0.01, millis - interval);
  }

  private static LineChart.Series series(RunResult run, PathReport report, long interval,
                                         ToDoubleFunction<LoadFigures> figure) {
    double[] values = run.plan().levels().stream()
      .mapToDouble(level -> run.figure(report.path(), level, interval, figure)).toArray();
    return new LineChart.Series(report.path().id(), COLORS.get(report.path()), values, dash(report));
  }

  /** Added time to first token p99 (path minus direct) at the middle and the largest level, paced. */
  static String addedTtft(RunResult run) {
    int middle = run.plan().referenceLevel();
    int largest = run.plan().largestLevel();
    long interval = run.plan().referenceInterval();
    List<BarChart.Row> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      if (comparedWithDirect(report)) {
        double atMiddle = run.added(report.path(), middle, interval, figures -> figures.ttft().p99());
        double atLargest = run.added(report.path(), largest, interval, figures -> figures.ttft().p99());
        rows.add(new BarChart.Row(report.path().id(), new double[] {positive(atMiddle), positive(atLargest)},
          new String[] {belowFloor(atMiddle), belowFloor(atLargest)}));
      }
    }
    return BarChart.render("Added time to first token, p99, " + interval + " ms between tokens",
      "path minus direct, same level (a difference of percentiles); targets: nginx's + 2 ms at "
        + String.format(Locale.ROOT, "%,d, under 10 ms at %,d", middle, largest), "ms added",
      List.of(new BarChart.Measure(String.format(Locale.ROOT, "%,d streams", middle), LIGHT),
        new BarChart.Measure(String.format(Locale.ROOT, "%,d streams", largest), DARK)), rows,
      Goals.TTFT_AT_LARGEST_MS, "target at " + String.format(Locale.ROOT, "%,d", largest), Charts::millis);
  }

  /**
   * Whether a path has a bar against direct: a hop in front of direct's own upstream. The Anthropic-format upstream
   * paces two more events before the first token, so its difference with direct would be the upstream's.
   */
  private static boolean comparedWithDirect(PathReport report) {
    return report.path() != BenchPath.DIRECT && report.path().besideDirect();
  }

  private static String belowFloor(double added) {
    return added < 0 ? String.format(Locale.ROOT, "below direct's (%s): within the floor's noise", Fmt.ms(added)) : null;
  }

  /** Tokens per second against direct's, per path and level, paced. */
  static String throughput(RunResult run) {
    long interval = run.plan().referenceInterval();
    List<BarChart.Measure> measures = new ArrayList<>();
    String[] shades = {LIGHT, "#218bff", DARK, "#0550ae"};
    for (int i = 0; i < run.plan().levels().size(); i++) {
      measures.add(new BarChart.Measure(String.format(Locale.ROOT, "%,d streams", run.plan().levels().get(i)),
        shades[Math.min(i, shades.length - 1)]));
    }
    List<BarChart.Row> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      if (comparedWithDirect(report)) {
        double[] values = run.plan().levels().stream()
          .mapToDouble(level -> 100 * run.tokensOfDirect(report.path(), level, interval)).toArray();
        rows.add(new BarChart.Row(report.path().id(), values, BarChart.notes(values.length, null)));
      }
    }
    return BarChart.render("Tokens per second against direct, " + interval + " ms between tokens",
      "closed loop, " + run.plan().tokens() + " tokens per stream; target: at least 95% of direct below saturation",
      "% of direct's tokens per second", measures, rows, 100 * Goals.TOKENS_OF_DIRECT, "95% of direct",
      value -> String.format(Locale.ROOT, "%.0f%%", value));
  }

  /** CPU time of the target per delivered token, paced and at 0 ms, at the reference level. */
  static String cpuPerToken(RunResult run) {
    int level = run.plan().referenceLevel();
    long interval = run.plan().referenceInterval();
    List<BarChart.Row> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      if (report.path() != BenchPath.DIRECT) {
        rows.add(new BarChart.Row(report.path().id(), new double[] {run.cpuPerToken(report.path(), level, interval),
          run.cpuPerToken(report.path(), level, 0)}, BarChart.notes(2, null)));
      }
    }
    double nginx = run.cpuPerToken(BenchPath.NGINX);
    return BarChart.render("CPU time of the target per delivered token",
      String.format(Locale.ROOT, "user + system CPU of the target's processes over tokens delivered, %,d streams; "
        + "target for the OpenAI path: %s nginx's", level, Fmt.ratio(Goals.CPU_VS_NGINX)), "µs per token",
      List.of(new BarChart.Measure(interval + " ms between tokens", DARK), new BarChart.Measure("0 ms", LIGHT)), rows,
      Double.isNaN(nginx) ? 0 : Goals.CPU_VS_NGINX * nginx, Fmt.ratio(Goals.CPU_VS_NGINX) + " nginx's",
      value -> String.format(Locale.ROOT, "%.1f", value));
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
      MemoryGoals.HEAP_PER_STREAM / 1024, "target: 20 KB heap", value -> String.format(Locale.ROOT, "%.1f", value));
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
      "one stream at a time, after its first token; both clocks CLOCK_MONOTONIC", "ms",
      List.of(new BarChart.Measure("p50", LIGHT), new BarChart.Measure("p99", DARK)), rows, 0, "", Charts::millis);
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
