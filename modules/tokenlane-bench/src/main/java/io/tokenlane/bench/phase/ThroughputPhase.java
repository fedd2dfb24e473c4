package io.tokenlane.bench.phase;

import io.tokenlane.bench.load.LoadResult;
import io.tokenlane.bench.proc.JfrProfile;
import io.tokenlane.bench.proc.Jcmd;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** Saturation: the upstream bursts its tokens, clients go again at once. Also the gateway's CPU profile. */
final class ThroughputPhase {

  /** Starting JFR deoptimizes code (it instruments socket classes); samples this long after are ignored. */
  private static final Duration PROFILE_SETTLE = Duration.ofSeconds(1);

  private ThroughputPhase() {
  }

  /** Measures one level; again (twice at most) when other work on the machine disturbed it. */
  static ThroughputFigures run(PhaseContext ctx, int concurrency) throws IOException {
    ThroughputFigures figures = measure(ctx, concurrency);
    for (int retry = 0; retry < PhaseContext.RETRIES && ctx.again(figures.cpu()); retry++) {
      figures = measure(ctx, concurrency);
    }
    return figures;
  }

  private static ThroughputFigures measure(PhaseContext ctx, int concurrency) throws IOException {
    ctx.upstream.script(ctx.plan.burst());
    CpuMeter meter = new CpuMeter(ctx.target.pids(), ctx.upstream.pid());
    CpuUse[] cpu = {CpuUse.NONE};
    boolean[] started = {false};
    LoadResult result = ctx.load.closedLoop(ctx.path, ctx.endpoint, concurrency, Duration.ofMillis(300),
      ctx.plan.throughputWindow(), 0, edge -> {
        if (!started[0]) {
          started[0] = true;
          meter.start();
        } else {
          cpu[0] = meter.stop();
        }
      });
    ThroughputFigures figures = new ThroughputFigures(concurrency, result.streamsPerSecond(), result.tokensPerSecond(),
      result.failed(), Quantiles.millis(result.ttftMicros()), cpu[0], result.errors());
    ctx.step("saturation c=%-5d %,.0f streams/s  %,.0f tokens/s  failed=%d  cpu %s",
      concurrency, figures.streamsPerSecond(), figures.tokensPerSecond(), figures.failed(), cpu[0]);
    return figures;
  }

  /**
   * Records the gateway with JFR under the largest saturation load, after every measurement of the path (JFR
   * changes the code it runs), and keeps the summary of the samples taken once it settled.
   */
  static void profile(PhaseContext ctx, PathReport report) throws IOException {
    int concurrency = ctx.plan.throughputLevels().get(ctx.plan.throughputLevels().size() - 1);
    long jvm = ctx.target.jvmPid();
    ctx.upstream.script(ctx.plan.burst());
    Jcmd.startProfile(jvm);
    Instant[] from = {null};
    ctx.load.closedLoop(ctx.path, ctx.endpoint, concurrency, PROFILE_SETTLE, ctx.plan.throughputWindow(), 0, edge -> {
      if (from[0] == null) {
        from[0] = Instant.now();
      }
    });
    Path file = ctx.workDir.resolve(ctx.path.id() + "-c" + concurrency + ".jfr");
    Jcmd.stopProfile(jvm, file);
    report.profile = JfrProfile.read(file, from[0], 15);
    report.profileWhat = "saturation, " + concurrency + " concurrent streams";
    ctx.step("profiled: %d samples, top area %s", report.profile.samples(),
      report.profile.areas().isEmpty() ? "none" : report.profile.areas().get(0).name());
  }
}
