package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.CpuUse;
import io.tokenlane.bench.phase.LoadFigures;
import io.tokenlane.bench.phase.LoopDelay;
import io.tokenlane.bench.phase.MemoryFigures;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.proc.HeapHistogram;
import io.tokenlane.bench.proc.JfrProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The wording the targets share: values per transport, the floor's noise, where the CPU went, profiles. */
final class GoalText {

  /** Methods named per profile in a target's explanation. */
  private static final int METHODS = 3;

  private GoalText() {
  }

  static String join(List<Goals.Value> values) {
    List<String> parts = new ArrayList<>();
    for (Goals.Value value : values) {
      parts.add(shortName(value.path()) + " " + value.shown());
    }
    return String.join(", ", parts);
  }

  static String shortName(BenchPath path) {
    return path.id().replace("tokenlane-", "");
  }

  /** How much the direct path's own TTFT p99 exceeds its p50 there: differences below it are noise. */
  static double floorNoise(RunResult run, int level, long interval) {
    double noise = run.figure(BenchPath.DIRECT, level, interval, f -> f.ttft().p99() - f.ttft().p50());
    return Double.isNaN(noise) ? 0 : Math.max(0, noise);
  }

  static String noiseText(double noise) {
    return noise > 1.0 ? " (direct's own p99 is " + Fmt.ms(noise) + " above its p50 here: the floor's noise)" : "";
  }

  /** Where the machine's cores went while the OpenAI path ran at {@code level} and {@code interval}. */
  static String cpuWhy(RunResult run, int level, long interval) {
    LoadFigures figures = run.load(BenchPath.TOKENLANE_OPENAI, level, interval);
    if (figures == null) {
      return "";
    }
    CpuUse cpu = figures.cpu();
    return String.format(Locale.ROOT, "At %s (openai-sse) the machine was %.2f of %d cores busy: gateway %.2f, "
        + "upstream %.2f, load generator %.2f, other processes %.2f; the direct path's own p99 is %s over its "
        + "median there.", RunResult.cell(level, interval), cpu.machine(), run.machine().cores(), cpu.target(),
      cpu.upstream(), cpu.bench(), cpu.other(),
      Fmt.ms(run.figure(BenchPath.DIRECT, level, interval, f -> f.ttft().p99() - f.ttft().p50())))
      + loopDelayWhy(run, level, interval);
  }

  /**
   * How late the gateway's event loops ran due tasks at {@code level} and {@code interval}, per Tokenlane path:
   * a stream waits as long as its loop, so this is the gateway's own part of a slow first token.
   */
  static String loopDelayWhy(RunResult run, int level, long interval) {
    List<String> parts = new ArrayList<>();
    for (BenchPath path : BenchPath.values()) {
      LoadFigures figures = path.isTokenlane() ? run.load(path, level, interval) : null;
      if (figures != null && figures.loopDelay() != null && figures.loopDelay().measured()) {
        LoopDelay delay = figures.loopDelay();
        parts.add(String.format(Locale.ROOT, "%s %s at p99 (%s of probes over 10 ms)", shortName(path),
          Double.isInfinite(delay.p99Ms()) ? "over 5 s" : "at most " + Fmt.ms(delay.p99Ms()),
          Fmt.percentOne(delay.over10msShare())));
      }
    }
    return parts.isEmpty() ? "" : " The gateway's event loops ran what was due late by: " + String.join("; ", parts)
      + " (`tokenlane_event_loop_delay_seconds`, probed every 20 ms per loop: garbage-collection pauses, and"
      + " waits for a CPU while the machine's other processes hold both cores).";
  }

  /**
   * What the JFR profile of each of {@code paths} says in a sentence: its top Tokenlane methods on the stack (the
   * full tables are in the report's profile section).
   */
  static String profiles(RunResult run, List<BenchPath> paths) {
    if (run.measured().stream().noneMatch(report -> report.profile() != null)) {
      return "No JFR profile in this run (" + (run.plan().profile() ? "none could be recorded" : "the "
        + run.plan().mode() + " mode records none") + ").";
    }
    List<String> parts = new ArrayList<>();
    for (BenchPath path : paths) {
      PathReport report = run.get(path);
      JfrProfile profile = report == null ? null : report.profile();
      parts.add(shortName(path) + " " + (profile == null || profile.samples() == 0 ? "(no profile)"
        : shares(profile.callers().stream().filter(caller -> !caller.name().equals(JfrProfile.NO_TOKENLANE)).toList())));
    }
    return "Where the CPU went (JFR, by Tokenlane method on the stack; tables below): " + String.join("; ", parts) + ".";
  }

  private static String shares(List<JfrProfile.Share> shares) {
    return String.join(", ", shares.stream().limit(METHODS)
      .map(share -> "`" + share.name() + "` " + Fmt.percent(share.fraction())).toList());
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
}
