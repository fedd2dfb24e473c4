package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.cluster.ClusterReport;
import io.tokenlane.bench.phase.CancelFigures;
import io.tokenlane.bench.phase.LoadFigures;
import io.tokenlane.bench.phase.MemoryFigures;
import io.tokenlane.bench.phase.PathReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Issue 9's targets against the cluster phase's figures, and the single-node path against its figure before. */
final class ClusterGoals {

  static final double CANCEL_P99_MS = 50;
  static final double ADDED_TTFT_P99_MS = 5;
  static final double OPERATIONS_PER_TOKEN = 0.2;
  /** Within this ratio of the figure before clustering, the single node counts as unchanged. */
  static final double UNCHANGED_RATIO = 1.10;
  /**
   * The OpenAI path's CPU per token at 200 streams and 10 ms in the last full run before clustering (docs/benchmarks,
   * 2026-12-01, commit 3368cac): a constant, because that run is history and the report compares with it.
   */
  static final double BEFORE_MICROS_PER_TOKEN = 39.2;
  static final String BEFORE = "39.2 µs (full run of 2026-12-01, commit 3368cac, before clustering)";

  private ClusterGoals() {
  }

  static List<Goals.Goal> evaluate(RunResult run) {
    ClusterReport cluster = run.cluster();
    List<Goals.Goal> goals = new ArrayList<>();
    goals.add(cancel(cluster.cancel()));
    goals.add(addedTtft(cluster));
    goals.add(operations(cluster.operations(), cluster.plan().intervalMs()));
    goals.add(heap(run, cluster.memory()));
    goals.add(ownerLost(cluster.ownerLoss()));
    goals.add(singleNode(run));
    return goals;
  }

  private static Goals.Goal cancel(CancelFigures cancel) {
    String target = "Cross-member cancel to upstream close, p99 under " + Fmt.ms(CANCEL_P99_MS);
    if (cancel == null || cancel.reached() == 0) {
      return notMeasured(target);
    }
    double p99 = cancel.latency().p99();
    boolean met = p99 < CANCEL_P99_MS && cancel.reached() == cancel.attempts();
    return new Goals.Goal(target, String.format(Locale.ROOT, "p50 %s, p99 %s, max %s (%d of %d reached the upstream)",
      Fmt.ms(cancel.latency().p50()), Fmt.ms(p99), Fmt.ms(cancel.latency().max()), cancel.reached(),
      cancel.attempts()), met ? Goals.Verdict.MET : Goals.Verdict.MISSED, met ? ""
      : p99 < CANCEL_P99_MS ? "Some cancels did not reach the upstream within the wait."
      : "A cancel sent to B goes to the owner A over the event bus before A closes the upstream request.");
  }

  /**
   * Judged on the paced run when there is one (a large model's pace, which leaves the members room to show the hop),
   * else on the 10 ms run.
   */
  private static Goals.Goal addedTtft(ClusterReport cluster) {
    boolean paced = cluster.paced() != null;
    ClusterReport.Followers f = paced ? cluster.paced() : cluster.followers();
    long intervalMs = paced ? cluster.plan().pacedIntervalMs() : cluster.plan().intervalMs();
    int streams = cluster.plan().level();
    String target = String.format(Locale.ROOT, "Added TTFT p99 of a cross-member follower against a local one under "
      + "%s, %d streams at once, %d ms between tokens", Fmt.ms(ADDED_TTFT_P99_MS), streams, intervalMs);
    if (f == null || !f.cross().ttft().present() || !f.local().ttft().present()) {
      return notMeasured(target);
    }
    double added = f.addedTtftP99();
    double offered = streams * 1000.0 / Math.max(1, intervalMs);
    double delivered = f.local().tokensPerSecond() + f.cross().tokensPerSecond();
    String standing = String.format(Locale.ROOT, "cross-member p99 %s, local p99 %s: %s (p50 %s against %s)",
      Fmt.ms(f.cross().ttft().p99()), Fmt.ms(f.local().ttft().p99()), Fmt.addedMs(added),
      Fmt.ms(f.cross().ttft().p50()), Fmt.ms(f.local().ttft().p50()));
    if (delivered < 0.9 * offered) {
      // A saturated cluster queues every stream's start: both percentiles then measure the queue, not the hop.
      return new Goals.Goal(target, standing, Goals.Verdict.INCONCLUSIVE, String.format(Locale.ROOT, "The members "
          + "were saturated: %s tokens/s delivered of %s offered (members %s and %s cores, other work %s cores), so "
          + "both followers' times measure the queue in front of a stream's start, not the cross-member hop.",
        Fmt.rate(delivered), Fmt.rate(offered), Fmt.cores(f.ownerCores()), Fmt.cores(f.otherCores()),
        Fmt.cores(f.otherWork())));
    }
    return new Goals.Goal(target, standing, added < ADDED_TTFT_P99_MS ? Goals.Verdict.MET : Goals.Verdict.MISSED,
      added < ADDED_TTFT_P99_MS ? "" : String.format(Locale.ROOT, "A cross-member follower's first token takes one "
        + "event-bus message from A to B (sent at the end of A's event-loop turn, with its backup write rather than "
        + "after it) before B's mirror serves it; at p50 that adds %s. The p99 is the tail of a machine whose two "
        + "cores run both members, the upstream and the load generator: the members used %s and %s cores and other "
        + "work %s cores in the window, and the local followers' own p99 was %s above their p50.",
        Fmt.addedMs(f.cross().ttft().p50() - f.local().ttft().p50()), Fmt.cores(f.ownerCores()),
        Fmt.cores(f.otherCores()), Fmt.cores(f.otherWork()), Fmt.ms(f.local().ttft().p99() - f.local().ttft().p50())));
  }

  private static Goals.Goal operations(ClusterReport.Operations ops, long intervalMs) {
    String target = "Cluster operations per delivered token under " + Fmt.decimal(OPERATIONS_PER_TOKEN);
    if (ops == null || ops.tokens() == 0) {
      return notMeasured(target);
    }
    List<String> kinds = new ArrayList<>();
    ops.counts().forEach((kind, count) -> kinds.add(kind + " " + String.format(Locale.ROOT, "%.3f", ops.perToken(kind))));
    double total = ops.perToken();
    return new Goals.Goal(target, String.format(Locale.ROOT, "%.3f per token (%s; %,d tokens, both members)", total,
      String.join(", ", kinds), ops.tokens()), total < OPERATIONS_PER_TOKEN ? Goals.Verdict.MET : Goals.Verdict.MISSED,
      total < OPERATIONS_PER_TOKEN ? "" : "Batches go across streams: each event loop of the owner writes the "
        + "batches of all its streams in one `putAll` every `cluster.batchMs` (50 ms by default; a backup write per "
        + "member owning some of the keys), then sends each following member one message for all its mirrors; a "
        + "followed stream's first token makes its loop write early (at the end of the turn, at most every "
        + "`cluster.urgentMs`), so starts cost extra writes and messages, at " + intervalMs + " ms between tokens; "
        + "and each stream costs a few registry operations (slot, registry, end), which no batching removes.");
  }

  private static Goals.Goal heap(RunResult run, ClusterReport.Memory memory) {
    String target = "Extra heap per stream for the cluster state";
    if (memory == null || memory.open() == 0) {
      return notMeasured(target);
    }
    MemoryFigures single = singleNodeMemory(run, memory.open());
    String standing = String.format(Locale.ROOT, "owner A %s + mirror B %s per stream (%,d idle streams)",
      Fmt.kb(memory.ownerPerStream()), Fmt.kb(memory.mirrorPerStream()), memory.open());
    if (single != null) {
      double extra = memory.ownerPerStream() + memory.mirrorPerStream() - single.heapPerStream();
      standing += String.format(Locale.ROOT, " against %s on a single node (tokenlane-sse, %,d streams): %s%s extra",
        Fmt.kb(single.heapPerStream()), single.open(), extra >= 0 ? "+" : "−", Fmt.kb(Math.abs(extra)));
    } else {
      standing += "; no single-node figure in this run (add --paths tokenlane-sse)";
    }
    return new Goals.Goal(target, standing, Goals.Verdict.MEASURED, "");
  }

  private static Goals.Goal ownerLost(ClusterReport.OwnerLoss loss) {
    String target = "Time from `kill -9` of the owner to `owner_lost` at clients on the other member";
    if (loss == null || loss.followers() == 0) {
      return notMeasured(target);
    }
    boolean whole = loss.ownerLost() == loss.followers() && loss.exactlyOnce() == loss.followers();
    return new Goals.Goal(target, String.format(Locale.ROOT, "p50 %s, p99 %s, max %s; %d of %d followers got "
        + "`owner_lost`, %d exactly one end%s", Fmt.ms(loss.latency().p50()), Fmt.ms(loss.latency().p99()),
      Fmt.ms(loss.latency().max()), loss.ownerLost(), loss.followers(), loss.exactlyOnce(),
      loss.otherCodes().isEmpty() ? "" : "; other ends " + loss.otherCodes()),
      whole ? Goals.Verdict.MEASURED : Goals.Verdict.MISSED, whole ? "" : "Not every follower got exactly one "
        + "`owner_lost` end.");
  }

  private static Goals.Goal singleNode(RunResult run) {
    String target = "The single node's hot path as fast as before clustering: tokenlane-openai-sse CPU per token, "
      + "200 streams, 10 ms";
    LoadFigures now = run.load(BenchPath.TOKENLANE_OPENAI, 200, 10);
    if (now == null || Double.isNaN(now.cpuMicrosPerToken())) {
      return notMeasured(target);
    }
    double ratio = now.cpuMicrosPerToken() / BEFORE_MICROS_PER_TOKEN;
    String standing = String.format(Locale.ROOT, "%s now (%s run; gateway JIT share %s, other work %s cores) "
        + "against %s: %s", Fmt.micros(now.cpuMicrosPerToken()), run.plan().mode(),
      Fmt.percentOne(now.cpu().targetJitShare()), Fmt.cores(now.cpu().other()), BEFORE, Fmt.ratio(ratio));
    if (ratio <= UNCHANGED_RATIO) {
      return new Goals.Goal(target, standing, Goals.Verdict.MET, "");
    }
    boolean noisy = !"full".equals(run.plan().mode()) || now.cpu().targetJitShare() > 0.02 || now.cpu().other() > 0.3;
    return new Goals.Goal(target, standing, noisy ? Goals.Verdict.INCONCLUSIVE : Goals.Verdict.MISSED, noisy
      ? "A " + run.plan().mode() + " run's short windows and warm-up (the JIT still compiling, other work on the "
        + "machine) put CPU per token above a full run's; only a full run compares to the last digit."
      : "The single node spends more CPU per token than before clustering.");
  }

  /** @return the single node's native SSE memory run nearest {@code open} streams, or {@code null} */
  static MemoryFigures singleNodeMemory(RunResult run, int open) {
    PathReport sse = run.get(BenchPath.TOKENLANE_SSE);
    if (sse == null || sse.memory().isEmpty()) {
      return null;
    }
    return sse.memory().stream().min((a, b) -> Integer.compare(Math.abs(a.open() - open), Math.abs(b.open() - open)))
      .orElse(null);
  }

  private static Goals.Goal notMeasured(String target) {
    return new Goals.Goal(target, "not measured", Goals.Verdict.NOT_MEASURED, "");
  }
}
