package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.phase.LatencyFigures;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.phase.ThroughputFigures;
import java.time.Instant;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A whole run: the plan, the machine, each path's report, and the lookups the report needs (a path at a level,
 * the same figure on the direct path).
 *
 * @param plan what was measured
 * @param machine where
 * @param paths every path asked for, measured or not, in order
 * @param command the command line that ran it
 * @param started when
 * @param seconds how long it took
 */
public record RunResult(BenchPlan plan, MachineInfo machine, List<PathReport> paths, String command, Instant started,
                        double seconds) {

  /** @return the report of {@code path}, or {@code null} when it was not asked for */
  public PathReport get(BenchPath path) {
    return paths.stream().filter(report -> report.path() == path).findFirst().orElse(null);
  }

  /** @return the paths with figures */
  public List<PathReport> measured() {
    return paths.stream().filter(PathReport::measured).toList();
  }

  /** @return the level the headline uses: 1000 when measured, else the highest */
  public int referenceLevel() {
    return plan.levels().contains(1000) ? 1000 : plan.levels().get(plan.levels().size() - 1);
  }

  /** @return a latency figure of {@code path} at {@code level}, or NaN */
  public double latency(BenchPath path, int level, ToDoubleFunction<LatencyFigures> figure) {
    PathReport report = get(path);
    LatencyFigures at = report == null ? null : report.latencyAt(level);
    return at == null || at.streams() == 0 ? Double.NaN : figure.applyAsDouble(at);
  }

  /** @return {@code figure} of {@code path} minus the direct path's, at {@code level}, or NaN */
  public double added(BenchPath path, int level, ToDoubleFunction<LatencyFigures> figure) {
    return latency(path, level, figure) - latency(BenchPath.DIRECT, level, figure);
  }

  /** @return tokens per second of {@code path}'s saturation run at {@code concurrency}, or NaN */
  public double tokensPerSecond(BenchPath path, int concurrency) {
    ThroughputFigures figures = throughput(path, concurrency);
    return figures == null ? Double.NaN : figures.tokensPerSecond();
  }

  /** @return {@code path}'s saturation run at {@code concurrency}, or {@code null} */
  public ThroughputFigures throughput(BenchPath path, int concurrency) {
    PathReport report = get(path);
    return report == null ? null : report.throughput().stream()
      .filter(figures -> figures.concurrency() == concurrency).findFirst().orElse(null);
  }

  /** @return the saturation level the headline uses: the highest */
  public int throughputLevel() {
    return plan.throughputLevels().get(plan.throughputLevels().size() - 1);
  }
}
