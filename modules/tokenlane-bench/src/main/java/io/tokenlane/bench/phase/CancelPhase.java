package io.tokenlane.bench.phase;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.load.HeldStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Client cancel to upstream connection closed, one stream at a time: open a stream, wait for its first token,
 * cancel, and ask the fake upstream when it saw the connection close. Both times are {@code CLOCK_MONOTONIC}.
 */
final class CancelPhase {

  /** Misses in a row, with none reached, after which a path counts as never cancelling upstream. */
  private static final int GIVE_UP_AFTER = 3;

  private CancelPhase() {
  }

  static CancelFigures run(PhaseContext ctx) throws IOException {
    ctx.upstream.script(BenchPlan.IDLE);
    Histogram micros = new Histogram(600_000_000L, 3);
    int attempts = ctx.plan.cancels();
    int reached = 0;
    for (int i = 0; i < attempts; i++) {
      List<HeldStream> held = ctx.load.hold(ctx.path, ctx.endpoint, 1, Duration.ofSeconds(10));
      if (held.isEmpty()) {
        continue;
      }
      HeldStream stream = held.get(0);
      int closedBefore = ctx.upstream.clientClosed();
      long cancelled = stream.cancel();
      long closed = ctx.upstream.awaitClose(closedBefore, ctx.plan.cancelWait().toMillis());
      if (closed > 0) {
        reached++;
        micros.recordValue(Math.max(0, (closed - cancelled) / 1000));
      }
      stream.close();
      if (reached == 0 && i + 1 >= GIVE_UP_AFTER) {
        // A path whose cancels never reach the upstream: more tries would only wait.
        attempts = i + 1;
        break;
      }
    }
    CancelFigures figures = new CancelFigures(how(ctx.path), attempts, reached, Quantiles.millis(micros));
    ctx.step("cancel %d/%d reached the upstream  p50=%.2f p99=%.2f ms", reached, attempts, figures.latency().p50(),
      figures.latency().p99());
    return figures;
  }

  static String how(BenchPath path) {
    return switch (path.transport()) {
      case OPENAI_SSE -> "client closes the connection";
      case NATIVE_SSE, LONG_POLL -> "DELETE /v1/streams/{id}";
      case WEBSOCKET -> "WebSocket cancel frame";
    };
  }
}
