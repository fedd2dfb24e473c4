package io.tokenlane.bench.phase;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.Console;
import io.tokenlane.bench.load.LoadGenerator;
import io.tokenlane.bench.target.Endpoint;
import io.tokenlane.bench.target.Target;
import io.tokenlane.bench.upstream.UpstreamProcess;
import java.nio.file.Path;

/** What a phase works with: the path, its running target and upstream, the load generator, the plan. */
final class PhaseContext {

  /** Measurements taken again at most, when other work disturbed them. */
  static final int RETRIES = 2;

  final BenchPath path;
  final BenchPlan plan;
  final LoadGenerator load;
  final Console console;
  final UpstreamProcess upstream;
  final Target target;
  final Path workDir;
  Endpoint endpoint;

  PhaseContext(BenchPath path, BenchPlan plan, LoadGenerator load, Console console, UpstreamProcess upstream,
               Target target, Path workDir) {
    this.path = path;
    this.plan = plan;
    this.load = load;
    this.console = console;
    this.upstream = upstream;
    this.target = target;
    this.workDir = workDir;
  }

  boolean sharedProcesses;
  boolean coldJvm;

  /** Restarts the target (a fresh process for memory runs), unless the plan or the stage says not to. */
  void restartTarget() throws java.io.IOException {
    if (!sharedProcesses && plan.memoryFresh()) {
      target.close();
      endpoint = target.start(upstream.ports());
    }
  }

  /**
   * Whether a measurement taken with {@code cpu} should be taken again: other work on the machine used more than
   * {@link QuietMachine#QUIET_CORES} during it, and the plan waits for quiet. Waits for the quiet when so.
   */
  boolean again(CpuUse cpu) {
    if (plan.quietWait().isZero() || cpu.other() <= QuietMachine.QUIET_CORES) {
      return false;
    }
    step("other work used %.2f cores during that measurement: once more when the machine is quiet", cpu.other());
    QuietMachine.await(console, plan.quietWait());
    return true;
  }

  /** Progress line prefixed with the path. */
  void step(String format, Object... args) {
    console.step("%-21s %s", path.id(), String.format(format, args));
  }
}
