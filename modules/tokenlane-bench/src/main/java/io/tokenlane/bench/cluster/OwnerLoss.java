package io.tokenlane.bench.cluster;

import io.tokenlane.bench.load.HeldStream;
import io.tokenlane.bench.phase.Quantiles;
import io.tokenlane.bench.upstream.ScriptSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Member A dies ({@code kill -9}, so no drain and no goodbye to the cluster) while B's clients follow its streams,
 * tokens still flowing: time from the kill to each follower's {@code end{reason: error, code: owner_lost}}, and
 * whether every follower got exactly one end. Runs last: A is gone after it.
 */
final class OwnerLoss {

  /**
   * Slow tokens: the streams are live when A dies (for up to 200 s), without load that would blur the kill's
   * timing. Not more tokens: the fake upstream builds a script's events when the request comes, on its event loop.
   */
  private static final ScriptSpec LIVE = new ScriptSpec(2_000, 100, -1);
  /** Hazelcast's member timeout (5 s) and the mirrors' ends fit well within this. */
  private static final long WAIT_MS = 60_000;
  static final String OWNER_LOST = "owner_lost";

  private OwnerLoss() {
  }

  static ClusterReport.OwnerLoss run(ClusterContext ctx) throws IOException {
    ctx.upstream.script(LIVE);
    List<HeldStream> held = ctx.load.hold(ctx.cross(), ctx.plan.lostStreams(), Duration.ofSeconds(60));
    long killed = ctx.cluster.owner().kill();
    ClusterContext.awaitDone(held, WAIT_MS);
    Histogram micros = new Histogram(600_000_000L, 3);
    int ended = 0;
    int once = 0;
    int lost = 0;
    Map<String, Integer> others = new LinkedHashMap<>();
    for (HeldStream stream : held) {
      HeldStream.Ending ending = stream.ending();
      ended += ending.events() > 0 ? 1 : 0;
      once += ending.events() == 1 ? 1 : 0;
      if (OWNER_LOST.equals(ending.code())) {
        lost++;
        micros.recordValue(Math.max(0, (ending.nanos() - killed) / 1000));
      } else {
        others.merge(ending.events() == 0 ? "(no end)" : String.valueOf(ending.code()), 1, Integer::sum);
      }
      stream.close();
    }
    ClusterReport.OwnerLoss loss = new ClusterReport.OwnerLoss(held.size(), ended, once, lost, Map.copyOf(others),
      Quantiles.millis(micros));
    ctx.step("kill -9 of A: %d/%d followers on B got owner_lost (%d exactly one end)  p50=%.0f p99=%.0f max=%.0f ms%s",
      lost, held.size(), once, loss.latency().p50(), loss.latency().p99(), loss.latency().max(),
      others.isEmpty() ? "" : "  other ends " + others);
    return loss;
  }
}
