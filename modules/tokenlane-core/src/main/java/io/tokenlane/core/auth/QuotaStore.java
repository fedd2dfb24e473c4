package io.tokenlane.core.auth;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the quota state of principals lives: in memory on a single node ({@link #local()}), in the cluster's
 * shared state (Hazelcast) when clustered, so that a key's limits hold across every member.
 */
public interface QuotaStore {

  /** @return a store in this JVM's memory */
  static QuotaStore local() {
    return new Local();
  }

  /**
   * Counts a request, or refuses it ({@link QuotaState#admit}).
   *
   * @param principalId the principal
   * @param limits its limits
   * @param estimate the prompt tokens, estimated
   * @return {@code null} when admitted, else why not; completes on the caller's context
   */
  Future<QuotaState.Verdict> admit(String principalId, Limits limits, long estimate);

  /**
   * Settles a stream ({@link QuotaState#settle}). Fire and forget.
   *
   * @param principalId the principal
   * @param limits its limits
   * @param delta tokens used beyond the estimate (negative: a refund)
   */
  void settle(String principalId, Limits limits, long delta);

  /** The single-node store. */
  final class Local implements QuotaStore {
    private final Map<String, QuotaState> states = new ConcurrentHashMap<>();

    @Override
    public Future<QuotaState.Verdict> admit(String principalId, Limits limits, long estimate) {
      QuotaState state = states.computeIfAbsent(principalId, id -> new QuotaState());
      synchronized (state) {
        return Future.succeededFuture(state.admit(System.currentTimeMillis(), limits, estimate));
      }
    }

    @Override
    public void settle(String principalId, Limits limits, long delta) {
      QuotaState state = states.computeIfAbsent(principalId, id -> new QuotaState());
      synchronized (state) {
        state.settle(System.currentTimeMillis(), limits, delta);
      }
    }
  }
}
