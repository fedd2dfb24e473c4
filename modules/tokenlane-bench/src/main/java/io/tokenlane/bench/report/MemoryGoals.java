package io.tokenlane.bench.report;

import io.tokenlane.bench.phase.MemoryFigures;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.target.TokenlaneTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Issue 8's memory targets: heap per idle open stream, and 10,000 open streams in the gateway's heap. */
final class MemoryGoals {

  /** The heap a stream may take when idle. */
  static final double HEAP_PER_STREAM = 20 * 1024;
  /** Open streams that must fit in {@link #MAX_HEAP}. */
  static final int STREAMS = 10_000;
  /** The gateway's heap in the bench ({@link TokenlaneTarget#HEAP}). */
  static final double MAX_HEAP = 512 * 1048576.0;

  private MemoryGoals() {
  }

  static Goals.Goal heapPerStream(List<PathReport> tokenlane) {
    String target = "Under 20 KB of heap per idle open stream, every transport";
    List<Goals.Value> values = new ArrayList<>();
    for (PathReport report : tokenlane) {
      MemoryFigures top = GoalText.largest(report);
      if (top != null) {
        values.add(new Goals.Value(report.path(), top.heapPerStream(), Fmt.kb(top.heapPerStream())
          + String.format(Locale.ROOT, " (%,d streams)", top.open())));
      }
    }
    if (values.isEmpty()) {
      return new Goals.Goal(target, "no memory run", Goals.Verdict.NOT_MEASURED, "");
    }
    Goals.Verdict verdict = Goals.verdict(values, value -> value < HEAP_PER_STREAM);
    Goals.Value worst = values.stream().max((a, b) -> Double.compare(a.value(), b.value())).orElseThrow();
    PathReport worstReport = tokenlane.stream().filter(report -> report.path() == worst.path()).findFirst().orElseThrow();
    return new Goals.Goal(target, GoalText.join(values), verdict, verdict == Goals.Verdict.MET ? ""
      : "Largest growth per stream on " + worst.path().id() + ": " + GoalText.growthText(GoalText.largest(worstReport)));
  }

  /** Measured when a run held 10,000 streams; otherwise projected from the largest run, and said so. */
  static Goals.Goal tenThousand(List<PathReport> tokenlane) {
    String target = String.format(Locale.ROOT, "%,d open streams within a 512 MB heap, measured, every transport",
      STREAMS);
    List<Goals.Value> values = new ArrayList<>();
    int fewest = Integer.MAX_VALUE;
    for (PathReport report : tokenlane) {
      MemoryFigures top = GoalText.largest(report);
      if (top == null || top.heapBytes() < 0) {
        continue;
      }
      fewest = Math.min(fewest, top.open());
      boolean measured = top.open() >= STREAMS;
      double heap = measured ? top.heapBytes() : top.baselineHeapBytes() + STREAMS * top.heapPerStream();
      values.add(new Goals.Value(report.path(), heap, Fmt.mb(heap)
        + (measured ? String.format(Locale.ROOT, " (%,d open)", top.open())
          : String.format(Locale.ROOT, " projected from %,d of %,d asked", top.open(), top.requested()))));
    }
    if (values.isEmpty()) {
      return new Goals.Goal(target, "no memory run", Goals.Verdict.NOT_MEASURED, "");
    }
    Goals.Verdict verdict = Goals.verdict(values, value -> value < MAX_HEAP);
    if (fewest < STREAMS && verdict != Goals.Verdict.MISSED) {
      verdict = Goals.Verdict.PROJECTED;
    }
    String why = verdict == Goals.Verdict.PROJECTED ? "Fewer than " + Fmt.count(STREAMS) + " streams were held: "
      + "a smaller run, or the machine's open-files limit per process (a gateway stream takes two sockets; the "
      + "limit is in *Machine*), so the live heap at " + Fmt.count(STREAMS) + " is projected from the heap per stream."
      : verdict == Goals.Verdict.MET ? "" : "See the heap per stream above.";
    return new Goals.Goal(target, GoalText.join(values) + " (live heap after a full GC, gateway with "
      + TokenlaneTarget.HEAP + ")", verdict, why);
  }
}
