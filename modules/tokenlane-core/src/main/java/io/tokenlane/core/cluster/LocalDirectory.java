package io.tokenlane.core.cluster;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The directory of a single node: request ids and session slots in memory, no stream anywhere else. */
final class LocalDirectory implements StreamDirectory {

  private final Map<String, String> byRequestId = new ConcurrentHashMap<>();
  private final Map<String, String> streamRequest = new ConcurrentHashMap<>();
  private final Map<String, Integer> runningPerSession = new HashMap<>();
  private final io.tokenlane.core.auth.QuotaStore quotas = io.tokenlane.core.auth.QuotaStore.local();

  @Override
  public io.tokenlane.core.auth.QuotaStore quotas() {
    return quotas;
  }

  @Override
  public String memberId() {
    return "local";
  }

  @Override
  public Future<String> claim(String sessionId, String requestId, String streamId) {
    String key = sessionId + '\n' + requestId;
    String claimed = byRequestId.putIfAbsent(key, streamId);
    if (claimed == null) {
      streamRequest.put(streamId, key);
      return Future.succeededFuture(streamId);
    }
    return Future.succeededFuture(claimed);
  }

  @Override
  public void unclaim(String sessionId, String requestId, String streamId) {
    byRequestId.remove(sessionId + '\n' + requestId, streamId);
    streamRequest.remove(streamId);
  }

  @Override
  public synchronized Future<Boolean> reserve(String sessionId, String streamId, int max) {
    int running = runningPerSession.getOrDefault(sessionId, 0);
    if (running >= max) {
      return Future.succeededFuture(false);
    }
    runningPerSession.put(sessionId, running + 1);
    return Future.succeededFuture(true);
  }

  @Override
  public synchronized void release(String sessionId, String streamId) {
    runningPerSession.computeIfPresent(sessionId, (s, running) -> running <= 1 ? null : running - 1);
  }

  @Override
  public Future<Void> register(Location location) {
    return Future.succeededFuture();
  }

  @Override
  public void ended(String streamId) {
    // Claims are forgotten with the stream: see forgotten().
  }

  @Override
  public void forgotten(String streamId) {
    String key = streamRequest.remove(streamId);
    if (key != null) {
      byRequestId.remove(key, streamId);
    }
  }

  @Override
  public Future<Location> locate(String streamId) {
    return Future.succeededFuture();
  }

  @Override
  public RemoteStream remote(Location location) {
    throw new IllegalStateException("a single node has no remote streams");
  }
}
