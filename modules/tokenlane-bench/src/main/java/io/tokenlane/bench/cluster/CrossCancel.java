package io.tokenlane.bench.cluster;

import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.load.HeldStream;
import io.tokenlane.bench.phase.CancelFigures;
import io.tokenlane.bench.phase.CancelPhase;
import io.tokenlane.bench.phase.Quantiles;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Cross-member cancel to upstream close, one stream at a time: a stream started on A and followed on B (its first
 * token arrived there, so B's mirror is subscribed), cancelled with {@code DELETE /v1/streams/{id}} sent to B; the
 * fake upstream says when its connection closed. Both times are {@code CLOCK_MONOTONIC}, as in the cancel phase.
 */
final class CrossCancel {

  static final String HOW = "DELETE /v1/streams/{id} to member B; A owns the stream";

  private CrossCancel() {
  }

  static CancelFigures run(ClusterContext ctx) throws IOException {
    ctx.upstream.script(BenchPlan.IDLE);
    Histogram micros = new Histogram(600_000_000L, 3);
    int reached = 0;
    for (int i = 0; i < ctx.plan.cancels(); i++) {
      List<HeldStream> held = ctx.load.hold(ctx.cross(), 1, Duration.ofSeconds(10));
      if (held.isEmpty()) {
        continue;
      }
      if (CancelPhase.cancelOnce(held.get(0), ctx.upstream, ctx.plan.cancelWait().toMillis(), micros)) {
        reached++;
      }
    }
    CancelFigures figures = new CancelFigures(HOW, ctx.plan.cancels(), reached, Quantiles.millis(micros));
    ctx.step("cross-member cancel %d/%d reached the upstream  p50=%.2f p99=%.2f ms", reached, ctx.plan.cancels(),
      figures.latency().p50(), figures.latency().p99());
    return figures;
  }
}
