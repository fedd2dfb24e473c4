package io.tokenlane.bench.cluster;

import io.tokenlane.bench.Console;
import io.tokenlane.bench.load.LoadGenerator;
import io.tokenlane.bench.target.GatewayTuning;
import io.tokenlane.bench.target.TokenlaneCluster;
import io.tokenlane.bench.upstream.UpstreamProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Issue 9's figures: a fresh fake upstream and two gateway members forming a cluster, streams owned by member A.
 * In order: the heap per idle stream on the owner and per mirror (first, on members with nothing else in their
 * heaps), local against cross-member followers in one closed loop (time to first token, tokens per second,
 * cluster operations per token), cross-member cancels, and last A's death ({@code kill -9}) under B's followers.
 * A part that fails ends the phase with what it had.
 */
public final class ClusterPhase {

  /** Two members find each other, elect and share the session secret well within this. */
  private static final Duration FORMING = Duration.ofSeconds(120);

  private ClusterPhase() {
  }

  /**
   * @param jar the gateway's jar, or {@code null} when it is not built
   * @param tuning what the command line adds to every gateway
   * @return the figures, or the reason there are none
   */
  public static ClusterReport run(ClusterPlan plan, LoadGenerator load, Console console, Path workDir, Path jar,
                                  GatewayTuning tuning) {
    ClusterReport report = new ClusterReport(plan);
    if (jar == null || !Files.isRegularFile(jar)) {
      report.failed("gateway jar not built (" + jar + ")");
      return report;
    }
    String part = "start";
    Path dir = workDir.resolve("cluster");
    try {
      Files.createDirectories(dir);
      try (UpstreamProcess upstream = UpstreamProcess.start(dir);
           TokenlaneCluster cluster = TokenlaneCluster.start(jar, dir, tuning, upstream.ports(), FORMING)) {
        ClusterContext ctx = new ClusterContext(plan, load, console, upstream, cluster);
        ctx.step("two members (A on %d, B on %d) see each other; upstream on %d", cluster.ownerEndpoint().port(),
          cluster.otherEndpoint().port(), upstream.port());
        part = "memory";
        report.memory = ClusterMemory.run(ctx);
        part = "followers";
        FollowerRun.run(ctx, report);
        if (plan.pacedIntervalMs() > 0) {
          part = "paced followers";
          FollowerRun.runPaced(ctx, report);
        }
        part = "cancel";
        report.cancel = CrossCancel.run(ctx);
        part = "owner lost";
        report.ownerLoss = OwnerLoss.run(ctx);
      }
    } catch (Exception e) {
      console.step("%-21s FAILED in %s: %s", "cluster", part, e);
      report.failed("failed in " + part + ": " + e.getMessage());
    }
    return report;
  }
}
