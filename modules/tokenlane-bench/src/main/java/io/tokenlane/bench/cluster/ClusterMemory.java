package io.tokenlane.bench.cluster;

import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.load.HeldStream;
import io.tokenlane.bench.proc.HeapHistogram;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Live heap per idle stream on a cluster, as the memory phase measures a single node: streams started on A and
 * followed on B (first token, then silence), A's and B's live heap after a full GC against the same members with
 * none. A holds the stream, its upstream request and B's subscription; B holds its mirror and the follower's
 * connection, which on a single node the one gateway holds.
 */
final class ClusterMemory {

  /** Streams opened and closed first, so that the baseline already holds the code and pools a stream touches. */
  private static final int WARM_STREAMS = 50;

  private ClusterMemory() {
  }

  static ClusterReport.Memory run(ClusterContext ctx) throws IOException {
    ctx.upstream.script(BenchPlan.IDLE);
    ctx.release(ctx.load.hold(ctx.cross(), Math.min(WARM_STREAMS, ctx.plan.idleStreams()), Duration.ofSeconds(30)));
    ctx.settle();
    HeapHistogram ownerBefore = ctx.cluster.owner().liveHeap();
    HeapHistogram otherBefore = ctx.cluster.other().liveHeap();
    List<HeldStream> held = ctx.load.hold(ctx.cross(), ctx.plan.idleStreams(), Duration.ofSeconds(120));
    ctx.settle();
    HeapHistogram owner = ctx.cluster.owner().liveHeap();
    HeapHistogram other = ctx.cluster.other().liveHeap();
    int open = held.size();
    ClusterReport.Memory memory = new ClusterReport.Memory(open, perStream(owner, ownerBefore, open),
      perStream(other, otherBefore, open), owner.growthSince(ownerBefore, 5), other.growthSince(otherBefore, 5));
    ctx.step("idle streams %d/%d  owner A %.1f KB/stream  mirror B %.1f KB/stream", open, ctx.plan.idleStreams(),
      memory.ownerPerStream() / 1024, memory.mirrorPerStream() / 1024);
    ctx.release(held);
    return memory;
  }

  private static double perStream(HeapHistogram after, HeapHistogram before, int open) {
    return open == 0 ? Double.NaN : (after.totalBytes() - before.totalBytes()) / (double) open;
  }
}
