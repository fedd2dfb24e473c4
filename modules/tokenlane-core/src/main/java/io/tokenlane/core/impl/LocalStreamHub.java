package io.tokenlane.core.impl;

import io.tokenlane.core.Gateway;
import io.tokenlane.core.GatewayException;
import io.tokenlane.core.session.SessionTokens;
import io.tokenlane.core.stream.HubStream;
import io.tokenlane.core.stream.ReplayBuffer;
import io.tokenlane.core.stream.StreamHub;
import io.tokenlane.core.stream.StreamHubOptions;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The hub of one gateway instance, in memory. One periodic timer cancels streams detached for longer than the
 * grace and forgets ended streams after the resume window.
 */
public final class LocalStreamHub implements StreamHub {

  private static final System.Logger LOG = System.getLogger(LocalStreamHub.class.getName());

  private final Vertx vertx;
  private final Gateway gateway;
  private final StreamHubOptions options;
  private final Map<String, HubStreamImpl> streams = new ConcurrentHashMap<>();
  private final Map<String, String> byRequestId = new ConcurrentHashMap<>();
  private final Map<String, Integer> runningPerSession = new HashMap<>();
  private final long timerId;

  /**
   * Creates the hub.
   *
   * @param vertx the Vert.x instance
   * @param gateway where streams are opened
   * @param options the bounds
   */
  public LocalStreamHub(Vertx vertx, Gateway gateway, StreamHubOptions options) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.options = new StreamHubOptions(options);
    long period = Math.max(20, Math.min(1000, Math.min(options.getDetachGraceMs(), options.getResumeWindowMs()) / 4));
    this.timerId = vertx.setPeriodic(period, t -> sweep());
  }

  @Override
  public Opened open(String sessionId, String requestId, JsonObject body) {
    Context context = Vertx.currentContext();
    if (context == null || !context.isEventLoopContext()) {
      throw new IllegalStateException("open() must be called on an event loop");
    }
    String key = requestId == null ? null : sessionId + '\n' + requestId;
    String id = SessionTokens.randomId("st-");
    if (key != null) {
      // Claimed before the upstream call, atomically: the same prompt sent twice at once starts one stream.
      String claimed = byRequestId.putIfAbsent(key, id);
      if (claimed != null) {
        HubStreamImpl existing = streamFor(claimed);
        if (existing != null) {
          return new Opened(existing, false);
        }
        byRequestId.put(key, id);
      }
    }
    try {
      if (streams.size() >= options.getMaxStreams() && !evictEnded()) {
        throw new GatewayException(503, "server_error", "over_capacity", null,
          "the gateway keeps its maximum of " + options.getMaxStreams() + " streams; try again later");
      }
      if (!reserve(sessionId)) {
        throw new GatewayException(429, "rate_limit_error", "too_many_streams", null,
          "this session already runs " + options.getMaxRunningPerSession() + " streams");
      }
    } catch (GatewayException e) {
      forget(key, id);
      throw e;
    }
    ReplayBuffer replay = new ReplayBuffer(options.getReplayCapacity(), options.getResumeWindowMs(),
      options.getSnapshotMaxBytes(), System::nanoTime);
    HubStreamImpl stream = new HubStreamImpl(id, sessionId, requestId, context, replay, options.getReplayCapacity(),
      this::ended);
    stream.appendStart(body.getString("model"));
    streams.put(id, stream);
    try {
      stream.started(gateway.open(body, id, stream));
    } catch (RuntimeException e) {
      streams.remove(id);
      release(sessionId);
      forget(key, id);
      throw e;
    }
    return new Opened(stream, true);
  }

  @Override
  public HubStream get(String sessionId, String streamId) {
    HubStreamImpl stream = streamFor(streamId);
    if (stream == null || !stream.sessionId().equals(sessionId)) {
      throw new GatewayException(404, "invalid_request_error", "stream_not_found", null,
        "no stream with this id in this session");
    }
    return stream;
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
  public void close() {
    vertx.cancelTimer(timerId);
  }

  private void forget(String key, String id) {
    if (key != null) {
      byRequestId.remove(key, id);
    }
  }

  /**
   * Makes room at the global bound: forgets ended streams nobody follows, before their resume window is over.
   *
   * @return whether there is room now
   */
  private boolean evictEnded() {
    for (HubStreamImpl stream : streams.values()) {
      if (stream.end() != null && stream.attachedCount() == 0) {
        remove(stream);
      }
    }
    return streams.size() < options.getMaxStreams();
  }

  private void remove(HubStreamImpl stream) {
    streams.remove(stream.id());
    if (stream.requestId() != null) {
      byRequestId.remove(stream.sessionId() + '\n' + stream.requestId(), stream.id());
    }
  }

  private HubStreamImpl streamFor(String streamId) {
    return streamId == null ? null : streams.get(streamId);
  }

  private void ended(HubStreamImpl stream) {
    release(stream.sessionId());
  }

  private synchronized boolean reserve(String sessionId) {
    int running = runningPerSession.getOrDefault(sessionId, 0);
    if (running >= options.getMaxRunningPerSession()) {
      return false;
    }
    runningPerSession.put(sessionId, running + 1);
    return true;
  }

  private synchronized void release(String sessionId) {
    runningPerSession.computeIfPresent(sessionId, (s, running) -> running <= 1 ? null : running - 1);
  }

  private void sweep() {
    long now = System.nanoTime();
    long grace = TimeUnit.MILLISECONDS.toNanos(options.getDetachGraceMs());
    long window = TimeUnit.MILLISECONDS.toNanos(options.getResumeWindowMs());
    for (HubStreamImpl stream : streams.values()) {
      if (stream.end() == null) {
        if (stream.detachedLongerThan(grace, now)) {
          LOG.log(System.Logger.Level.DEBUG, "stream " + stream.id() + " detached for longer than the grace: cancelling");
          stream.cancelDetached(grace);
        }
      } else if (now - stream.endedAtNanos() > window && stream.attachedCount() == 0) {
        remove(stream);
      }
    }
  }
}
