package io.tokenlane.bench.report;

import io.tokenlane.bench.cluster.ClusterPlan;
import io.tokenlane.bench.cluster.ClusterReport;
import io.tokenlane.bench.proc.HeapHistogram;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The report's "Cluster (issue 9)" section: two members, each figure against issue 9's target, then the details. */
final class ClusterSection {

  private ClusterSection() {
  }

  static void write(Md md, RunResult run) {
    ClusterReport cluster = run.cluster();
    if (cluster == null) {
      return;
    }
    ClusterPlan plan = cluster.plan();
    md.heading(2, "Cluster (issue 9)");
    md.paragraph(String.format(Locale.ROOT, "Two gateway members from the same jar and configuration as the single "
        + "node, clustered on 127.0.0.1 (`TOKENLANE_CLUSTER_MEMBERS`, `_PORT`, `_HOST`), with a fresh fake upstream; "
        + "every stream is started on member A (its owner). Followers read native SSE on A (local) or on B "
        + "(cross-member: B's mirror of A's stream). Followers: %,d streams at once (%,d local and %,d cross-member in "
        + "one closed loop), %d tokens %d ms apart, %s warm-up, %s measured; time to first token runs from the "
        + "prompt's POST (to A) to the first token event at the follower. Cluster operations: the growth of "
        + "`/readyz` `cluster.operations` over that window, both members, over the token events the clients "
        + "received in it. Cancel: %,d streams one at a time, each followed on B and cancelled with a DELETE sent to "
        + "B, until the fake upstream saw its connection close. Heap: %,d idle streams started on A and followed on "
        + "B, live heap after a full GC on each member against the same member before. Owner lost: %,d streams "
        + "followed on B, tokens flowing, then A killed with SIGKILL (`Process.destroyForcibly`).",
      plan.level(), plan.level() / 2, plan.level() / 2, plan.tokens(), plan.intervalMs(),
      Fmt.seconds(plan.warmup()), Fmt.seconds(plan.window()), plan.cancels(), plan.idleStreams(),
      plan.lostStreams()));
    md.code("bash", run.command());
    if (cluster.failure() != null) {
      md.paragraph("**The cluster phase stopped**: " + cluster.failure());
    }
    goals(md, run);
    followers(md, cluster);
    operations(md, cluster.operations());
    memory(md, cluster.memory());
  }

  private static void goals(Md md, RunResult run) {
    List<Goals.Goal> goals = ClusterGoals.evaluate(run);
    List<List<String>> rows = new ArrayList<>();
    goals.forEach(goal -> rows.add(List.of(goal.target(), goal.standing(), goal.verdict().label)));
    md.table(List.of("target (issue 9)", "where we stand", ""), rows);
    goals.stream().filter(goal -> !goal.why().isBlank())
      .forEach(goal -> md.line("- **" + goal.target() + "**: " + goal.why().strip()));
    md.line("");
  }

  private static void followers(Md md, ClusterReport cluster) {
    followers(md, cluster, cluster.followers(), cluster.plan().intervalMs());
    if (cluster.paced() != null) {
      md.paragraph(String.format(Locale.ROOT, "The same closed loop again, the upstream pacing tokens %d ms apart "
        + "(a large model's 20 tokens a second; %,d tokens a second offered at %d streams), so that the members "
        + "have room and the times show the cross-member hop rather than a queue:", cluster.plan().pacedIntervalMs(),
        cluster.plan().level() * 1000 / cluster.plan().pacedIntervalMs(), cluster.plan().level()));
      followers(md, cluster, cluster.paced(), cluster.plan().pacedIntervalMs());
    }
  }

  private static void followers(Md md, ClusterReport cluster, ClusterReport.Followers f, long intervalMs) {
    if (f == null) {
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(row("local (reads on A), " + intervalMs + " ms", f.local()));
    rows.add(row("cross-member (reads on B), " + intervalMs + " ms", f.cross()));
    md.table(List.of("followers", "streams", "failed", "TTFT p50", "p90", "p99", "max", "tokens/s"), rows);
    md.paragraph(String.format(Locale.ROOT, "CPU in the window: member A %s cores, member B %s, other work on the "
        + "machine %s; both members together %s per delivered token.", Fmt.cores(f.ownerCores()),
      Fmt.cores(f.otherCores()), Fmt.cores(f.otherWork()),
      Fmt.micros(f.clusterMicrosPerToken(cluster.plan().window().toMillis() / 1000.0))));
    f.local().errors().forEach((message, count) -> md.line("- local: " + count + " × `" + message + "`"));
    f.cross().errors().forEach((message, count) -> md.line("- cross-member: " + count + " × `" + message + "`"));
    md.line("");
  }

  private static List<String> row(String name, ClusterReport.Group group) {
    return List.of(name, Fmt.count(group.streams()), DetailSections.failed(group.failed()), Fmt.ms(group.ttft().p50()),
      Fmt.ms(group.ttft().p90()), Fmt.ms(group.ttft().p99()), Fmt.ms(group.ttft().max()),
      Fmt.rate(group.tokensPerSecond()));
  }

  private static void operations(Md md, ClusterReport.Operations ops) {
    if (ops == null) {
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    ops.counts().forEach((kind, count) -> rows.add(List.of("`" + kind + "`", Fmt.count(count),
      String.format(Locale.ROOT, "%.3f", ops.perToken(kind)))));
    rows.add(List.of("**all**", Fmt.count(ops.counts().values().stream().mapToLong(Long::longValue).sum()),
      String.format(Locale.ROOT, "**%.3f**", ops.perToken())));
    md.table(List.of("cluster operation (both members)", "in the window", "per delivered token"), rows);
    md.paragraph("Batches go across streams: each event loop's journal writes the batches of all its streams in one "
      + "`putAll` (`backupWrites` counts one per member owning some of its keys) and sends each following member "
      + "one message for all its mirrors (`batchesSent` counts messages); `requests` are follow, unfollow and cancel "
      + "requests; `registryOperations` the stream registry, request ids, session slots and quotas.");
  }

  private static void memory(Md md, ClusterReport.Memory memory) {
    if (memory == null) {
      return;
    }
    md.table(List.of("member", "heap per idle stream", "largest growth per stream (class: bytes)"), List.of(
      List.of("A (owner)", Fmt.kb(memory.ownerPerStream()), growth(memory.ownerGrowth(), memory.open())),
      List.of("B (mirror and follower)", Fmt.kb(memory.mirrorPerStream()), growth(memory.mirrorGrowth(),
        memory.open()))));
  }

  private static String growth(List<HeapHistogram.Growth> growth, int open) {
    return String.join(", ", growth.stream().limit(4).map(entry -> GoalText.simpleClass(entry.className())
      + " " + Math.round(entry.bytes() / (double) Math.max(1, open)) + " B").toList());
  }
}
