package io.tokenlane.bench.phase;

import io.tokenlane.bench.load.LoadResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Warms a path until the JIT is done: closed-loop rounds cycling through the intervals the path is measured at,
 * not recorded, until in one round of each every JVM of the path (the gateway, the fake upstream, this load
 * generator) spent next to nothing in its compiler threads, and a new JVM got the plan's least number of tokens.
 * The plan's cap ends it otherwise, and the report says so. As many clients as the largest level open their
 * connections briefly before the rounds (so that the code doing it is compiled, and the code it recompiles too,
 * before the JIT is judged quiet) and again after them, so that their connections are open and pooled and no
 * level measures TCP handshakes.
 */
final class WarmupPhase {

  /** Clients of a round at 0 ms: enough to keep every core busy. */
  private static final int SATURATION_CLIENTS = 50;
  /** Clients of a paced round, at most: issue 8's middle level. */
  private static final int PACED_CLIENTS = 200;

  private WarmupPhase() {
  }

  static WarmupFigures run(PhaseContext ctx) throws IOException {
    long start = System.nanoTime();
    long deadline = start + ctx.plan.warmup().max().toNanos();
    long minTokens = ctx.coldJvm ? ctx.plan.warmup().minTokens() : 0;
    List<Long> intervals = ctx.plan.intervalsMs();
    JitMeter jit = JitMeter.of(ctx);
    // The measured windows scrape the gateway's metrics at their edges: the rounds do too, so that the code serving
    // a scrape is compiled here and not in a measured window.
    LoopDelay.Meter loops = LoadPhase.loopDelayMeter(ctx);
    List<List<JitMeter.Share>> recent = new ArrayList<>();
    // The largest level's connections first, not only at the end: opening hundreds of connections at once runs the
    // accept and connect paths through the same pipeline methods as every token's read (Netty's fireChannelRead,
    // Vert.x's connection read), whose compiled code, specialised on the reads alone, is thrown away and compiled
    // again. Done here, that happens in the rounds; done only at the end, it filled the first measured window with
    // compiler work (25-35% of the gateway's CPU there).
    openConnections(ctx);
    long streams = 0;
    long tokens = 0;
    int round = 0;
    boolean steady = false;
    while (!steady && System.nanoTime() < deadline) {
      long interval = intervals.get(round++ % intervals.size());
      ctx.upstream.script(ctx.plan.script(interval));
      jit.start();
      LoadResult result = ctx.load.closedLoop(ctx.path, ctx.endpoint, clients(ctx, interval), Duration.ofMillis(50),
        ctx.plan.warmup().round(), interval * 1_000_000L, LoadPhase.edges(loops::start, loops::stop));
      recent.add(jit.stop());
      if (recent.size() > intervals.size()) {
        recent.remove(0);
      }
      streams += result.completed();
      tokens += result.tokens();
      steady = tokens >= minTokens && recent.size() == intervals.size()
        && recent.stream().allMatch(shares -> shares.stream().allMatch(JitMeter.Share::quiet));
    }
    openConnections(ctx);
    WarmupFigures figures = new WarmupFigures((System.nanoTime() - start) / 1e9, streams, tokens, minTokens, steady,
      pooled(recent));
    ctx.step("warmed up in %.1f s, %,d streams, %,d tokens: %s; compiler share %s", figures.seconds(), streams,
      tokens, steady ? "the JIT is quiet" : "CAPPED, the JIT was still busy", figures.describeShares());
    return figures;
  }

  private static int clients(PhaseContext ctx, long interval) {
    return Math.min(ctx.plan.largestLevel(), interval == 0 ? SATURATION_CLIENTS : PACED_CLIENTS);
  }

  /** Each JVM's compiler share over the last rounds together. */
  private static List<WarmupFigures.JitShare> pooled(List<List<JitMeter.Share>> rounds) {
    List<WarmupFigures.JitShare> shares = new ArrayList<>();
    if (rounds.isEmpty()) {
      return shares;
    }
    for (int jvm = 0; jvm < rounds.get(0).size(); jvm++) {
      double process = 0;
      double compiler = 0;
      for (List<JitMeter.Share> round : rounds) {
        process += round.get(jvm).processSeconds();
        compiler += round.get(jvm).compilerSeconds();
      }
      shares.add(new WarmupFigures.JitShare(rounds.get(0).get(jvm).role(), process > 0 ? compiler / process : 0));
    }
    return shares;
  }

  private static void openConnections(PhaseContext ctx) throws IOException {
    int largest = ctx.plan.largestLevel();
    if (largest > SATURATION_CLIENTS) {
      long interval = ctx.plan.referenceInterval();
      ctx.upstream.script(ctx.plan.script(interval));
      ctx.load.closedLoop(ctx.path, ctx.endpoint, largest, Duration.ofMillis(300), Duration.ofMillis(400),
        interval * 1_000_000L, edge -> { });
    }
  }
}
