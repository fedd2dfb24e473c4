package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.CancelFigures;
import io.tokenlane.bench.phase.CpuUse;
import io.tokenlane.bench.phase.LatencyFigures;
import io.tokenlane.bench.phase.MemoryFigures;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.proc.HeapHistogram;
import io.tokenlane.bench.proc.JfrProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoublePredicate;
import java.util.function.Function;

/** The issue's targets, each checked against the run: where Tokenlane stands, and why when it misses. */
final class Goals {

  enum Verdict {
    MET("✅ met"), PARTLY("⚠️ partly met"), MISSED("❌ missed"),
    INCONCLUSIVE("❔ within this machine's noise"), NOT_MEASURED("— not measured");

    final String label;

    Verdict(String label) {
      this.label = label;
    }
  }

  /** One target: what it asks, where we stand, the verdict, and why when it is not met. */
  record Goal(String target, String standing, Verdict verdict, String why) {
  }

  /** One transport's value for a target and whether it meets it. */
  private record Value(BenchPath path, double value, String shown) {
  }

  private static final double MAX_HEAP = 512 * 1048576.0;

  private Goals() {
  }

  static List<Goal> evaluate(RunResult run) {
    List<Goal> goals = new ArrayList<>();
    int level = run.plan().levels().contains(1000) ? 1000 : run.referenceLevel();
    String at = level == 1000 ? "" : " (measured at " + level + ": 1,000 is not in this run's levels)";
    List<PathReport> tokenlane = run.measured().stream().filter(report -> report.path().isTokenlane()).toList();
    if (tokenlane.isEmpty()) {
      goals.add(new Goal("every target", "Tokenlane was not measured", Verdict.NOT_MEASURED, ""));
      return goals;
    }
    goals.add(ttft(run, tokenlane, level, at));
    goals.add(versusNginx(run, tokenlane, level, at));
    goals.add(versusPortkey(run, tokenlane));
    goals.add(versusDirect(run, tokenlane));
    goals.add(heapPerStream(tokenlane));
    goals.add(tenThousand(tokenlane));
    goals.add(cancel(tokenlane));
    goals.add(new Goal("Cancel to upstream close p99 under 50 ms across members",
      "single node only: the cluster issue has not landed", Verdict.NOT_MEASURED, ""));
    return goals;
  }

  private static Goal ttft(RunResult run, List<PathReport> tokenlane, int level, String at) {
    double noise = floorNoise(run, level);
    List<Value> values = new ArrayList<>();
    List<Verdict> verdicts = new ArrayList<>();
    for (PathReport report : tokenlane) {
      double p50 = run.added(report.path(), level, figures -> figures.ttft().p50());
      double p99 = run.added(report.path(), level, figures -> figures.ttft().p99());
      values.add(new Value(report.path(), p99, Fmt.addedMs(p50) + " p50 / " + Fmt.addedMs(p99) + " p99"));
      verdicts.add(Double.isNaN(p99) ? Verdict.NOT_MEASURED : p99 <= 1.0 && noise <= 1.0 ? Verdict.MET
        : p99 > Math.max(1.0, noise) ? Verdict.MISSED : Verdict.INCONCLUSIVE);
    }
    Verdict verdict = combine(verdicts);
    String wake = run.machine().facts().get("Thread wake-up latency");
    return new Goal("Added TTFT p99 under 1 ms at 1,000 concurrent streams" + at, join(values) + noiseText(noise),
      verdict, verdict == Verdict.MET ? "" : cpuWhy(run, level) + " A token through Tokenlane makes three more hops than "
        + "direct (into the gateway's process, from its provider event loop to the client's, out again), and on this "
        + "machine a woken thread waits " + (wake == null ? "n/a" : wake.replaceAll(" \\(.*", ""))
        + " before it runs, even when idle. " + profileWhy(run));
  }

  private static Goal versusNginx(RunResult run, List<PathReport> tokenlane, int level, String at) {
    PathReport nginx = run.get(BenchPath.NGINX);
    if (nginx == null || !nginx.measured()) {
      return new Goal("Added TTFT within 1.5× of nginx's" + at, "nginx: " + (nginx == null ? "not run" : nginx.note()),
        Verdict.NOT_MEASURED, "");
    }
    double noise = floorNoise(run, level);
    double nginx50 = run.added(BenchPath.NGINX, level, figures -> figures.ttft().p50());
    double nginx99 = run.added(BenchPath.NGINX, level, figures -> figures.ttft().p99());
    List<Value> values = new ArrayList<>();
    List<Verdict> verdicts = new ArrayList<>();
    for (PathReport report : tokenlane) {
      double p50 = run.added(report.path(), level, figures -> figures.ttft().p50());
      double p99 = run.added(report.path(), level, figures -> figures.ttft().p99());
      double allowed99 = 1.5 * Math.max(0, nginx99);
      values.add(new Value(report.path(), p99, Fmt.addedMs(p50) + " p50"
        + (nginx50 > 0 ? " (" + Fmt.ratio(p50 / nginx50) + ")" : "") + " / " + Fmt.addedMs(p99) + " p99"));
      verdicts.add(Double.isNaN(p99) ? Verdict.NOT_MEASURED : p99 - allowed99 > noise ? Verdict.MISSED
        : noise <= 1.0 && p99 <= allowed99 ? Verdict.MET : Verdict.INCONCLUSIVE);
    }
    Verdict verdict = combine(verdicts);
    return new Goal("Added TTFT p99 within 1.5× of nginx's" + at, "nginx " + Fmt.addedMs(nginx50) + " p50 / "
      + Fmt.addedMs(nginx99) + " p99; " + join(values) + noiseText(noise), verdict, verdict == Verdict.MET ? ""
      : "nginx relays bytes without parsing them; Tokenlane decodes every upstream chunk and re-encodes it for its "
        + "client (see the profile below). The medians (p50), steadier than the tails here, show the difference.");
  }

  /** How much the direct path's own TTFT p99 exceeds its p50 at {@code level}: differences below it are noise. */
  private static double floorNoise(RunResult run, int level) {
    double noise = run.latency(BenchPath.DIRECT, level, figures -> figures.ttft().p99() - figures.ttft().p50());
    return Double.isNaN(noise) ? 0 : Math.max(0, noise);
  }

  private static String noiseText(double noise) {
    return noise > 1.0 ? " (direct's own p99 is " + Fmt.ms(noise) + " above its p50 at this level: the floor's noise)" : "";
  }

  private static Verdict combine(List<Verdict> verdicts) {
    boolean met = verdicts.contains(Verdict.MET);
    boolean missed = verdicts.contains(Verdict.MISSED);
    if (missed) {
      return met ? Verdict.PARTLY : Verdict.MISSED;
    }
    if (verdicts.contains(Verdict.INCONCLUSIVE)) {
      return Verdict.INCONCLUSIVE;
    }
    return met ? Verdict.MET : Verdict.NOT_MEASURED;
  }

  private static Goal versusPortkey(RunResult run, List<PathReport> tokenlane) {
    PathReport portkey = run.get(BenchPath.PORTKEY);
    double portkeyRate = bestRate(portkey);
    if (Double.isNaN(portkeyRate)) {
      return new Goal("At least 3× Portkey's throughput", "Portkey: " + (portkey == null ? "not run" : portkey.note()),
        Verdict.NOT_MEASURED, "");
    }
    List<Value> values = tokenlane.stream().map(report -> {
      double ratio = bestRate(report) / portkeyRate;
      return new Value(report.path(), ratio, Fmt.ratio(ratio));
    }).toList();
    Verdict verdict = verdict(values, value -> value >= 3);
    return new Goal("At least 3× Portkey's throughput (tokens/s at saturation)", "Portkey " + Fmt.rate(portkeyRate)
      + " tokens/s; " + join(values), verdict, verdict == Verdict.MET ? "" : profileWhy(run));
  }

  private static Goal versusDirect(RunResult run, List<PathReport> tokenlane) {
    double direct = bestRate(run.get(BenchPath.DIRECT));
    if (Double.isNaN(direct)) {
      return new Goal("Tokens per second at least 80% of direct", "direct not measured", Verdict.NOT_MEASURED, "");
    }
    List<Value> values = tokenlane.stream().map(report -> {
      double ratio = bestRate(report) / direct;
      return new Value(report.path(), ratio, Fmt.percent(ratio));
    }).toList();
    Verdict verdict = verdict(values, value -> value >= 0.8);
    PathReport openAi = run.get(BenchPath.TOKENLANE_OPENAI);
    CpuUse cpu = openAi == null || openAi.bestThroughput() == null ? null : openAi.bestThroughput().cpu();
    String why = cpu == null ? profileWhy(run) : String.format(Locale.ROOT, "At saturation the gateway used %.2f "
      + "cores, the upstream %.2f and the load generator %.2f of %s: every token crosses three processes on the same "
      + "cores, direct only two. %s", cpu.target(), cpu.upstream(), cpu.bench(), coresText(run), profileWhy(run));
    return new Goal("Tokens per second delivered at least 80% of direct", "direct " + Fmt.rate(direct)
      + " tokens/s; " + join(values), verdict, verdict == Verdict.MET ? "" : why);
  }

  private static Goal heapPerStream(List<PathReport> tokenlane) {
    List<Value> values = new ArrayList<>();
    for (PathReport report : tokenlane) {
      MemoryFigures top = largest(report);
      if (top != null) {
        values.add(new Value(report.path(), top.heapPerStream(), Fmt.kb(top.heapPerStream())));
      }
    }
    if (values.isEmpty()) {
      return new Goal("Under 20 KB of heap per idle open stream", "no memory run", Verdict.NOT_MEASURED, "");
    }
    Verdict verdict = verdict(values, value -> value < 20 * 1024);
    Value worst = values.stream().max((a, b) -> Double.compare(a.value(), b.value())).orElseThrow();
    return new Goal("Under 20 KB of heap per idle open stream", join(values), verdict,
      verdict == Verdict.MET ? "" : "Largest growth per stream on " + worst.path().id() + ": "
        + growthText(largest(tokenlane.stream().filter(report -> report.path() == worst.path()).findFirst().orElseThrow())));
  }

  private static Goal tenThousand(List<PathReport> tokenlane) {
    List<Value> values = new ArrayList<>();
    boolean extrapolated = false;
    int measuredMax = 0;
    for (PathReport report : tokenlane) {
      MemoryFigures top = largest(report);
      if (top == null || Double.isNaN(top.heapPerStream())) {
        continue;
      }
      measuredMax = Math.max(measuredMax, top.open());
      double projected = top.open() >= 10_000 ? top.heapBytes()
        : top.baselineHeapBytes() + 10_000 * top.heapPerStream();
      extrapolated |= top.open() < 10_000;
      values.add(new Value(report.path(), projected, Fmt.mb(projected)));
    }
    if (values.isEmpty()) {
      return new Goal("10,000 concurrent streams in a 512 MB heap", "no memory run", Verdict.NOT_MEASURED, "");
    }
    String how = extrapolated ? String.format(Locale.ROOT, " (live heap projected from up to %,d streams measured in "
      + "-Xmx512m: one process may hold 20,000 files here, and a gateway stream holds two connections)", measuredMax) : "";
    Verdict verdict = verdict(values, value -> value < MAX_HEAP);
    return new Goal("10,000 concurrent streams in a 512 MB heap", join(values) + how, verdict,
      verdict == Verdict.MET ? "" : "See the heap per stream above.");
  }

  private static Goal cancel(List<PathReport> tokenlane) {
    List<Value> values = new ArrayList<>();
    for (PathReport report : tokenlane) {
      CancelFigures cancel = report.cancel();
      if (cancel != null) {
        double p99 = cancel.reached() == 0 ? Double.POSITIVE_INFINITY : cancel.latency().p99();
        values.add(new Value(report.path(), p99, cancel.reached() == 0 ? "never" : Fmt.ms(p99)
          + (cancel.reached() < cancel.attempts() ? " (" + cancel.reached() + "/" + cancel.attempts() + " reached)" : "")));
      }
    }
    if (values.isEmpty()) {
      return new Goal("Cancel to upstream close p99 under 10 ms on one member", "no cancel run",
        Verdict.NOT_MEASURED, "");
    }
    Verdict verdict = verdict(values, value -> value < 10);
    return new Goal("Cancel to upstream close p99 under 10 ms on one member", join(values), verdict,
      verdict == Verdict.MET ? "" : "A cancel crosses from the client's event loop to the provider's, which resets "
      + "the upstream request; the tail follows the machine's scheduling (all processes share the cores).");
  }

  // ---- helpers ----

  private static Verdict verdict(List<Value> values, DoublePredicate met) {
    long ok = values.stream().filter(value -> !Double.isNaN(value.value()) && met.test(value.value())).count();
    if (values.stream().allMatch(value -> Double.isNaN(value.value()))) {
      return Verdict.NOT_MEASURED;
    }
    return ok == values.size() ? Verdict.MET : ok == 0 ? Verdict.MISSED : Verdict.PARTLY;
  }

  private static String join(List<Value> values) {
    List<String> parts = new ArrayList<>();
    for (Value value : values) {
      parts.add(shortName(value.path()) + " " + value.shown());
    }
    return String.join(", ", parts);
  }

  static String shortName(BenchPath path) {
    return path.id().replace("tokenlane-", "");
  }

  static double bestRate(PathReport report) {
    return report == null || report.bestThroughput() == null ? Double.NaN : report.bestThroughput().tokensPerSecond();
  }

  static MemoryFigures largest(PathReport report) {
    return report.memory().isEmpty() ? null : report.memory().get(report.memory().size() - 1);
  }

  static String growthText(MemoryFigures figures) {
    if (figures == null || figures.growth().isEmpty() || figures.open() == 0) {
      return "n/a";
    }
    List<String> parts = new ArrayList<>();
    for (HeapHistogram.Growth growth : figures.growth().subList(0, Math.min(4, figures.growth().size()))) {
      parts.add(String.format(Locale.ROOT, "%s %.0f B", simpleClass(growth.className()),
        (double) growth.bytes() / figures.open()));
    }
    return String.join(", ", parts);
  }

  static String simpleClass(String name) {
    String plain = switch (name) {
      case "[B" -> "byte[]";
      case "[C" -> "char[]";
      case "[I" -> "int[]";
      case "[J" -> "long[]";
      default -> name.startsWith("[L") && name.endsWith(";") ? name.substring(2, name.length() - 1) + "[]" : name;
    };
    return "`" + plain.substring(plain.lastIndexOf('.') + 1) + "`";
  }

  private static String cpuWhy(RunResult run, int level) {
    LatencyFigures figures = run.get(BenchPath.TOKENLANE_OPENAI) == null ? null
      : run.get(BenchPath.TOKENLANE_OPENAI).latencyAt(level);
    if (figures == null) {
      return "";
    }
    CpuUse cpu = figures.cpu();
    double other = Math.max(0, cpu.machine() - cpu.target() - cpu.upstream() - cpu.bench());
    return String.format(Locale.ROOT, "At %,d streams (openai-sse) the machine was %.2f of %s busy: gateway %.2f, "
        + "upstream %.2f, load generator %.2f, other processes %.2f; the direct path itself adds %s at p99 over its "
        + "median there.", level, cpu.machine(), coresText(run), cpu.target(), cpu.upstream(), cpu.bench(), other,
      Fmt.ms(run.latency(BenchPath.DIRECT, level, f -> f.ttft().p99() - f.ttft().p50())));
  }

  static String profileWhy(RunResult run) {
    for (PathReport report : run.measured()) {
      JfrProfile profile = report.profile();
      if (profile != null && profile.samples() > 0 && !profile.areas().isEmpty()) {
        Function<JfrProfile.Share, String> share = area -> area.name() + " " + Fmt.percent(area.fraction());
        List<String> areas = profile.areas().stream().limit(3).map(share).toList();
        List<String> callers = profile.callers().stream()
          .filter(caller -> !caller.name().equals(JfrProfile.NO_TOKENLANE)).limit(3)
          .map(caller -> "`" + caller.name() + "` " + Fmt.percent(caller.fraction())).toList();
        return "Gateway CPU profile (" + shortName(report.path()) + ", " + report.profileWhat() + "): by area "
          + String.join(", ", areas) + "; by Tokenlane method on the stack " + String.join(", ", callers) + ".";
      }
    }
    return "";
  }

  static String coresText(RunResult run) {
    return run.machine().cores() + " cores";
  }
}
