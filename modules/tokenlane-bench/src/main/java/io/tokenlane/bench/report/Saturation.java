package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.LoadFigures;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which paced levels are below saturation: those where the direct path delivers nearly what its clients ask for
 * (N clients, each a stream of T tokens every stream's length). Above that, the machine itself is the limit and a
 * ratio to direct measures how paths share the cores, not what a hop adds.
 */
final class Saturation {

  /** Direct delivering at least this share of the offered tokens per second is below saturation. */
  static final double KEEPS_UP = 0.9;

  private Saturation() {
  }

  static List<Integer> unsaturatedLevels(RunResult run, long interval) {
    List<Integer> levels = new ArrayList<>();
    for (int level : run.plan().levels()) {
      if (share(run, level, interval) >= KEEPS_UP) {
        levels.add(level);
      }
    }
    return levels;
  }

  /** @return "direct delivered 98%, 97% and 35% of the offered tokens/s at 50, 200 and 1,000 streams" */
  static String describe(RunResult run, long interval) {
    List<String> shares = new ArrayList<>();
    for (int level : run.plan().levels()) {
      shares.add(Fmt.percent(share(run, level, interval)));
    }
    return String.format(Locale.ROOT, "direct delivered %s of the offered tokens/s at %s streams (below %s: "
      + "saturated, left out)", String.join(", ", shares), Fmt.counts(run.plan().levels()), Fmt.percent(KEEPS_UP));
  }

  /** @return direct's tokens per second over the offered rate at {@code level}, or NaN */
  private static double share(RunResult run, int level, long interval) {
    double seconds = run.plan().streamLength(interval).toMillis() / 1000.0;
    double offered = seconds > 0 ? level * run.plan().tokens() / seconds : Double.NaN;
    return run.figure(BenchPath.DIRECT, level, interval, LoadFigures::tokensPerSecond) / offered;
  }
}
