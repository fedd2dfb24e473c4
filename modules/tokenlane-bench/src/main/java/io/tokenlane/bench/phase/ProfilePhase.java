package io.tokenlane.bench.phase;

import io.tokenlane.bench.proc.Jcmd;
import io.tokenlane.bench.proc.JfrProfile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Records the gateway with JFR under load, after every measurement of the path (JFR changes the code it runs), and
 * keeps the summary of the samples taken once it settled: where a Tokenlane path's CPU goes, by method.
 */
final class ProfilePhase {

  /** Starting JFR deoptimizes code (it instruments socket classes); samples this long after are ignored. */
  private static final Duration SETTLE = Duration.ofSeconds(1);
  /** Methods kept in each list of the summary. */
  private static final int TOP = 15;

  private ProfilePhase() {
  }

  /** At the reference level, as fast as the upstream writes (the most samples per second of recording). */
  static void run(PhaseContext ctx, PathReport report) throws IOException {
    int concurrency = ctx.plan.referenceLevel();
    long interval = ctx.plan.measuresSaturation() ? 0 : ctx.plan.referenceInterval();
    long jvm = ctx.target.jvmPid();
    ctx.upstream.script(ctx.plan.script(interval));
    Jcmd.startProfile(jvm);
    Instant[] from = {null};
    ctx.load.closedLoop(ctx.path, ctx.endpoint, concurrency, SETTLE, ctx.plan.window(), interval * 1_000_000L, edge -> {
      if (from[0] == null) {
        from[0] = Instant.now();
      }
    });
    Path file = ctx.workDir.resolve(ctx.path.id() + "-c" + concurrency + "-" + interval + "ms.jfr");
    Jcmd.stopProfile(jvm, file);
    report.profile = JfrProfile.read(file, from[0], TOP);
    report.profileWhat = String.format(java.util.Locale.ROOT, "%,d concurrent streams, %d ms between tokens",
      concurrency, interval);
    ctx.step("profiled: %d samples, top method %s", report.profile.samples(),
      report.profile.callers().isEmpty() ? "none" : report.profile.callers().get(0).name());
  }
}
