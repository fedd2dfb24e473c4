package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.PathReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoublePredicate;

/**
 * Issue 8's targets, and issue 12's for the Anthropic-format upstream, each checked against the run: where Tokenlane
 * stands, and why when it misses. The memory targets are in {@link MemoryGoals}, the helpers they share in
 * {@link GoalText}.
 */
final class Goals {

  enum Verdict {
    MET("✅ met"), PARTLY("⚠️ partly met"), MISSED("❌ missed"),
    INCONCLUSIVE("❔ within this machine's noise"), PROJECTED("❔ projected, not measured"),
    NOT_MEASURED("— not measured"), MEASURED("📏 measured (no number set)");

    final String label;

    Verdict(String label) {
      this.label = label;
    }
  }

  /** One target: what it asks, where we stand, the verdict, and why when it is not met. */
  record Goal(String target, String standing, Verdict verdict, String why) {
  }

  /** One transport's value for a target. */
  record Value(BenchPath path, double value, String shown) {
  }

  /** CPU per token of the OpenAI path against nginx's: the target, and the moonshot. */
  static final double CPU_VS_NGINX = 1.5;
  /** Added TTFT p99 over nginx's at the middle level, ms. */
  static final double TTFT_OVER_NGINX_MS = 2;
  /** Added TTFT p99 at the largest level, ms. */
  static final double TTFT_AT_LARGEST_MS = 10;
  /** Tokens per second against direct, below saturation. */
  static final double TOKENS_OF_DIRECT = 0.95;
  /** CPU per token of a native transport against the OpenAI path's. */
  static final double NATIVE_VS_OPENAI = 1.3;
  /** CPU per token of the Anthropic-format upstream (Anthropic in, OpenAI out) against the OpenAI pass-through's. */
  static final double ANTHROPIC_VS_OPENAI = 1.3;

  private Goals() {
  }

  static List<Goal> evaluate(RunResult run) {
    List<Goal> goals = new ArrayList<>();
    if (run.tokenlane().isEmpty()) {
      goals.add(new Goal("every target", "Tokenlane was not measured", Verdict.NOT_MEASURED, ""));
      return goals;
    }
    goals.add(cpuVersusNginx(run));
    goals.add(ttftVersusNginx(run));
    goals.add(ttftAtLargest(run));
    goals.add(tokensVersusDirect(run));
    goals.add(nativeVersusOpenAi(run));
    if (run.get(BenchPath.TOKENLANE_ANTHROPIC) != null) {
      goals.add(anthropicVersusOpenAi(run));
    }
    goals.add(MemoryGoals.heapPerStream(run.tokenlane()));
    goals.add(MemoryGoals.tenThousand(run.tokenlane()));
    goals.add(SteadyState.goal(run));
    return goals;
  }

  private static Goal cpuVersusNginx(RunResult run) {
    String target = "Tokenlane's OpenAI-compatible path: CPU per delivered token within " + Fmt.ratio(CPU_VS_NGINX)
      + " nginx's (moonshot: parity), " + run.referenceCell();
    double openAi = run.cpuPerToken(BenchPath.TOKENLANE_OPENAI);
    double nginx = run.cpuPerToken(BenchPath.NGINX);
    if (Double.isNaN(openAi) || Double.isNaN(nginx)) {
      return new Goal(target, "needs both paths: openai-sse " + Fmt.micros(openAi) + ", nginx " + Fmt.micros(nginx),
        Verdict.NOT_MEASURED, "");
    }
    double ratio = openAi / nginx;
    String standing = "openai-sse " + Fmt.micros(openAi) + ", nginx " + Fmt.micros(nginx) + ": " + Fmt.ratio(ratio)
      + (ratio <= 1 ? " (moonshot met)" : "") + saturatedRatio(run);
    Verdict verdict = ratio <= CPU_VS_NGINX ? Verdict.MET : Verdict.MISSED;
    return new Goal(target, standing, verdict, verdict == Verdict.MET ? ""
      : GoalText.profiles(run, List.of(BenchPath.TOKENLANE_OPENAI))
        + PerfSection.gap(run, BenchPath.TOKENLANE_OPENAI, BenchPath.NGINX));
  }

  /** The same ratio at 0 ms, where batching can change it: one more view of the cost, not the target's. */
  private static String saturatedRatio(RunResult run) {
    return saturatedRatio(run, BenchPath.TOKENLANE_OPENAI, BenchPath.NGINX);
  }

  private static String saturatedRatio(RunResult run, BenchPath path, BenchPath base) {
    int level = run.plan().referenceLevel();
    if (!run.plan().measuresSaturation() || run.plan().referenceInterval() == 0) {
      return "";
    }
    double ratio = run.cpuPerToken(path, level, 0) / run.cpuPerToken(base, level, 0);
    return Double.isNaN(ratio) ? "" : "; at 0 ms " + Fmt.ratio(ratio);
  }

  private static Goal ttftVersusNginx(RunResult run) {
    int level = run.plan().referenceLevel();
    long interval = run.plan().referenceInterval();
    String target = "Added TTFT p99 within nginx's + " + Fmt.ms(TTFT_OVER_NGINX_MS) + ", "
      + RunResult.cell(level, interval);
    double nginx = run.added(BenchPath.NGINX, level, interval, f -> f.ttft().p99());
    if (Double.isNaN(nginx)) {
      return new Goal(target, "nginx not measured", Verdict.NOT_MEASURED, "");
    }
    double allowed = Math.max(0, nginx) + TTFT_OVER_NGINX_MS;
    return ttftGoal(run, target, "nginx " + Fmt.addedMs(nginx) + "; ", level, interval, allowed);
  }

  private static Goal ttftAtLargest(RunResult run) {
    int level = run.plan().largestLevel();
    long interval = run.plan().referenceInterval();
    String target = "Added TTFT p99 under " + Fmt.ms(TTFT_AT_LARGEST_MS) + ", " + RunResult.cell(level, interval);
    return ttftGoal(run, target, "", level, interval, TTFT_AT_LARGEST_MS);
  }

  /**
   * Each transport's added TTFT p99 against {@code allowed}. A miss smaller than the direct path's own spread at
   * that level (its p99 minus its p50) is within the floor's noise, not a verdict.
   */
  private static Goal ttftGoal(RunResult run, String target, String prefix, int level, long interval, double allowed) {
    double noise = GoalText.floorNoise(run, level, interval);
    List<Value> values = new ArrayList<>();
    List<Verdict> verdicts = new ArrayList<>();
    for (PathReport report : run.tokenlaneBesideDirect()) {
      double p99 = run.added(report.path(), level, interval, f -> f.ttft().p99());
      values.add(new Value(report.path(), p99, Fmt.addedMs(p99)));
      verdicts.add(Double.isNaN(p99) ? Verdict.NOT_MEASURED : p99 <= allowed ? Verdict.MET
        : p99 - allowed > noise ? Verdict.MISSED : Verdict.INCONCLUSIVE);
    }
    Verdict verdict = combine(verdicts);
    return new Goal(target, prefix + GoalText.join(values) + GoalText.noiseText(noise), verdict,
      verdict == Verdict.MET ? "" : GoalText.cpuWhy(run, level, interval) + " "
        + GoalText.profiles(run, missed(values, value -> value <= allowed)));
  }

  /**
   * At every paced level where direct keeps up with what its clients ask for (below saturation), each transport's
   * tokens per second against direct's; levels where direct itself falls behind are left out, and said so.
   */
  private static Goal tokensVersusDirect(RunResult run) {
    long interval = run.plan().referenceInterval();
    String target = "Tokens per second at least " + Fmt.ratio(TOKENS_OF_DIRECT) + " direct's below saturation ("
      + interval + " ms between tokens)";
    List<Integer> levels = Saturation.unsaturatedLevels(run, interval);
    if (levels.isEmpty()) {
      return new Goal(target, "direct itself was saturated at every level: " + Saturation.describe(run, interval),
        Verdict.NOT_MEASURED, "");
    }
    List<Value> values = new ArrayList<>();
    for (PathReport report : run.tokenlaneBesideDirect()) {
      double worst = Double.NaN;
      int at = 0;
      for (int level : levels) {
        double ratio = run.tokensOfDirect(report.path(), level, interval);
        if (Double.isNaN(worst) || ratio < worst) {
          worst = ratio;
          at = level;
        }
      }
      values.add(new Value(report.path(), worst, Fmt.ratio(worst) + String.format(Locale.ROOT, " (at %,d)", at)));
    }
    Verdict verdict = verdict(values, value -> value >= TOKENS_OF_DIRECT);
    return new Goal(target, "lowest at " + Fmt.counts(levels) + " streams: " + GoalText.join(values) + "; "
      + Saturation.describe(run, interval), verdict, verdict == Verdict.MET ? ""
      : "A closed loop delivers fewer tokens per second when each stream takes longer: the gateway's added time per "
        + "token. " + GoalText.cpuWhy(run, levels.get(levels.size() - 1), interval) + " "
        + GoalText.profiles(run, missed(values, value -> value >= TOKENS_OF_DIRECT)));
  }

  private static Goal nativeVersusOpenAi(RunResult run) {
    String target = "Native transports: CPU per token within " + Fmt.ratio(NATIVE_VS_OPENAI) + " the OpenAI path's, "
      + run.referenceCell();
    double openAi = run.cpuPerToken(BenchPath.TOKENLANE_OPENAI);
    List<Value> values = new ArrayList<>();
    for (PathReport report : run.tokenlane()) {
      if (report.path().transport() != BenchPath.Transport.OPENAI_SSE) {
        double ratio = run.cpuPerToken(report.path()) / openAi;
        values.add(new Value(report.path(), ratio, Fmt.micros(run.cpuPerToken(report.path())) + " = "
          + Fmt.ratio(ratio)));
      }
    }
    if (Double.isNaN(openAi) || values.isEmpty()) {
      return new Goal(target, "needs the OpenAI path and a native transport", Verdict.NOT_MEASURED, "");
    }
    Verdict verdict = verdict(values, value -> value <= NATIVE_VS_OPENAI);
    return new Goal(target, "openai-sse " + Fmt.micros(openAi) + "; " + GoalText.join(values), verdict,
      verdict == Verdict.MET ? "" : GoalText.profiles(run, missed(values, value -> value <= NATIVE_VS_OPENAI)));
  }

  /** Issue 12: a token translated from Anthropic's events costs the gateway little more than one passed through. */
  private static Goal anthropicVersusOpenAi(RunResult run) {
    String target = "Anthropic-format upstream (issue 12): CPU per token of Anthropic in, OpenAI out within "
      + Fmt.ratio(ANTHROPIC_VS_OPENAI) + " the OpenAI pass-through path's, " + run.referenceCell();
    double openAi = run.cpuPerToken(BenchPath.TOKENLANE_OPENAI);
    double anthropic = run.cpuPerToken(BenchPath.TOKENLANE_ANTHROPIC);
    if (Double.isNaN(openAi) || Double.isNaN(anthropic)) {
      return new Goal(target, "needs both paths: openai-sse " + Fmt.micros(openAi) + ", anthropic "
        + Fmt.micros(anthropic), Verdict.NOT_MEASURED, "");
    }
    double ratio = anthropic / openAi;
    String saturated = saturatedRatio(run, BenchPath.TOKENLANE_ANTHROPIC, BenchPath.TOKENLANE_OPENAI);
    // Not like for like at 0 ms: the gateway joins the text deltas of one upstream read into one chunk on this path,
    // and forwards the OpenAI upstream's chunks one by one.
    String standing = "openai-sse " + Fmt.micros(openAi) + ", anthropic " + Fmt.micros(anthropic) + ": "
      + Fmt.ratio(ratio) + saturated + (saturated.isEmpty() ? "" : " (there the text deltas of one upstream read "
      + "go out as one chunk)");
    Verdict verdict = ratio <= ANTHROPIC_VS_OPENAI ? Verdict.MET : Verdict.MISSED;
    return new Goal(target, standing, verdict, verdict == Verdict.MET ? ""
      : GoalText.profiles(run, List.of(BenchPath.TOKENLANE_ANTHROPIC)));
  }

  // ---- verdicts ----

  static Verdict combine(List<Verdict> verdicts) {
    boolean met = verdicts.contains(Verdict.MET);
    if (verdicts.contains(Verdict.MISSED)) {
      return met ? Verdict.PARTLY : Verdict.MISSED;
    }
    if (verdicts.contains(Verdict.INCONCLUSIVE)) {
      return Verdict.INCONCLUSIVE;
    }
    return met ? Verdict.MET : Verdict.NOT_MEASURED;
  }

  static Verdict verdict(List<Value> values, DoublePredicate met) {
    if (values.isEmpty() || values.stream().allMatch(value -> Double.isNaN(value.value()))) {
      return Verdict.NOT_MEASURED;
    }
    long ok = values.stream().filter(value -> !Double.isNaN(value.value()) && met.test(value.value())).count();
    return ok == values.size() ? Verdict.MET : ok == 0 ? Verdict.MISSED : Verdict.PARTLY;
  }

  /** @return the paths whose value does not meet the target */
  static List<BenchPath> missed(List<Value> values, DoublePredicate met) {
    return values.stream().filter(value -> Double.isNaN(value.value()) || !met.test(value.value()))
      .map(Value::path).toList();
  }
}
