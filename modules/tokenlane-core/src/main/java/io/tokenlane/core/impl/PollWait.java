package io.tokenlane.core.impl;

import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A long-poll waiting for the first event after its cursor: runs its callback once, on its own context, and
 * detaches.
 */
final class PollWait implements HubStreamImpl.Listener {

  private final HubStreamImpl stream;
  private final long afterSeq;
  private final Runnable ready;
  private final Context context;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private boolean fired;

  PollWait(HubStreamImpl stream, long afterSeq, Runnable ready) {
    this.stream = stream;
    this.afterSeq = afterSeq;
    this.ready = ready;
    this.context = Vertx.currentContext();
    if (context == null) {
      throw new IllegalStateException("await() must be called on an event loop");
    }
  }

  @Override
  public void appended(StreamEvent event) {
    if (event != null && event.seq() <= afterSeq) {
      return;
    }
    if (scheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> fire());
    }
  }

  private void fire() {
    if (!fired) {
      fired = true;
      stream.detach(this);
      ready.run();
    }
  }

  @Override
  public void close() {
    fired = true;
    stream.detach(this);
  }
}
