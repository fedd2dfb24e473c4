package io.tokenlane.cluster.impl;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * This member's link to a stream owned by another: subscribes to it for a mirror, receives its batches on the
 * mirror's context, forwards cancels, and when the owner is lost delivers what the owner had backed up before
 * telling the mirror.
 */
final class MirrorLink implements StreamDirectory.RemoteStream {

  private static final System.Logger LOG = System.getLogger(MirrorLink.class.getName());
  private final ClusterStreams cluster;
  /** How many times a link tries to follow the member that took its stream over before that member has it. */
  private static final int FOLLOW_ATTEMPTS = 40;
  private static final long FOLLOW_RETRY_MS = 50;

  private volatile StreamDirectory.Location location;
  private final String sub = UUID.randomUUID().toString();
  private Context context;
  private StreamDirectory.RemoteListener listener;
  private volatile boolean lost;
  private long lastSeq;
  private boolean endSeen;

  MirrorLink(ClusterStreams cluster, StreamDirectory.Location location) {
    this.cluster = cluster;
    this.location = location;
  }

  String owner() {
    return location.owner();
  }

  @Override
  public Future<Long> subscribe(StreamDirectory.RemoteListener listener) {
    if (context == null) {
      this.context = ClusterStreams.context();
    }
    this.listener = listener;
    cluster.links.put(sub, this);
    return follow(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(cluster.options.getMemberTimeoutMs() + 2_000));
  }

  /**
   * Asks the owner to send this member the stream. An owner that does not answer at all (killed, and the cluster
   * does not know yet: a client that was on it often comes back faster than failure detection) is asked again until
   * the cluster either drops it (then the loss is handled as such) or the failure detection's time is over.
   */
  private Future<Long> follow(long deadlineNanos) {
    if (!cluster.members().contains(location.owner())) {
      ownerLost();
      return Future.succeededFuture(0L);
    }
    JsonObject request = request().put("sub", sub).put("member", cluster.memberId);
    return cluster.vertx.eventBus().<JsonObject>request(ClusterStreams.address(location.owner()), request,
        cluster.delivery("follow"))
      .map(reply -> reply.body().getLong("lastSeq", 0L))
      .recover(failure -> {
        boolean refused = failure instanceof ReplyException reply && reply.failureCode() == 404;
        if (refused || System.nanoTime() > deadlineNanos) {
          return ReplyFailures.notFound(failure);
        }
        Promise<Long> later = Promise.promise();
        cluster.vertx.setTimer(FOLLOW_RETRY_MS, t -> follow(deadlineNanos).onComplete(later));
        return later.future();
      });
  }

  private JsonObject request() {
    return new JsonObject().put("streamId", location.streamId()).put("sessionId", location.sessionId());
  }

  /** A batch arrived, on the directory's context. */
  void delivered(Buffer batch) {
    List<StreamEvent> events = EventBatch.decode(batch);
    context.runOnContext(v -> deliver(events));
  }

  private void deliver(List<StreamEvent> events) {
    if (!events.isEmpty()) {
      StreamEvent newest = events.get(events.size() - 1);
      lastSeq = Math.max(lastSeq, newest.seq());
      endSeen |= newest.isEnd();
      listener.events(events);
    }
  }

  /**
   * The owner left: what it backed up and this mirror lacks, then the loss. When the cluster re-issues prompts
   * ({@code cluster.reissue}) and the stream had not ended, this member tries to take it over: if it wins, the
   * stream is owned here from now on; if another member won, the mirror follows it there.
   */
  void ownerLost() {
    if (lost) {
      return;
    }
    lost = true;
    context.runOnContext(v -> cluster.backup(location.streamId()).onComplete(backup -> {
      if (backup.succeeded()) {
        deliver(backup.result().events().stream().filter(event -> event.seq() > lastSeq).toList());
      }
      if (backup.failed() || endSeen || !cluster.reissues()) {
        lostForGood(backup.failed() ? "its backup could not be read: " + backup.cause().getMessage() : null);
        return;
      }
      StreamDirectory.Location was = location;
      cluster.takeOver(was).onComplete(taken -> {
        String owner = taken.succeeded() && taken.result() != null ? taken.result().getString("owner") : null;
        if (cluster.memberId.equals(owner)) {
          cluster.links.remove(sub);
          cluster.continueBackup(was.streamId(), backup.result().batches());
          listener.takenOver(taken.result().getJsonObject("prompt", new JsonObject()));
        } else if (owner != null && !owner.equals(was.owner()) && cluster.members().contains(owner)) {
          // Another member took it over: this mirror follows the stream there.
          location = new StreamDirectory.Location(was.streamId(), was.sessionId(), was.requestId(), owner);
          lost = false;
          followNewOwner(1);
        } else {
          lostForGood(taken.failed() ? "it could not be taken over: " + taken.cause().getMessage()
            : taken.result() == null ? "the registry lost its entry (its copies were on members lost together)"
            : "it could not be taken over from member " + was.owner() + ", now " + owner);
        }
      });
    }));
  }

  /** @param why why a re-issuing cluster does not run the prompt again, logged; {@code null} when it should not */
  private void lostForGood(String why) {
    if (why != null) {
      LOG.log(System.Logger.Level.WARNING, "stream " + location.streamId() + " ends with owner_lost: " + why);
    }
    listener.ownerLost();
    cluster.links.remove(sub);
  }

  /** Follows the member that took the stream over, which may not hold it yet: tries again for a moment. */
  private void followNewOwner(int attempt) {
    subscribe(listener).onFailure(e -> {
      if (lost) {
        return;
      }
      if (attempt < FOLLOW_ATTEMPTS) {
        cluster.vertx.setTimer(FOLLOW_RETRY_MS, t -> context.runOnContext(v -> followNewOwner(attempt + 1)));
      } else {
        lost = true;
        lostForGood("member " + location.owner() + ", which took it over, does not serve it");
      }
    });
  }

  @Override
  public Future<Long> cancel() {
    if (lost) {
      return Future.succeededFuture(lastSeq);
    }
    return cluster.vertx.eventBus().<JsonObject>request(ClusterStreams.address(location.owner()), request(),
        cluster.delivery("cancel"))
      .map(reply -> reply.body().getLong("lastSeq", 0L))
      .recover(ReplyFailures::notFound);
  }

  @Override
  public void close() {
    if (cluster.links.remove(sub) != null && !lost) {
      cluster.vertx.eventBus().send(ClusterStreams.address(location.owner()), new JsonObject().put("sub", sub),
        cluster.delivery("unfollow"));
    }
  }

  /** Replies from the owner as the hub's errors. */
  static final class ReplyFailures {
    private ReplyFailures() {
    }

    static <T> Future<T> notFound(Throwable failure) {
      if (failure instanceof ReplyException reply && reply.failureCode() == 404) {
        return Future.failedFuture(new GatewayException(404, "invalid_request_error", "stream_not_found", null,
          "no stream with this id in this session"));
      }
      return Future.failedFuture(failure);
    }
  }
}
