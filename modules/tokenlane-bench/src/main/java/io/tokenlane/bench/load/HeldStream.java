package io.tokenlane.bench.load;

import io.vertx.core.Future;

/**
 * A stream the bench holds open on purpose (idle-memory runs, cancel runs): started, first token received.
 * Its methods hop to the client's event loop.
 */
public final class HeldStream {

  private final Worker worker;
  private final StreamClient client;
  private final RunningStream run;

  HeldStream(Worker worker, StreamClient client, RunningStream run) {
    this.worker = worker;
    this.client = client;
    this.run = run;
  }

  /**
   * Cancels the stream the way its path's client does.
   *
   * @return the {@link System#nanoTime()} taken just before the client acted
   */
  public long cancel() {
    return Future.<Long>future(promise -> worker.context.runOnContext(v -> {
      run.cancel();
      promise.complete(run.cancelNanos());
    })).await();
  }

  /** Cancels without waiting. */
  public void cancelAsync() {
    worker.context.runOnContext(v -> run.cancel());
  }

  /** @return completes when the stream is over (after a cancel: when its client saw the end) */
  public Future<Void> done() {
    return run.done().recover(e -> Future.succeededFuture());
  }

  /**
   * How the stream ended, as its client saw it.
   *
   * @param events {@code end} events received (exactly one is right)
   * @param nanos when the first arrived ({@link System#nanoTime()}), 0 when none did
   * @param code its error code, or {@code null}
   */
  public record Ending(int events, long nanos, String code) {
  }

  /** @return how the stream ended so far, read on the client's event loop */
  public Ending ending() {
    return Future.<Ending>future(promise -> worker.context.runOnContext(v ->
      promise.complete(new Ending(run.endEvents(), run.endNanos(), run.endCode())))).await();
  }

  /** Closes the client's connection(s). */
  public void close() {
    worker.context.runOnContext(v -> client.close());
  }
}
