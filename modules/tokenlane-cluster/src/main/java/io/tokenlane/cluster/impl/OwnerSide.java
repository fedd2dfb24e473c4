package io.tokenlane.cluster.impl;

import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.stream.EventSink;
import io.tokenlane.core.stream.Follower;
import io.tokenlane.core.session.SessionTokens;
import io.tokenlane.core.stream.HubStream;
import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a member does for the others with the streams it owns: follows a stream for another member's mirror (one
 * follower per mirror, whatever the number of clients behind it, sending batches), stops on request or when that
 * member leaves, and cancels on request.
 */
final class OwnerSide {

  private final ClusterStreams cluster;
  private final Map<String, Served> served = new ConcurrentHashMap<>();
  private volatile StreamDirectory.OwnedStreams streams;

  /** A follower for one mirror on another member. */
  private record Served(String member, HubStream stream, Follower follower, RemoteSink sink) {
  }

  OwnerSide(ClusterStreams cluster) {
    this.cluster = cluster;
  }

  void serve(StreamDirectory.OwnedStreams streams) {
    this.streams = streams;
  }

  void handle(String op, JsonObject request, Message<Object> message) {
    StreamDirectory.OwnedStreams owned = streams;
    String streamId = request.getString("streamId");
    HubStream stream = owned == null || streamId == null ? null : owned.find(streamId);
    switch (String.valueOf(op)) {
      case "follow" -> {
        if (!belongs(stream, request)) {
          message.fail(404, "stream_not_found");
          return;
        }
        owned.onHome(stream, () -> follow(stream, request, message));
      }
      case "unfollow" -> unfollow(request.getString("sub"));
      case "cancel" -> {
        if (!belongs(stream, request)) {
          message.fail(404, "stream_not_found");
          return;
        }
        stream.cancel().onComplete(done -> message.reply(new JsonObject().put("lastSeq", stream.lastSeq())));
      }
      default -> message.fail(400, "unknown request " + op);
    }
  }

  private boolean belongs(HubStream stream, JsonObject request) {
    return stream != null
      && SessionTokens.mayAccess(stream.sessionId(), request.getString("sessionId"), cluster.acrossSessions);
  }

  /** On the stream's home context: the backlog goes out with the first batch, then each batch as it fills. */
  private void follow(HubStream stream, JsonObject request, Message<Object> message) {
    String sub = request.getString("sub");
    String member = request.getString("member");
    RemoteSink sink = new RemoteSink(sub, member, cluster.replication(stream.id()));
    long lastSeq = stream.lastSeq();
    Follower follower = stream.follow(0, sink);
    if (!sink.endWritten) {
      served.put(sub, new Served(member, stream, follower, sink));
    }
    message.reply(new JsonObject().put("lastSeq", lastSeq));
  }

  private void unfollow(String sub) {
    Served gone = sub == null ? null : served.remove(sub);
    if (gone != null) {
      streams.onHome(gone.stream(), () -> {
        gone.follower().close();
        gone.sink().stop();
      });
    }
  }

  void memberLost(String member) {
    served.forEach((sub, follower) -> {
      if (follower.member().equals(member)) {
        unfollow(sub);
      }
    });
  }

  /**
   * Sends one mirror its events once a backup holds them (see {@link Replication}): the events each backup write
   * confirms go into the journal's outbox for that member, which carries all of its mirrors of the journal's
   * streams in one message.
   */
  private final class RemoteSink implements EventSink, Replication.Watcher {
    private final String sub;
    private final String member;
    private final Replication replication;
    private final Journal journal;
    private final ArrayDeque<StreamEvent> held = new ArrayDeque<>();
    private boolean scheduled;
    private boolean ended;
    private boolean endWritten;
    private boolean firstTokenSent;

    RemoteSink(String sub, String member, Replication replication) {
      this.sub = sub;
      this.member = member;
      this.replication = replication;
      this.journal = replication != null ? replication.journal() : cluster.journal();
      if (replication != null) {
        replication.watch(this);
      }
    }

    @Override
    public boolean writeQueueFull() {
      // The mirror keeps its own bounded buffer: a slow member costs its own clients a reset, never the stream.
      return false;
    }

    @Override
    public void write(StreamEvent event) {
      held.add(event);
      if (event.isEnd()) {
        endWritten = true;
        served.remove(sub);
      }
      if (!firstTokenSent && event.type() == StreamEvent.Type.TOKEN) {
        // Time to first token on the other member: the first token goes now, with its backup write rather than
        // after it. Should this member die within that write, the other members end the stream right before it.
        firstTokenSent = true;
        backedUpTo(event.seq());
        return;
      }
      if (!scheduled && (replication == null || event.seq() <= replication.backedUp())) {
        // Already backed up (the backlog of a new follower): out at the end of this turn.
        scheduled = true;
        journal.context().runOnContext(v -> {
          scheduled = false;
          backedUpTo(replication == null ? Long.MAX_VALUE : replication.backedUp());
        });
      }
    }

    @Override
    public void backedUpTo(long seq) {
      if (held.isEmpty() || held.peekFirst().seq() > seq) {
        return;
      }
      Buffer outbox = journal.outbox(member);
      int part = MirrorBatches.begin(outbox, sub);
      while (!held.isEmpty() && held.peekFirst().seq() <= seq) {
        StreamEvent event = held.pollFirst();
        EventBatch.append(outbox, event);
        ended |= event.isEnd();
      }
      MirrorBatches.end(outbox, part);
      journal.posted();
      if (ended) {
        stop();
      }
    }

    void stop() {
      if (replication != null) {
        replication.unwatch(this);
      }
    }
  }
}
