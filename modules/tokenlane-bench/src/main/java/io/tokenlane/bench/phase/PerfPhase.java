package io.tokenlane.bench.phase;

import io.tokenlane.bench.load.LoadResult;
import io.tokenlane.bench.proc.PerfProfile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Samples the target with Linux {@code perf} in a window of its own at the headline's level and interval, after
 * the measurements (perf's own cost stays out of them): CPU per delivered token by where it ran, the kernel included,
 * for nginx and Portkey as for the gateway.
 */
final class PerfPhase {

  /** Enough samples to split a 0.3-core process in parts of a few percent. */
  private static final Duration LEAST = Duration.ofSeconds(3);

  private PerfPhase() {
  }

  static void run(PhaseContext ctx, PathReport report) throws IOException {
    int level = ctx.plan.referenceLevel();
    long interval = ctx.plan.referenceInterval();
    Duration window = ctx.plan.window().compareTo(LEAST) < 0 ? LEAST : ctx.plan.window();
    ctx.upstream.script(ctx.plan.script(interval));
    Path file = ctx.workDir.resolve(ctx.path.id() + "-perf.data");
    PerfProfile.Recording[] recording = {null};
    IOException[] failed = {null};
    LoadResult result = ctx.load.closedLoop(ctx.path, ctx.endpoint, level, LoadPhase.ramp(ctx, interval), window,
      interval * 1_000_000L, LoadPhase.edges(() -> {
        try {
          recording[0] = PerfProfile.start(ctx.target.pids(), ctx.target.jvmPid(), window, file);
        } catch (IOException e) {
          failed[0] = e;
        }
      }, () -> { }));
    // A profile is an explanation, not a measurement: without one, the path's figures stand.
    if (failed[0] != null) {
      ctx.step("perf: no profile (%s)", failed[0].getMessage());
      return;
    }
    PerfProfile profile;
    try {
      profile = recording[0].finish();
    } catch (IOException e) {
      ctx.step("perf: no profile (%s)", e.getMessage());
      return;
    }
    report.perf = new PerfFigures(profile, result.tokens(), window.toMillis() / 1000.0, level, interval);
    ctx.step("perf: %d samples, %.1f µs/token (kernel %.1f, user space %.1f)", profile.samples(),
      report.perf.totalMicrosPerToken(), report.perf.kernelMicrosPerToken(), report.perf.userMicrosPerToken());
  }
}
