package io.tokenlane.cluster.impl;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;

/**
 * This member's link to a stream owned by another: subscribes to it for a mirror, receives its batches on the
 * mirror's context, forwards cancels, and when the owner is lost delivers what the owner had backed up before
 * telling the mirror.
 */
final class MirrorLink implements StreamDirectory.RemoteStream {

  private final ClusterStreams cluster;
  private final StreamDirectory.Location location;
  private final String sub = UUID.randomUUID().toString();
  private Context context;
  private StreamDirectory.RemoteListener listener;
  private volatile boolean lost;
  private long lastSeq;

  MirrorLink(ClusterStreams cluster, StreamDirectory.Location location) {
    this.cluster = cluster;
    this.location = location;
  }

  String owner() {
    return location.owner();
  }

  @Override
  public Future<Long> subscribe(StreamDirectory.RemoteListener listener) {
    this.context = ClusterStreams.context();
    this.listener = listener;
    cluster.links.put(sub, this);
    if (!cluster.members().contains(location.owner())) {
      ownerLost();
      return Future.succeededFuture(0L);
    }
    JsonObject request = request().put("sub", sub).put("member", cluster.memberId);
    return cluster.vertx.eventBus().<JsonObject>request(ClusterStreams.address(location.owner()), request,
        cluster.delivery("follow"))
      .map(reply -> reply.body().getLong("lastSeq", 0L))
      .recover(ReplyFailures::notFound);
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
      lastSeq = Math.max(lastSeq, events.get(events.size() - 1).seq());
      listener.events(events);
    }
  }

  /** The owner left: what it backed up and this mirror lacks, then the loss. */
  void ownerLost() {
    if (lost) {
      return;
    }
    lost = true;
    context.runOnContext(v -> cluster.backup(location.streamId()).onComplete(backup -> {
      if (backup.succeeded()) {
        deliver(backup.result().stream().filter(event -> event.seq() > lastSeq).toList());
      }
      listener.ownerLost();
      cluster.links.remove(sub);
    }));
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
