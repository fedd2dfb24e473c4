package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.cluster.ClusterReport;
import io.tokenlane.bench.fanout.FanOutReport;
import io.tokenlane.bench.phase.LoadFigures;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.target.GatewayTuning;
import java.time.Instant;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A whole run: the plan, the machine, each path's report, and the lookups the report needs (a path at a level
 * and interval, the same figure on the direct path, the headline CPU per token).
 *
 * @param plan what was measured
 * @param machine where
 * @param paths every path asked for, measured or not, in order
 * @param gateway what the command line added to the gateway's process
 * @param command the command line that ran it
 * @param started when
 * @param seconds how long it took
 * @param cluster the cluster phase's figures, or {@code null} when it did not run ({@code --cluster})
 * @param fanOut the fan-out phase's figures, or {@code null} when it did not run ({@code --fanout})
 */
public record RunResult(BenchPlan plan, MachineInfo machine, List<PathReport> paths, GatewayTuning gateway,
                        String command, Instant started, double seconds, ClusterReport cluster,
                        FanOutReport fanOut) {

  /** @return the report of {@code path}, or {@code null} when it was not asked for */
  public PathReport get(BenchPath path) {
    return paths.stream().filter(report -> report.path() == path).findFirst().orElse(null);
  }

  /** @return the paths with figures */
  public List<PathReport> measured() {
    return paths.stream().filter(PathReport::measured).toList();
  }

  /** @return the measured Tokenlane transports */
  public List<PathReport> tokenlane() {
    return measured().stream().filter(report -> report.path().isTokenlane()).toList();
  }

  /**
   * @return the measured Tokenlane transports in front of the direct path's upstream (not the Anthropic-format
   *     one, whose first token comes later by its wire format), whose latency and throughput compare with direct's
   */
  public List<PathReport> tokenlaneBesideDirect() {
    return tokenlane().stream().filter(report -> report.path().besideDirect()).toList();
  }

  /** @return {@code path}'s run at {@code level} and {@code interval}, or {@code null} */
  public LoadFigures load(BenchPath path, int level, long interval) {
    PathReport report = get(path);
    return report == null ? null : report.load(level, interval);
  }

  /**
   * @return a figure of {@code path} at {@code level} and {@code interval}, or NaN when not measured (latencies are
   *     NaN too when no stream started in the window, which a saturated level with a short window can do)
   */
  public double figure(BenchPath path, int level, long interval, ToDoubleFunction<LoadFigures> figure) {
    LoadFigures at = load(path, level, interval);
    return at == null ? Double.NaN : figure.applyAsDouble(at);
  }

  /** @return {@code figure} of {@code path} minus the direct path's at the same level and interval, or NaN */
  public double added(BenchPath path, int level, long interval, ToDoubleFunction<LoadFigures> figure) {
    return figure(path, level, interval, figure) - figure(BenchPath.DIRECT, level, interval, figure);
  }

  /** @return {@code path}'s tokens per second over the direct path's at the same level and interval, or NaN */
  public double tokensOfDirect(BenchPath path, int level, long interval) {
    return figure(path, level, interval, LoadFigures::tokensPerSecond)
      / figure(BenchPath.DIRECT, level, interval, LoadFigures::tokensPerSecond);
  }

  /** @return the target's CPU µs per delivered token at the reference level and interval, or NaN */
  public double cpuPerToken(BenchPath path) {
    return cpuPerToken(path, plan.referenceLevel(), plan.referenceInterval());
  }

  /** @return the target's CPU µs per delivered token at {@code level} and {@code interval}, or NaN */
  public double cpuPerToken(BenchPath path, int level, long interval) {
    return figure(path, level, interval, LoadFigures::cpuMicrosPerToken);
  }

  /** @return "200 streams, 10 ms" for the reference level and interval */
  public String referenceCell() {
    return cell(plan.referenceLevel(), plan.referenceInterval());
  }

  /** @return "1,000 streams, 10 ms" */
  static String cell(int level, long interval) {
    return String.format(java.util.Locale.ROOT, "%,d streams, %d ms", level, interval);
  }
}
