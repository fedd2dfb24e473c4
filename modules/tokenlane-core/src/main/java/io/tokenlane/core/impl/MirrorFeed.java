package io.tokenlane.core.impl;

import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Consumer;

/**
 * What feeds a mirror: the events its owner sends (in seq order, some repeated), a snapshot or reset where the
 * owner's buffer had moved on, the owner's loss, and who waits for the mirror to catch up. Runs on the mirror's
 * home context.
 */
final class MirrorFeed implements StreamDirectory.RemoteListener {

  private static final System.Logger LOG = System.getLogger(MirrorFeed.class.getName());

  private final HubStreamImpl mirror;
  private final StreamDirectory.RemoteStream owner;
  private final Consumer<JsonObject> takeOver;
  private long caughtUpAt = -1;
  private Promise<Void> caughtUp;

  MirrorFeed(HubStreamImpl mirror, StreamDirectory.RemoteStream owner, Consumer<JsonObject> takeOver) {
    this.mirror = mirror;
    this.owner = owner;
    this.takeOver = takeOver;
  }

  @Override
  public void events(List<StreamEvent> events) {
    events.forEach(this::receive);
  }

  @Override
  public void ownerLost() {
    mirror.ownerLost();
    caughtUp();
  }

  @Override
  public void takenOver(JsonObject prompt) {
    takeOver.accept(prompt);
    // Owned here now: nothing more to catch up with, whoever waited.
    if (caughtUp != null) {
      Promise<Void> done = caughtUp;
      caughtUp = null;
      caughtUpAt = -1;
      done.complete();
    }
  }

  private void receive(StreamEvent event) {
    long last = mirror.replay().lastSeq();
    if (mirror.end() != null || event.seq() <= last) {
      return;
    }
    if (event.type() == StreamEvent.Type.SNAPSHOT) {
      // The owner had folded its oldest events: the mirror folds on from the owner's snapshot.
      mirror.replay().continueFrom(event);
    } else if (event.type() == StreamEvent.Type.RESET) {
      // The owner no longer held the oldest events: neither does the mirror, and its readers get a reset.
      mirror.replay().skipTo(event.seq());
    } else {
      if (event.seq() > last + 1) {
        LOG.log(System.Logger.Level.DEBUG, "mirror of stream " + mirror.id() + " skips from " + last + " to "
          + event.seq());
        mirror.replay().skipTo(event.seq() - 1);
      }
      mirror.appendMirrored(event);
    }
    caughtUp();
  }

  private void caughtUp() {
    if (caughtUp != null && (mirror.replay().lastSeq() >= caughtUpAt || mirror.end() != null)) {
      Promise<Void> done = caughtUp;
      caughtUp = null;
      caughtUpAt = -1;
      done.complete();
    }
  }

  /**
   * Completes once the mirror holds the owner's events up to {@code seq}.
   *
   * @param seq a seq the owner had
   * @return completes on the caller's context
   */
  Future<Void> caughtUpWith(long seq) {
    if (mirror.replay().lastSeq() >= seq || mirror.end() != null) {
      return Future.succeededFuture();
    }
    return mirror.callOnHome(() -> {
      if (mirror.replay().lastSeq() >= seq || mirror.end() != null) {
        return Future.succeededFuture();
      }
      caughtUpAt = Math.max(caughtUpAt, seq);
      if (caughtUp == null) {
        caughtUp = Promise.promise();
      }
      return caughtUp.future();
    });
  }


  /** Cancels on the owner; the end is the acknowledgement here too: done once this mirror holds it. */
  Future<Void> cancel() {
    return owner.cancel().compose(this::caughtUpWith);
  }

  void close() {
    owner.close();
  }
}
