package io.tokenlane.bench.fanout;

import io.tokenlane.bench.Console;
import io.tokenlane.bench.load.LoadGenerator;
import io.tokenlane.bench.phase.QuietMachine;
import io.tokenlane.bench.target.Endpoint;
import io.tokenlane.bench.target.GatewayTuning;
import io.tokenlane.bench.target.Target;
import io.tokenlane.bench.target.Targets;
import io.tokenlane.bench.upstream.UpstreamProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Issue 10's figures: memory and cost per native SSE follower. A fresh fake upstream, then for each level a fresh
 * gateway (RSS means something only on a fresh process): idle followers first (live heap and RSS per follower),
 * then the same numbers of streams and followers with tokens flowing (the gateway's CPU per delivered event,
 * {@code /readyz} latency, RSS). The gateway's reader bound is raised to fit the level, unless the command line set
 * it. A level that fails is reported with what it had; the next one still runs.
 */
public final class FanOutPhase {

  /** The bound on readers of one stream; the phase lifts it so that it measures the followers, not the refusal. */
  static final String MAX_READERS = "TOKENLANE_STREAMS_MAX_READERS_PER_STREAM";
  /** Streams with no reader yet (the idle memory run's baseline) must not be cancelled while it is measured. */
  static final String DETACH_GRACE = "TOKENLANE_STREAMS_DETACH_GRACE_MS";
  /** {@code /readyz} probes of the fresh gateway with nothing running, for comparison. */
  private static final int IDLE_PROBES = 100;

  private FanOutPhase() {
  }

  /**
   * @param jar the gateway's jar, or {@code null} when it is not built
   * @param tuning what the command line adds to every gateway
   * @return the figures, or the reason there are none
   */
  public static FanOutReport run(FanOutPlan plan, LoadGenerator load, Console console, Path workDir, Path jar,
                                 GatewayTuning tuning) {
    FanOutReport report = new FanOutReport(plan);
    if (jar == null || !Files.isRegularFile(jar)) {
      report.failed("gateway jar not built (" + jar + ")");
      return report;
    }
    Path dir = workDir.resolve("fanout");
    try {
      Files.createDirectories(dir);
      try (UpstreamProcess upstream = UpstreamProcess.start(dir)) {
        GatewayTuning fanOutTuning = tuned(tuning, plan);
        for (FanOutPlan.Level level : plan.levels()) {
          if (!plan.quietWait().isZero()) {
            QuietMachine.await(console, plan.quietWait());
          }
          Target gateway = Targets.tokenlane(jar, dir.resolve("gateway-" + level), fanOutTuning).target();
          try {
            Endpoint endpoint = gateway.start(upstream.ports());
            FanOutLevel run = new FanOutLevel(plan, level, load, console, upstream, gateway, endpoint, dir);
            if (report.readyzIdle() == null) {
              report.readyzIdle(ReadyzProbe.sample(endpoint, IDLE_PROBES, plan.probePeriod().toMillis() / 2));
            }
            report.add(run.run());
          } finally {
            gateway.close();
          }
        }
      }
    } catch (Exception e) {
      console.step("%-21s FAILED: %s", "fan-out", e);
      report.failed(e.getMessage());
    }
    return report;
  }

  /** The command line's gateway settings, plus what the phase needs unless the command line set it. */
  static GatewayTuning tuned(GatewayTuning tuning, FanOutPlan plan) {
    GatewayTuning tuned = tuning;
    Map<String, String> env = tuning.env();
    if (!env.containsKey(MAX_READERS)) {
      tuned = tuned.withEnv(MAX_READERS + "=" + Math.max(32, plan.maxFollowers()));
    }
    if (!env.containsKey(DETACH_GRACE)) {
      tuned = tuned.withEnv(DETACH_GRACE + "=600000");
    }
    return tuned;
  }
}
