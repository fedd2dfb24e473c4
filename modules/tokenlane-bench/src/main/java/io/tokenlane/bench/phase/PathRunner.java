package io.tokenlane.bench.phase;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.Console;
import io.tokenlane.bench.load.LoadGenerator;
import io.tokenlane.bench.target.Targets;
import java.nio.file.Path;

/**
 * Measures one path: its upstream and target from the stage, warm-up, latency per level, saturation, cancel, a
 * profile of the gateway, then memory on a fresh target process. A phase that fails ends the path with what it had.
 */
public final class PathRunner {

  private final BenchPlan plan;
  private final LoadGenerator load;
  private final Console console;
  private final Path workDir;
  private final Stage stage;

  public PathRunner(BenchPlan plan, LoadGenerator load, Console console, Path workDir, Stage stage) {
    this.plan = plan;
    this.load = load;
    this.console = console;
    this.workDir = workDir;
    this.stage = stage;
  }

  /**
   * @param prepared the path's target, or why it has none
   * @param profile whether to profile the gateway on this path
   * @return the figures, or the reason there are none
   */
  public PathReport run(BenchPath path, Targets.Prepared prepared, boolean profile) {
    PathReport report = new PathReport(path);
    if (prepared.unavailable() != null) {
      console.step("%-21s skipped: %s", path.id(), prepared.unavailable());
      return report.status(prepared.unavailable().startsWith("not installed")
        ? PathReport.Status.NOT_INSTALLED : PathReport.Status.UNAVAILABLE, prepared.unavailable());
    }
    if (!plan.quietWait().isZero()) {
      QuietMachine.await(console, plan.quietWait());
    }
    String phase = "start";
    Stage.Lease lease = null;
    try {
      lease = stage.acquire(path, prepared.target());
      PhaseContext ctx = new PhaseContext(path, plan, load, console, lease.upstream(), lease.target(), workDir);
      ctx.endpoint = lease.endpoint();
      ctx.sharedProcesses = stage.shared();
      // A new JVM (the gateway's; on the direct path the upstream's, and the load generator's the first time) needs
      // the long warm-up; nginx, Portkey and processes already warm the short one.
      ctx.coldJvm = lease.fresh() && (path.isTokenlane() || path.hop() == BenchPath.Hop.DIRECT);
      ctx.step("started (upstream on %d, target on %d)", lease.upstream().port(), ctx.endpoint.port());
      phase = "warm-up";
      LatencyPhase.warmup(ctx);
      phase = "latency";
      for (int level : plan.levels()) {
        report.latency.add(LatencyPhase.run(ctx, level));
      }
      phase = "saturation";
      for (int level : plan.throughputLevels()) {
        report.throughput.add(ThroughputPhase.run(ctx, level));
      }
      phase = "cancel";
      report.cancel = CancelPhase.run(ctx);
      if (profile && ctx.target.jvmPid() > 0) {
        phase = "profile";
        ThroughputPhase.profile(ctx, report);
      }
      if (!plan.memoryLevels().isEmpty() && (path.isTokenlane() || plan.memoryFresh() && path.hop() != BenchPath.Hop.DIRECT)) {
        phase = "memory";
        MemoryPhase.run(ctx, report);
      }
    } catch (Exception e) {
      console.step("%-21s FAILED in %s: %s", path.id(), phase, e);
      report.status(PathReport.Status.FAILED, "failed in " + phase + ": " + e.getMessage());
    } finally {
      if (lease != null) {
        stage.release(lease);
      }
    }
    return report;
  }
}
