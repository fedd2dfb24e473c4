package io.tokenlane.bench.cluster;

import io.tokenlane.bench.load.Clients;
import io.tokenlane.bench.load.LoadResult;
import io.tokenlane.bench.phase.Quantiles;
import io.tokenlane.bench.proc.ProcStats;
import io.tokenlane.bench.target.MemberStatus;
import io.tokenlane.bench.upstream.ScriptSpec;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Local against cross-member followers in one closed loop: every client sends its prompt to A; half read the stream
 * on A, half on B (through B's mirror of A's stream). Time to first token runs from the prompt's POST to the first
 * token event at the follower, so the two compare directly, in the same window. The members' operation counters
 * ({@code /readyz}) are read at the window's edges.
 */
final class FollowerRun {

  private FollowerRun() {
  }

  static void run(ClusterContext ctx, ClusterReport report) throws IOException {
    Window window = measure(ctx, ctx.plan.intervalMs());
    report.followers = window.followers;
    report.operations = new ClusterReport.Operations(window.operations(),
      window.followers.local().tokens() + window.followers.cross().tokens());
    ctx.step("ttft p99 local %.2f ms, cross-member %.2f ms (+%.2f ms); %,.0f + %,.0f tokens/s; %.3f cluster "
        + "operations per token %s", report.followers.local().ttft().p99(), report.followers.cross().ttft().p99(),
      report.followers.addedTtftP99(), report.followers.local().tokensPerSecond(),
      report.followers.cross().tokensPerSecond(), report.operations.perToken(), report.operations.counts());
  }

  /** The same run at a large model's pace ({@link ClusterPlan#pacedIntervalMs()}), for the hop's time alone. */
  static void runPaced(ClusterContext ctx, ClusterReport report) throws IOException {
    report.paced = measure(ctx, ctx.plan.pacedIntervalMs()).followers;
    ctx.step("paced at %d ms: ttft p99 local %.2f ms, cross-member %.2f ms (+%.2f ms); p50 %.2f against %.2f ms; "
        + "%,.0f + %,.0f tokens/s", ctx.plan.pacedIntervalMs(), report.paced.local().ttft().p99(),
      report.paced.cross().ttft().p99(), report.paced.addedTtftP99(), report.paced.cross().ttft().p50(),
      report.paced.local().ttft().p50(), report.paced.local().tokensPerSecond(), report.paced.cross().tokensPerSecond());
  }

  private static Window measure(ClusterContext ctx, long intervalMs) throws IOException {
    ClusterPlan plan = ctx.plan;
    ctx.upstream.script(new ScriptSpec(plan.tokens(), intervalMs, -1));
    List<Clients> groups = List.of(ctx.local(), ctx.cross());
    int perGroup = Math.max(1, plan.level() / 2);
    long delayNanos = intervalMs * 1_000_000L;
    ctx.step("warm-up %d s at %d streams (%d local, %d cross-member), %d ms between tokens",
      plan.warmup().toSeconds(), perGroup * 2, perGroup, perGroup, intervalMs);
    ctx.load.closedLoop(groups, perGroup, plan.ramp(intervalMs), plan.warmup(), delayNanos, edge -> { });
    Window window = new Window(ctx);
    List<LoadResult> results = ctx.load.closedLoop(groups, perGroup, plan.ramp(intervalMs), plan.window(),
      delayNanos, edge -> window.edge());
    window.followers = new ClusterReport.Followers(perGroup, group(results.get(0)), group(results.get(1)),
      window.cores(0), window.cores(1), window.otherWork());
    return window;
  }

  private static ClusterReport.Group group(LoadResult result) {
    return new ClusterReport.Group(Quantiles.millis(result.ttftMicros()), result.ttftMicros().getTotalCount(),
      result.failed(), result.tokens(), result.tokensPerSecond(), result.errors());
  }

  /** The members' counters and CPU at the window's start and end. */
  private static final class Window {

    private final ClusterContext ctx;
    private final List<Long> pids;
    private List<MemberStatus> before;
    private List<MemberStatus> after;
    private double[] cpuBefore;
    private double[] cpuAfter;
    private long startNanos;
    private long endNanos;
    ClusterReport.Followers followers;

    Window(ClusterContext ctx) {
      this.ctx = ctx;
      this.pids = List.of(ctx.cluster.owner().jvmPid(), ctx.cluster.other().jvmPid(), ctx.upstream.pid(),
        ProcessHandle.current().pid());
    }

    void edge() {
      if (before == null) {
        startNanos = System.nanoTime();
        before = ctx.cluster.status();
        cpuBefore = cpu();
      } else {
        after = ctx.cluster.status();
        cpuAfter = cpu();
        endNanos = System.nanoTime();
      }
    }

    private double[] cpu() {
      double[] seconds = new double[pids.size() + 1];
      for (int i = 0; i < pids.size(); i++) {
        seconds[i] = ProcStats.cpuSeconds(List.of(pids.get(i)));
      }
      seconds[pids.size()] = ProcStats.machineCpuSeconds();
      return seconds;
    }

    /** @return cores the process at {@code index} used (0: A, 1: B, 2: upstream, 3: this JVM) */
    double cores(int index) {
      return (cpuAfter[index] - cpuBefore[index]) / ((endNanos - startNanos) / 1e9);
    }

    /** @return cores busy on the machine outside the run's processes */
    double otherWork() {
      double run = 0;
      for (int i = 0; i < pids.size(); i++) {
        run += cores(i);
      }
      return Math.max(0, cores(pids.size()) - run);
    }

    /** @return each counter's growth over the window, both members summed */
    Map<String, Long> operations() {
      Map<String, Long> sum = new LinkedHashMap<>();
      for (int member = 0; member < before.size(); member++) {
        after.get(member).since(before.get(member)).forEach((name, count) -> sum.merge(name, count, Long::sum));
      }
      return sum;
    }
  }
}
