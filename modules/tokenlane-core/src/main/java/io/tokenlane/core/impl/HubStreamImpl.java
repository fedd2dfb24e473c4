package io.tokenlane.core.impl;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.metrics.Meters;
import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.Attachment;
import io.tokenlane.core.stream.EventSink;
import io.tokenlane.core.stream.Follower;
import io.tokenlane.core.stream.HubStream;
import io.tokenlane.core.stream.ReplayBuffer;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamEvent;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.Usage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One hub stream. It observes the gateway's stream on its home context (the one that opened it), numbers each
 * event, encodes it once, appends it to the replay buffer and signals the listeners, each of which serves its
 * client on its own context.
 *
 * <p>Backpressure: the stream tells the gateway its queue is full while a follower (a WebSocket or SSE connection)
 * is a whole replay buffer behind, so the provider pauses its upstream read instead of evicting what that follower
 * has not read; it resumes once the slowest follower is half-way caught up. Long-polling holds no connection and
 * pushes nothing back: a poller slower than the stream reads from the replay buffer and gets what was evicted as a
 * snapshot (or a reset past the snapshot's bound).
 *
 * <p>A mirror is the same class fed by another member (the stream's owner) instead of a provider: it holds the
 * events the owner sent in its own replay buffer and serves this member's followers from it; a cancel goes to the
 * owner, and when the owner is lost the mirror ends the stream with {@code owner_lost}.
 */
final class HubStreamImpl implements HubStream, StreamObserver {

  private static final System.Logger LOG = System.getLogger(HubStreamImpl.class.getName());
  private static final JsonObject LOST = new JsonObject().put("reason", "error").put("code", "owner_lost")
    .put("message", "the gateway member that ran this stream is gone");

  /** Something attached to the stream that wants to hear about new events. */
  interface Listener extends Attachment {
    /** Called on the home context after {@code event} was appended. */
    void appended(StreamEvent event);

    /** @return the last seq this reader has, or -1 when it holds nothing back (any thread) */
    default long readerCursor() {
      return -1;
    }
  }

  private final String id;
  private final String sessionId;
  private final String requestId;
  private final Context home;
  private final Thread homeThread;
  private final ReplayBuffer replay;
  private final int capacity;
  private final byte[] envelopePrefix;
  private Consumer<HubStreamImpl> onEnded;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private ActiveStream active;
  private long nextSeq = 1;
  private volatile StreamEnd end;
  private volatile long endedAtNanos;
  private String cancelCode = "cancelled_by_client";
  private int attached;
  private long detachedSinceNanos;
  // Backpressure: whether the provider was told to pause, and how to resume it.
  private volatile boolean paused;
  private Handler<Void> drainHandler;
  // Owned streams: what backs every event up on another member, if anything.
  private Consumer<StreamEvent> replicator;
  // Mirrors: how the owner feeds this stream, and whether the owner is gone.
  private MirrorFeed mirror;
  private volatile boolean ownerLost;

  private volatile int maxReaders;
  private volatile Meters meters = Meters.NONE;

  HubStreamImpl(String id, String sessionId, String requestId, Context home, ReplayBuffer replay, int capacity,
                Consumer<HubStreamImpl> onEnded) {
    this.id = id;
    this.sessionId = sessionId;
    this.requestId = requestId;
    this.home = home;
    this.homeThread = Thread.currentThread();
    this.replay = replay;
    this.capacity = capacity;
    this.envelopePrefix = StreamEvent.envelopePrefix(id);
    this.onEnded = onEnded;
    this.detachedSinceNanos = System.nanoTime();
  }

  void started(ActiveStream active) {
    this.active = active;
  }

  void replicateTo(Consumer<StreamEvent> replicator) {
    this.replicator = replicator;
  }

  void runOnHome(Runnable action) {
    if (Thread.currentThread() == homeThread) {
      action.run();
    } else {
      home.runOnContext(v -> action.run());
    }
  }

  // Mirror: fed by the owner through the directory, on the home context (see MirrorFeed).

  /**
   * Makes this stream a mirror of a stream owned by another member.
   *
   * @param owner how to reach it
   * @return where the owner's events go
   */
  StreamDirectory.RemoteListener mirrorOf(StreamDirectory.RemoteStream owner) {
    return mirrorOf(owner, prompt -> ownerLost());
  }

  /**
   * Makes this stream a mirror of a stream owned by another member, which this member may take over.
   *
   * @param owner how to reach it
   * @param takeOver what runs, on the home context, when this member takes the stream over from its lost owner
   * @return where the owner's events go
   */
  StreamDirectory.RemoteListener mirrorOf(StreamDirectory.RemoteStream owner, Consumer<JsonObject> takeOver) {
    mirror = new MirrorFeed(this, owner, takeOver);
    return mirror;
  }

  /**
   * How far a {@code restart} moves a stream's seq past the last event its lost owner had backed up: further than
   * any event that owner can have sent a client without backing it up (a batch of a few hundred milliseconds), so
   * that a client coming from the lost member with such a cursor still gets the restart.
   */
  static final long RESTART_SEQ_GAP = 1_000_000;

  /**
   * Makes this mirror the owned stream: its owner was lost and this member took it over. On the home context, with
   * every event the lost owner had backed up already appended.
   *
   * <p>When the prompt runs again, the answer so far is dropped: the buffer continues from a snapshot that holds
   * only the start's fields (an empty text) at seq {@code restart - 1}, then the {@code restart} event, whose seq
   * is {@link #RESTART_SEQ_GAP} past the last backed-up event. Every reader behind it (any cursor, the lost
   * member's unsaved events included) gets that snapshot, then the restart, then the new answer: never a silent
   * splice of two generations.
   *
   * @param replicator what backs the events up from now on, or {@code null}
   * @param onEnded what runs when the stream ends
   * @param restart the {@code restart} event's fields when the prompt runs again, or {@code null} when the stream
   *     only ends here
   */
  void promote(Consumer<StreamEvent> replicator, Consumer<HubStreamImpl> onEnded, JsonObject restart) {
    mirror = null;
    ownerLost = false;
    this.replicator = replicator;
    this.onEnded = onEnded;
    nextSeq = replay.lastSeq() + 1;
    if (restart != null && end == null) {
      long restartSeq = replay.lastSeq() + RESTART_SEQ_GAP;
      JsonObject emptied = startFields().put("upToSeq", restartSeq - 1).put("text", "");
      StreamEvent snapshot = StreamEvent.of(id, restartSeq - 1, StreamEvent.Type.SNAPSHOT, emptied);
      replay.continueFrom(snapshot);
      if (replicator != null) {
        // Backed up too: a member that takes the stream over next continues from it, as the readers here do.
        replicator.accept(snapshot);
      }
      nextSeq = restartSeq;
      append(StreamEvent.Type.RESTART, restart);
    }
  }

  /** The start event's fields (model, createdAt, requestId), from the buffer or its snapshot. */
  private JsonObject startFields() {
    ReplayBuffer.Replay first = replay.read(0, 1);
    JsonObject source = first.snapshot() != null ? first.snapshot().toJson()
      : !first.events().isEmpty() && first.events().get(0).type() == StreamEvent.Type.START
        ? first.events().get(0).toJson() : new JsonObject();
    JsonObject fields = new JsonObject();
    for (String field : new String[] {"model", "createdAt", "requestId"}) {
      if (source.getValue(field) != null) {
        fields.put(field, source.getValue(field));
      }
    }
    return fields;
  }

  /**
   * Completes once the mirror holds the owner's events up to {@code seq}.
   *
   * @param seq the owner's newest seq when the mirror subscribed
   * @return completes on the caller's context
   */
  Future<Void> caughtUpWith(long seq) {
    MirrorFeed feed = mirror;
    return feed == null ? Future.succeededFuture() : feed.caughtUpWith(seq);
  }

  /** Appends an event the owner sent, on the home context; the end ends this mirror. */
  void appendMirrored(StreamEvent event) {
    append(event);
    if (event.isEnd()) {
      ended(endOf(event));
    }
  }

  /** The owner is gone: this mirror ends with {@code owner_lost}, after every event it holds. */
  void ownerLost() {
    if (end == null) {
      appendMirrored(lostEnd(replay.lastSeq() + 1));
      ownerLost = true;
    }
  }

  private static StreamEnd endOf(StreamEvent event) {
    JsonObject json = event.toJson();
    String reason = json.getString("reason", "error");
    for (StreamEnd.Reason candidate : StreamEnd.Reason.values()) {
      if (candidate.wireName().equals(reason) && candidate != StreamEnd.Reason.ERROR) {
        return new StreamEnd(candidate, null);
      }
    }
    return StreamEnd.failed(new ProviderError(json.getString("code", ProviderError.UPSTREAM_ERROR),
      json.getString("message", "the stream failed"), 502));
  }

  /** Stops a mirror's subscription: nobody on this member reads the stream any more. */
  void closeMirror() {
    if (mirror != null) {
      mirror.close();
    }
  }


  void appendStart(String model) {
    JsonObject data = new JsonObject().put("model", model).put("createdAt", System.currentTimeMillis());
    if (requestId != null) {
      data.put("requestId", requestId);
    }
    append(StreamEvent.Type.START, data);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String sessionId() {
    return sessionId;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public long lastSeq() {
    return replay.lastSeq();
  }

  @Override
  public StreamEnd end() {
    return end;
  }

  long endedAtNanos() {
    return endedAtNanos;
  }

  @Override
  public Follower follow(long afterSeq, EventSink sink) {
    checkCursor(afterSeq, "lastSeq");
    if (afterSeq > 0) {
      // A reader that already had events: a client that reconnected (Last-Event-ID, a resume message).
      meters.resumed();
    }
    StreamFollower follower = new StreamFollower(this, afterSeq, sink);
    if (lostPast(afterSeq)) {
      sink.write(lostEnd(afterSeq + 1));
      follower.finished();
      return follower;
    }
    // end() before lastSeq(): the end is published after its event is appended.
    if (end != null && afterSeq >= replay.lastSeq()) {
      // Nothing will ever come: a follower that is done at once, never attached (it would pin the stream).
      follower.finished();
      return follower;
    }
    attach(follower);
    follower.start();
    return follower;
  }

  @Override
  public ReplayBuffer.Replay read(long afterSeq, int max) {
    checkCursor(afterSeq, "after");
    if (lostPast(afterSeq)) {
      return new ReplayBuffer.Replay(List.of(lostEnd(afterSeq + 1)), false, afterSeq + 1);
    }
    touch();
    ReplayBuffer.Replay replay = readFrom(afterSeq, max);
    if (replay.reset()) {
      meters.reset();
    }
    return replay;
  }

  ReplayBuffer replay() {
    return replay;
  }

  @Override
  public Attachment await(long afterSeq, Runnable ready) {
    checkCursor(afterSeq, "after");
    PollWait wait = new PollWait(this, afterSeq, ready);
    attach(wait);
    // An event may have been appended between the caller's read and this registration.
    if (replay.lastSeq() > afterSeq) {
      wait.appended(null);
    }
    return wait;
  }

  @Override
  public Future<Void> cancel() {
    return cancel("cancelled_by_client");
  }

  /**
   * Cancels with a code saying why.
   *
   * @param code why, for the end event
   * @return completes once the end is appended
   */
  Future<Void> cancel(String code) {
    if (mirror != null) {
      return mirror.cancel();
    }
    return callOnHome(() -> {
      cancelOnHome(code);
      return Future.succeededFuture();
    });
  }

  /**
   * Runs on the home context, and completes on the caller's: its continuation (an HTTP answer) runs on the
   * caller's own event loop.
   */
  <T> Future<T> callOnHome(Supplier<Future<T>> action) {
    if (Thread.currentThread() == homeThread) {
      return action.get();
    }
    Context caller = Vertx.currentContext();
    Promise<T> done = Promise.promise();
    home.runOnContext(v -> action.get().onComplete(result -> {
      if (caller == null) {
        done.handle(result);
      } else {
        caller.runOnContext(x -> done.handle(result));
      }
    }));
    return done.future();
  }

  /**
   * Cancels with {@code detached} if no client came back: checked again on the home context, since the sweeper
   * decided on its own thread and a client may have attached since.
   *
   * @param graceNanos the detach grace
   */
  void cancelDetached(long graceNanos) {
    home.runOnContext(v -> {
      if (detachedLongerThan(graceNanos, System.nanoTime())) {
        cancelOnHome("detached");
      }
    });
  }

  private void cancelOnHome(String code) {
    if (end == null && active != null) {
      cancelCode = code;
      active.cancel();
    }
  }

  @Override
  public void checkCursor(long afterSeq, String param) {
    long last = replay.lastSeq();
    if (afterSeq < 0 || (afterSeq > last && !lostPast(afterSeq) && !mirrorBehind())) {
      throw new GatewayException(400, "invalid_request_error", "cursor_out_of_range", param,
        "the cursor " + afterSeq + " is outside this stream (0.." + last + ")");
    }
  }

  @Override
  public boolean finishedFor(long afterSeq) {
    // end() before lastSeq(): the end is published after its event is appended.
    return end != null && afterSeq >= replay.lastSeq() && !lostPast(afterSeq);
  }

  /**
   * Whether a reader is at or past the end of a stream whose owner was lost: it may hold events the owner sent it
   * that no backup had, and the end here may share a seq with one of them; it gets an end of its own, right after
   * its cursor, so that it never waits on a stream that will say nothing more.
   */
  /**
   * Whether this is a running mirror, which may lag its owner by a batch: a client that read further on another
   * member waits here until the mirror has caught up with its cursor.
   */
  private boolean mirrorBehind() {
    return mirror != null && end == null;
  }

  /** The buffered events after a cursor, none when the cursor is ahead of a lagging mirror. */
  ReplayBuffer.Replay readFrom(long afterSeq, int max) {
    long last = replay.lastSeq();
    return afterSeq > last ? new ReplayBuffer.Replay(List.of(), false, last) : replay.read(afterSeq, max);
  }

  private boolean lostPast(long afterSeq) {
    return ownerLost && afterSeq >= replay.lastSeq();
  }

  private StreamEvent lostEnd(long seq) {
    return StreamEvent.of(id, seq, StreamEvent.Type.END, LOST.copy());
  }

  // Attachments: counted so that the hub knows when the detach grace starts.

  @Override
  public synchronized void checkRoomForReader() {
    if (maxReaders > 0 && attached >= maxReaders) {
      throw new GatewayException(429, "rate_limit_error", "too_many_readers", null,
        "this stream already has " + maxReaders + " readers on this gateway member (streams.maxReadersPerStream)");
    }
  }

  synchronized void attach(Listener listener) {
    checkRoomForReader();
    listeners.add(listener);
    attached++;
  }

  /**
   * Bounds the connections reading this stream at once on this member (followers and waiting long-polls), so that
   * one stream cannot pin unbounded memory and fan-out work.
   *
   * @param maxReaders the bound; 0: none
   */
  void maxReaders(int maxReaders) {
    this.maxReaders = maxReaders;
  }

  /** @param meters where resumes and resets are counted */
  void meters(Meters meters) {
    this.meters = meters;
  }

  /** A reset was sent: the events a reader asked for had left the replay buffer. */
  void resetSent() {
    meters.reset();
  }

  void detach(Listener listener) {
    synchronized (this) {
      if (listeners.remove(listener) && --attached == 0) {
        detachedSinceNanos = System.nanoTime();
      }
    }
    readerAdvanced();
  }

  /** A poll answered at once is a client coming back: the detach grace starts again from now. */
  private synchronized void touch() {
    if (attached == 0) {
      detachedSinceNanos = System.nanoTime();
    }
  }

  /** @return whether no reader is attached (a long-polling client between two polls is not) */
  synchronized boolean detached() {
    return attached == 0;
  }

  synchronized boolean detachedLongerThan(long graceNanos, long now) {
    return attached == 0 && now - detachedSinceNanos > graceNanos;
  }

  synchronized int attachedCount() {
    return attached;
  }

  // StreamObserver: called on the home context, in order, exactly one onEnd.

  @Override
  public void onText(Buffer text) {
    append(StreamEvent.token(envelopePrefix, nextSeq++, text));
  }

  @Override
  public void onReasoning(Buffer text) {
    append(StreamEvent.reasoning(envelopePrefix, nextSeq++, text));
  }

  @Override
  public void onToolCalls(JsonArray toolCalls) {
    append(StreamEvent.Type.TOOL_CALLS, new JsonObject().put("toolCalls", toolCalls));
  }

  @Override
  public void onUsage(Usage usage) {
    JsonObject counts = new JsonObject().put("promptTokens", usage.promptTokens())
      .put("completionTokens", usage.completionTokens()).put("totalTokens", usage.totalTokens());
    append(StreamEvent.Type.USAGE, usage.estimated() ? counts.put("estimated", true) : counts);
  }

  @Override
  public void onEnd(StreamEnd streamEnd) {
    JsonObject data = new JsonObject().put("reason", streamEnd.reason().wireName());
    if (streamEnd.isError()) {
      data.put("code", streamEnd.error().code()).put("message", streamEnd.error().message());
      if (streamEnd.error().retryAfterMs() >= 0) {
        data.put("retryAfterMs", streamEnd.error().retryAfterMs());
      }
    } else if (streamEnd.reason() == StreamEnd.Reason.CANCELLED) {
      data.put("code", cancelCode);
    }
    try {
      // Appended before it is published: a reader that sees end() != null finds the end event in the buffer.
      append(StreamEvent.Type.END, data);
    } finally {
      ended(streamEnd);
    }
  }

  private void ended(StreamEnd streamEnd) {
    endedAtNanos = System.nanoTime();
    end = streamEnd;
    paused = false;
    onEnded.accept(this);
  }

  @Override
  public boolean writeQueueFull() {
    // One slot short of the capacity: the end is delivered even to a full stream, and must not evict an event a
    // follower has not read.
    long full = Math.max(1, capacity - 1);
    if (!behind(full)) {
      return false;
    }
    // Flag first, then look again: a reader moves its cursor and then reads the flag (readerAdvanced), so one
    // of the two always sees the other and a pause cannot miss its resume.
    paused = true;
    if (behind(full)) {
      return true;
    }
    paused = false;
    return false;
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    drainHandler = handler;
  }

  /** Whether some reader is {@code events} or more behind the newest event. */
  private boolean behind(long events) {
    long slowest = slowestReader();
    return slowest >= 0 && replay.lastSeq() - slowest >= events;
  }

  private long slowestReader() {
    long slowest = -1;
    for (Listener listener : listeners) {
      long cursor = listener.readerCursor();
      if (cursor >= 0 && (slowest < 0 || cursor < slowest)) {
        slowest = cursor;
      }
    }
    return slowest;
  }

  /** A reader moved on or left: resumes the provider, on the home context, once the slowest is half-way back. */
  void readerAdvanced() {
    if (paused && !behind(Math.max(1, capacity / 2))) {
      paused = false;
      home.runOnContext(v -> {
        Handler<Void> handler = drainHandler;
        if (handler != null && end == null) {
          handler.handle(null);
        }
      });
    }
  }

  private void append(StreamEvent.Type type, JsonObject data) {
    append(StreamEvent.of(id, nextSeq++, type, data));
  }

  private void append(StreamEvent event) {
    replay.append(event);
    if (replicator != null) {
      replicator.accept(event);
    }
    for (Listener listener : listeners) {
      try {
        listener.appended(event);
      } catch (RuntimeException e) {
        // One broken connection must not fail the stream for the others: it is detached, and can resume.
        LOG.log(System.Logger.Level.WARNING, "a client of stream " + id + " failed and was detached: " + e);
        listener.close();
      }
    }
  }
}
