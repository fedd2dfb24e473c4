package io.tokenlane.bench.phase;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.load.HeldStream;
import io.tokenlane.bench.upstream.UpstreamProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Client cancel to upstream connection closed, one stream at a time: open a stream, wait for its first token,
 * cancel, and ask the fake upstream when it saw the connection close. Both times are {@code CLOCK_MONOTONIC}.
 */
public final class CancelPhase {

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
      if (cancelOnce(held.get(0), ctx.upstream, ctx.plan.cancelWait().toMillis(), micros)) {
        reached++;
      }
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

  /**
   * Cancels one held stream and records, in microseconds, how long until the fake upstream saw its connection
   * close.
   *
   * @return whether the close was seen within {@code waitMs}
   */
  public static boolean cancelOnce(HeldStream stream, UpstreamProcess upstream, long waitMs, Histogram micros)
    throws IOException {
    int closedBefore = upstream.clientClosed();
    long cancelled = stream.cancel();
    long closed = upstream.awaitClose(closedBefore, waitMs);
    if (closed > 0) {
      micros.recordValue(Math.max(0, (closed - cancelled) / 1000));
    }
    stream.close();
    return closed > 0;
  }

  static String how(BenchPath path) {
    return switch (path.transport()) {
      case OPENAI_SSE -> "client closes the connection";
      case NATIVE_SSE, LONG_POLL -> "DELETE /v1/streams/{id}";
      case WEBSOCKET -> "WebSocket cancel frame";
    };
  }
}
