package io.tokenlane.core.impl;

import io.tokenlane.core.Gateway;
import io.tokenlane.core.GatewayException;
import io.tokenlane.core.auth.Ticket;
import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.metrics.Meters;
import io.tokenlane.core.session.SessionTokens;
import io.tokenlane.core.stream.HubStream;
import io.tokenlane.core.stream.ReplayBuffer;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamHub;
import io.tokenlane.core.stream.StreamHubOptions;
import io.tokenlane.spi.ProviderError;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The hub of one gateway member. The streams it owns live here, in memory, on the event loop that opened them;
 * streams owned by other members are served through mirrors ({@link HubStreamImpl} fed by the
 * {@link StreamDirectory}), one per stream per member whatever the number of its followers here. One periodic
 * timer cancels streams detached for longer than the grace, forgets ended streams after the resume window and
 * closes mirrors nobody here reads any more.
 */
public final class LocalStreamHub implements StreamHub, StreamDirectory.OwnedStreams {

  private static final System.Logger LOG = System.getLogger(LocalStreamHub.class.getName());
  /** How long a mirror nobody reads stays subscribed, so that a client alternating members keeps it warm. */
  static final long MIRROR_LINGER_MS = 5_000;
  /** How long a prompt waits for a stream that another prompt with its request id is opening: 20 x 50 ms. */
  private static final int CLAIM_ATTEMPTS = 20;
  private static final long CLAIM_RETRY_MS = 50;

  private final Vertx vertx;
  private final Gateway gateway;
  private final StreamHubOptions options;
  private final StreamDirectory directory;
  private final Map<String, HubStreamImpl> streams = new ConcurrentHashMap<>();
  private final Map<String, Future<HubStreamImpl>> mirrors = new ConcurrentHashMap<>();
  /**
   * The owned streams that ended, in the order they ended (near enough: streams end on several event loops), so
   * that making room at the bound takes the longest-ended from the head instead of searching every stream.
   */
  private final Queue<HubStreamImpl> endedInOrder = new ConcurrentLinkedQueue<>();
  /** The owned streams still running: what the detach grace watches, without going through every kept stream. */
  private final Set<HubStreamImpl> running = ConcurrentHashMap.newKeySet();
  private final long mirrorLingerNanos;
  private final long timerId;
  private final Meters meters;
  private volatile BiFunction<JsonObject, JsonObject, Future<Ticket>> readmission =
    (described, body) -> Future.succeededFuture(Ticket.NONE);

  /**
   * Creates the hub.
   *
   * @param vertx the Vert.x instance
   * @param gateway where streams are opened
   * @param options the bounds
   * @param directory what the members share
   * @param meters where resumes, resets, replay sizes and detached streams are counted
   */
  public LocalStreamHub(Vertx vertx, Gateway gateway, StreamHubOptions options, StreamDirectory directory,
                        Meters meters) {
    this.vertx = vertx;
    this.meters = meters;
    // Read on scrape: one pass over this member's streams, each read under its own short lock.
    meters.gauge(Meters.REPLAY_EVENTS, () -> {
      long events = 0;
      for (HubStreamImpl stream : streams.values()) {
        events += stream.replay().size();
      }
      return events;
    });
    meters.gauge(Meters.DETACHED, () -> {
      long detached = 0;
      for (HubStreamImpl stream : running) {
        if (stream.end() == null && stream.detached()) {
          detached++;
        }
      }
      return detached;
    });
    this.gateway = gateway;
    this.options = new StreamHubOptions(options);
    this.directory = directory;
    this.mirrorLingerNanos = TimeUnit.MILLISECONDS.toNanos(Math.min(MIRROR_LINGER_MS, options.getDetachGraceMs() / 2 + 1));
    long period = Math.max(20, Math.min(1000, Math.min(options.getDetachGraceMs(), options.getResumeWindowMs()) / 4));
    this.timerId = vertx.setPeriodic(period, t -> sweep());
    directory.serve(this);
  }

  @Override
  public Future<Opened> open(String sessionId, String requestId, JsonObject body, Ticket ticket,
                             String httpRequestId) {
    return open(eventLoop("open"), sessionId, new Prompt(requestId, httpRequestId), body, ticket, 0).onComplete(opened -> {
      if (opened.failed() || !opened.result().created()) {
        ticket.abandon();
      }
    });
  }

  /** The prompt's idempotency key, and the id of the HTTP request (or WebSocket upgrade) that carried it. */
  private record Prompt(String requestId, String httpRequestId) {
  }

  private Future<Opened> open(Context context, String sessionId, Prompt prompt, JsonObject body, Ticket ticket,
                              int attempt) {
    String requestId = prompt.requestId();
    String id = directory.newStreamId();
    if (requestId == null) {
      return start(context, sessionId, prompt, id, body, ticket);
    }
    // Claimed before the upstream call, atomically: the same prompt sent twice at once starts one stream.
    return directory.claim(sessionId, requestId, id).compose(claimed -> {
      if (claimed.equals(id)) {
        return start(context, sessionId, prompt, id, body, ticket)
          .onFailure(e -> directory.unclaim(sessionId, requestId, id));
      }
      return get(sessionId, claimed).map(existing -> new Opened(existing, false)).recover(notYet -> {
        if (attempt < CLAIM_ATTEMPTS) {
          // Claimed by a prompt still opening its stream (on another member, maybe): look again in a moment; if it
          // failed to open, its claim is gone by then and this prompt claims the id.
          Promise<Void> later = Promise.promise();
          vertx.setTimer(CLAIM_RETRY_MS, t -> later.complete());
          return later.future().compose(v -> open(context, sessionId, prompt, body, ticket, attempt + 1));
        }
        // The stream that held the request id is gone for good: the id starts a new one.
        directory.unclaim(sessionId, requestId, claimed);
        return attempt == CLAIM_ATTEMPTS ? open(context, sessionId, prompt, body, ticket, attempt + 1)
          : Future.failedFuture(notYet);
      });
    });
  }

  private Future<Opened> start(Context context, String sessionId, Prompt prompt, String id, JsonObject body,
                               Ticket ticket) {
    String requestId = prompt.requestId();
    if (streams.size() >= options.getMaxStreams() && !evictEnded()) {
      return Future.failedFuture(new GatewayException(503, "server_error", "over_capacity", null,
        "the gateway keeps its maximum of " + options.getMaxStreams() + " streams; try again later"));
    }
    // Registered while the slot is taken (two round trips at once on a cluster); the id goes out once both are done.
    Future<Void> registered = directory.clustered()
      ? directory.register(new StreamDirectory.Location(id, sessionId, requestId, directory.memberId()),
          directory.reissues() ? reissuable(body, ticket, prompt) : null)
      : Future.succeededFuture();
    return directory.reserve(sessionId, id, options.getMaxRunningPerSession()).compose(reserved -> {
      if (!reserved) {
        registered.onComplete(v -> directory.forgotten(id));
        return Future.failedFuture(new GatewayException(429, "rate_limit_error", "too_many_streams", null,
          "this session already runs " + options.getMaxRunningPerSession() + " streams"));
      }
      HubStreamImpl stream;
      try {
        stream = startOwned(context, sessionId, prompt, id, body, ticket);
      } catch (RuntimeException e) {
        directory.release(sessionId, id);
        registered.onComplete(v -> directory.forgotten(id));
        return Future.failedFuture(e);
      }
      return registered.map(new Opened(stream, true));
    });
  }

  /** What another member needs to run this prompt again, should this member be lost mid-stream. */
  private static JsonObject reissuable(JsonObject body, Ticket ticket, Prompt prompt) {
    JsonObject json = new JsonObject().put("body", body);
    if (ticket.describe() != null) {
      json.put("ticket", ticket.describe());
    }
    if (prompt.httpRequestId() != null) {
      json.put("httpRequestId", prompt.httpRequestId());
    }
    return json;
  }

  @Override
  public void readmitWith(BiFunction<JsonObject, JsonObject, Future<Ticket>> readmission) {
    this.readmission = readmission;
  }

  private HubStreamImpl startOwned(Context context, String sessionId, Prompt prompt, String id, JsonObject body,
                                   Ticket ticket) {
    String requestId = prompt.requestId();
    ReplayBuffer replay = replayBuffer();
    HubStreamImpl stream = new HubStreamImpl(id, sessionId, requestId, context, replay, options.getReplayCapacity(),
      this::ended);
    stream.maxReaders(options.getMaxReadersPerStream());
    stream.meters(meters);
    stream.replicateTo(directory.replicator(id));
    stream.appendStart(body.getString("model"));
    streams.put(id, stream);
    // Before it opens: a stream that ends at once leaves the set as it ends.
    running.add(stream);
    try {
      stream.started(gateway.open(body, id, ticket.meter(stream),
        new io.tokenlane.core.Gateway.StreamLabels("native", prompt.httpRequestId(), sessionId)));
    } catch (RuntimeException e) {
      streams.remove(id);
      running.remove(stream);
      throw e;
    }
    return stream;
  }

  @Override
  public Future<HubStream> get(String sessionId, String streamId) {
    HubStreamImpl owned = streamId == null ? null : streams.get(streamId);
    if (owned != null || streamId == null || !directory.clustered()) {
      return owned != null && mayAccess(owned.sessionId(), sessionId) ? Future.succeededFuture(owned) : notFound();
    }
    Future<HubStreamImpl> mirror = mirrors.get(streamId);
    if (mirror != null) {
      return mirror.transform(found -> found.succeeded() && mayAccess(found.result().sessionId(), sessionId)
        ? Future.succeededFuture(found.result()) : notFound());
    }
    Context context = eventLoop("get");
    String owner = directory.ownerOf(streamId);
    Future<StreamDirectory.Location> located = owner != null
      // The id names a live owner: ask it directly (it checks the session); no registry lookup.
      ? Future.succeededFuture(new StreamDirectory.Location(streamId, sessionId, null, owner))
      : directory.locate(streamId);
    return located.compose(location -> {
      if (location == null || !mayAccess(location.sessionId(), sessionId)
          || location.owner().equals(directory.memberId())) {
        return notFound();
      }
      Promise<HubStreamImpl> created = Promise.promise();
      Future<HubStreamImpl> existing = mirrors.putIfAbsent(streamId, created.future());
      if (existing != null) {
        return existing.map(found -> (HubStream) found);
      }
      mirror(context, location).onComplete(created);
      return created.future().map(found -> (HubStream) found);
    });
  }

  private boolean mayAccess(String streamSession, String askingSession) {
    return SessionTokens.mayAccess(streamSession, askingSession, options.isAcrossSessions());
  }

  /** A mirror of another member's stream, complete once it holds what the owner held when it subscribed. */
  private Future<HubStreamImpl> mirror(Context context, StreamDirectory.Location location) {
    StreamDirectory.RemoteStream remote = directory.remote(location);
    ReplayBuffer replay = replayBuffer();
    HubStreamImpl mirror = new HubStreamImpl(location.streamId(), location.sessionId(), location.requestId(), context,
      replay, options.getReplayCapacity(), s -> { });
    mirror.maxReaders(options.getMaxReadersPerStream());
    mirror.meters(meters);
    Future<HubStreamImpl> ready = remote.subscribe(mirror.mirrorOf(remote, prompt -> takeOver(mirror, prompt)))
      .compose(mirror::caughtUpWith).map(mirror)
      .onFailure(e -> {
        remote.close();
        mirrors.remove(location.streamId());
        LOG.log(System.Logger.Level.DEBUG, "cannot follow stream " + location.streamId() + " of member "
          + location.owner() + ": " + e.getMessage());
      });
    return ready.recover(e -> notFound());
  }

  /**
   * This member took over a stream whose owner was lost before its end ({@code cluster.reissue}): on the mirror's
   * home context, with every event the owner had backed up in it, the mirror becomes the owned stream, a
   * {@code restart} event says the answer starts over, and the prompt runs again here, counted against the same
   * principal. The mirror's readers stay attached and read on. When the prompt cannot run again (its principal is
   * now over a limit), the stream ends with {@code owner_lost} as without re-issuing.
   */
  private void takeOver(HubStreamImpl stream, JsonObject prompt) {
    String id = stream.id();
    mirrors.remove(id);
    streams.put(id, stream);
    JsonObject body = prompt.getJsonObject("body");
    Future<Ticket> admitted = body == null ? Future.failedFuture(new IllegalStateException("no prompt kept"))
      : readmission.apply(prompt.getJsonObject("ticket"), body);
    admitted.onComplete(ticket -> stream.runOnHome(() -> {
      if (ticket.failed()) {
        // Owned here, ended as without re-issuing: a reader past what the backup held still gets its own end.
        LOG.log(System.Logger.Level.WARNING, "stream " + id + " lost its member and cannot run again here: "
          + ticket.cause().getMessage());
        stream.ownerLost();
        endedInOrder.add(stream);
        directory.ended(id);
        return;
      }
      LOG.log(System.Logger.Level.INFO, "stream " + id + " lost its member: its prompt runs again on this one");
      directory.reserve(stream.sessionId(), id, Integer.MAX_VALUE);
      running.add(stream);
      stream.promote(directory.replicator(id), this::ended,
        new JsonObject().put("reason", "owner_lost").put("message", "the gateway member that ran this stream is gone;"
          + " the answer starts over from here"));
      try {
        stream.started(gateway.open(body, id, ticket.result().meter(stream), new Gateway.StreamLabels("native",
          prompt.getString("httpRequestId"), stream.sessionId())));
      } catch (RuntimeException e) {
        ticket.result().abandon();
        stream.onEnd(StreamEnd.failed(e instanceof GatewayException refused
          ? new ProviderError(refused.code(), refused.getMessage(), refused.status())
          : new ProviderError(ProviderError.UPSTREAM_ERROR, "the prompt could not run again: " + e.getMessage(), 502)));
      }
    }));
  }

  private ReplayBuffer replayBuffer() {
    return new ReplayBuffer(options.getReplayCapacity(), options.getResumeWindowMs(), options.getSnapshotMaxBytes(),
      System::nanoTime);
  }

  private static <T> Future<T> notFound() {
    return Future.failedFuture(new GatewayException(404, "invalid_request_error", "stream_not_found", null,
      "no stream with this id in this session"));
  }

  private static Context eventLoop(String what) {
    Context context = Vertx.currentContext();
    if (context == null || !context.isEventLoopContext()) {
      throw new IllegalStateException(what + "() must be called on an event loop");
    }
    return context;
  }

  @Override
  public StreamHubOptions options() {
    return new StreamHubOptions(options);
  }

  @Override
  public int size() {
    return streams.size();
  }

  @Override
  public StreamDirectory directory() {
    return directory;
  }

  @Override
  public void close() {
    vertx.cancelTimer(timerId);
    mirrors.values().forEach(mirror -> mirror.onSuccess(HubStreamImpl::closeMirror));
    mirrors.clear();
  }

  // OwnedStreams: how the directory serves other members.

  @Override
  public HubStream find(String streamId) {
    return streams.get(streamId);
  }

  @Override
  public void onHome(HubStream stream, Runnable action) {
    ((HubStreamImpl) stream).runOnHome(action);
  }

  /**
   * Makes room at the global bound: forgets ended streams nobody follows, before their resume window is over, the
   * longest ended first, a sixteenth of the bound at a time (so it runs once per that many new streams, and takes
   * them from the head of {@link #endedInOrder}: no search). Not all of them: a stream that ended a moment ago still
   * has a client coming back for its end (a long-poller between two polls, a client reconnecting), which would
   * otherwise get a 404 instead of the terminal event. An ended stream that still has readers goes to the back.
   *
   * @return whether there is room now
   */
  private boolean evictEnded() {
    int batch = Math.max(1, options.getMaxStreams() / 16);
    List<HubStreamImpl> followed = null;
    int forgotten = 0;
    HubStreamImpl stream;
    while (forgotten < batch && (stream = endedInOrder.poll()) != null) {
      if (streams.get(stream.id()) != stream) {
        continue;
      }
      if (stream.attachedCount() > 0) {
        followed = withFollowed(followed, stream);
      } else {
        remove(stream);
        forgotten++;
      }
    }
    requeue(followed);
    return streams.size() < options.getMaxStreams();
  }

  private static List<HubStreamImpl> withFollowed(List<HubStreamImpl> followed, HubStreamImpl stream) {
    List<HubStreamImpl> list = followed == null ? new ArrayList<>() : followed;
    list.add(stream);
    return list;
  }

  /** Ended streams that still have readers, taken from the head of the end order: to its back. */
  private void requeue(List<HubStreamImpl> followed) {
    if (followed != null) {
      endedInOrder.addAll(followed);
    }
  }

  private void remove(HubStreamImpl stream) {
    if (streams.remove(stream.id(), stream)) {
      directory.forgotten(stream.id());
    }
  }

  private void ended(HubStreamImpl stream) {
    running.remove(stream);
    endedInOrder.add(stream);
    directory.release(stream.sessionId(), stream.id());
    directory.ended(stream.id());
  }

  private void sweep() {
    long now = System.nanoTime();
    long grace = TimeUnit.MILLISECONDS.toNanos(options.getDetachGraceMs());
    long window = TimeUnit.MILLISECONDS.toNanos(options.getResumeWindowMs());
    for (HubStreamImpl stream : running) {
      if (stream.end() == null && stream.detachedLongerThan(grace, now)) {
        LOG.log(System.Logger.Level.DEBUG, "stream " + stream.id() + " detached for longer than the grace: cancelling");
        stream.cancelDetached(grace);
      }
    }
    // Ended streams past the resume window: the oldest ends, at the head of the end order.
    List<HubStreamImpl> followed = null;
    HubStreamImpl oldest;
    while ((oldest = endedInOrder.peek()) != null && now - oldest.endedAtNanos() > window) {
      HubStreamImpl stream = endedInOrder.poll();
      if (stream == null) {
        break;
      }
      if (streams.get(stream.id()) != stream) {
        continue;
      }
      if (now - stream.endedAtNanos() <= window) {
        // Another loop made room at the bound meanwhile and took the one looked at: this one is younger.
        endedInOrder.add(stream);
        break;
      }
      if (stream.attachedCount() > 0) {
        followed = withFollowed(followed, stream);
      } else {
        remove(stream);
      }
    }
    requeue(followed);
    for (Map.Entry<String, Future<HubStreamImpl>> entry : mirrors.entrySet()) {
      HubStreamImpl mirror = entry.getValue().result();
      if (mirror != null && mirror.detachedLongerThan(mirrorLingerNanos, now)
          && mirrors.remove(entry.getKey(), entry.getValue())) {
        // Nobody here reads it: the owner stops sending, and its own detach grace takes over.
        mirror.closeMirror();
      }
    }
  }
}
