package io.tokenlane.bench.phase;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.load.HeldStream;
import io.tokenlane.bench.proc.HeapHistogram;
import io.tokenlane.bench.proc.OpenFiles;
import io.tokenlane.bench.proc.ProcStats;
import io.vertx.core.Future;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Memory per idle open stream: a fresh target process per level, its live heap (after a full GC) and RSS with no
 * stream, then with N streams whose upstream sent one token and went silent.
 */
final class MemoryPhase {

  private MemoryPhase() {
  }

  static void run(PhaseContext ctx, PathReport report) throws IOException {
    // What the load phases left behind (ended streams kept for resume, pools), before the fresh process.
    HeapHistogram afterLoad = ctx.plan.memoryFresh() ? ctx.target.liveHeap() : null;
    boolean freshPerLevel = ctx.plan.memoryFresh() && !ctx.sharedProcesses;
    Baseline baseline = null;
    for (int level : ctx.plan.memoryLevels()) {
      // Cancelled streams stay in the hub for the resume window: each level gets a fresh process, so that the
      // streams of the level before are not counted again.
      if (baseline == null || freshPerLevel) {
        ctx.restartTarget();
        baseline = baseline(ctx);
        if (afterLoad != null && report.heapAfterLoad == null && baseline.heap() != null) {
          report.heapAfterLoad = afterLoad(ctx, afterLoad, baseline.heap());
        }
      }
      boolean multiplexed = ctx.target.multiplexesOpenAiUpstream() && ctx.path.upstream() == BenchPath.Upstream.OPENAI;
      int fits = OpenFiles.gatewayStreams(multiplexed ? 1 : 2);
      if (fits < level) {
        ctx.step("idle streams: %,d asked, %,d held at most: the open-files limit (%,d) caps a gateway there",
          level, fits, OpenFiles.softLimit());
      }
      List<HeldStream> held = ctx.load.hold(ctx.path, ctx.endpoint, Math.min(level, fits), Duration.ofSeconds(120));
      pause(ctx.plan.settle().toMillis());
      HeapHistogram heap = ctx.target.liveHeap();
      long rss = ProcStats.rssBytes(ctx.target.pids());
      MemoryFigures figures = new MemoryFigures(level, held.size(), heap == null ? -1 : heap.totalBytes(), rss,
        baseline.heap() == null ? -1 : baseline.heap().totalBytes(), baseline.rss(),
        heap == null ? List.of() : heap.growthSince(baseline.heap(), 8));
      report.memory.add(figures);
      if (heap != null && baseline.heap() != null) {
        writeGrowth(ctx, level, held.size(), heap.growthSince(baseline.heap(), 80));
      }
      ctx.step("idle streams %d/%d  heap %s/stream  rss %s/stream", held.size(), level,
        kb(figures.heapPerStream()), kb(figures.rssPerStream()));
      release(ctx, held);
    }
  }

  /** The whole growth by class, per stream, into the work directory: where an idle stream's bytes go. */
  private static void writeGrowth(PhaseContext ctx, int level, int held, List<HeapHistogram.Growth> growth) {
    StringBuilder text = new StringBuilder("bytes/stream  instances/stream  class (" + held + " idle streams)\n");
    for (HeapHistogram.Growth entry : growth) {
      text.append(String.format("%12.1f  %16.2f  %s%n", entry.bytes() / (double) Math.max(1, held),
        entry.instances() / (double) Math.max(1, held), entry.className()));
    }
    try {
      java.nio.file.Files.writeString(ctx.workDir.resolve(ctx.path.id() + "-idle-" + level + ".txt"), text);
    } catch (java.io.IOException e) {
      ctx.step("could not write the heap growth: %s", e.getMessage());
    }
  }

  /** The target before any idle stream: live heap and, on a fresh process, RSS. */
  private record Baseline(HeapHistogram heap, long rss) {
  }

  private static Baseline baseline(PhaseContext ctx) throws IOException {
    ctx.upstream.script(BenchPlan.IDLE);
    // Load the classes and JIT-compile the code an idle stream touches, so the baseline already holds them.
    release(ctx, ctx.load.hold(ctx.path, ctx.endpoint, Math.min(50, ctx.plan.memoryLevels().get(0)),
      Duration.ofSeconds(30)));
    pause(ctx.plan.settle().toMillis());
    HeapHistogram heap = ctx.target.liveHeap();
    // RSS only means something on a fresh process: one that ran the load phases keeps the memory it grew into.
    long rss = ctx.plan.memoryFresh() && !ctx.sharedProcesses ? ProcStats.rssBytes(ctx.target.pids()) : -1;
    return new Baseline(heap, rss);
  }

  private static HeapAfterLoad afterLoad(PhaseContext ctx, HeapHistogram afterLoad, HeapHistogram fresh) {
    HeapAfterLoad figures = new HeapAfterLoad(afterLoad.totalBytes(), fresh.totalBytes(), afterLoad.growthSince(fresh, 5),
      afterLoad.countByClass().getOrDefault(HeapAfterLoad.HUB_STREAM_CLASS, 0L));
    ctx.step("live heap after the load phases %.1f MB (%,d ended streams kept), fresh %.1f MB",
      afterLoad.totalBytes() / 1048576.0, figures.streamsKept(), fresh.totalBytes() / 1048576.0);
    return figures;
  }

  /** Cancels the streams and closes their clients, then lets the target settle. */
  private static void release(PhaseContext ctx, List<HeldStream> held) {
    held.forEach(HeldStream::cancelAsync);
    try {
      Future.join(held.stream().map(HeldStream::done).toList()).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Whatever did not end in time is closed below.
    }
    held.forEach(HeldStream::close);
    pause(ctx.plan.settle().toMillis() * 2);
  }

  static String kb(double bytes) {
    return Double.isNaN(bytes) ? "n/a" : String.format("%.1f KB", bytes / 1024);
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
