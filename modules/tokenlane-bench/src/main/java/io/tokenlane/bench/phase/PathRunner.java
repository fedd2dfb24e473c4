package io.tokenlane.bench.phase;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.Console;
import io.tokenlane.bench.load.LoadGenerator;
import io.tokenlane.bench.proc.PerfProfile;
import io.tokenlane.bench.target.Targets;
import java.nio.file.Path;

/**
 * Measures one path: its upstream and target from the stage, a warm-up until the JIT is done, a closed loop per
 * token interval and concurrency level, cancel, a {@code perf} profile of the target (where perf runs), a JFR profile
 * of the gateway, then memory (on a fresh target process in full runs). A phase that fails ends the path with what it
 * had.
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
      // A new JVM gets the plan's least number of tokens whatever its compilers say: a new upstream (and the load
      // generator, on the first path), or a new gateway.
      ctx.coldJvm = lease.newJvm();
      ctx.step("started (upstream on %d, target on %d)", lease.upstream().port(), ctx.endpoint.port());
      phase = "warm-up";
      report.warmup = WarmupPhase.run(ctx);
      for (long interval : plan.intervalsMs()) {
        for (int level : plan.levels()) {
          phase = "load at " + level + " streams, " + interval + " ms";
          report.loads.add(LoadPhase.run(ctx, level, interval));
        }
      }
      phase = "cancel";
      report.cancel = CancelPhase.run(ctx);
      if (plan.profile() && path.hop() != BenchPath.Hop.DIRECT && PerfProfile.available()) {
        phase = "perf profile";
        PerfPhase.run(ctx, report);
      }
      if (profile && ctx.target.jvmPid() > 0) {
        phase = "profile";
        ProfilePhase.run(ctx, report);
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
