package io.tokenlane.cluster.impl;

import com.hazelcast.map.EntryProcessor;
import io.tokenlane.core.auth.Limits;
import io.tokenlane.core.auth.QuotaState;
import java.util.Map;

/**
 * Entry processors on {@code tokenlane.quotas}: they run {@link QuotaState}'s arithmetic on the member that owns
 * the principal's partition (and its clock), atomically, and write the state back.
 */
final class QuotaProcessors {

  private QuotaProcessors() {
  }

  /** {@link QuotaState#admit}. */
  static final class Admit implements EntryProcessor<String, QuotaState, QuotaState.Verdict> {
    private static final long serialVersionUID = 1L;
    private final Limits limits;
    private final long estimate;

    Admit(Limits limits, long estimate) {
      this.limits = limits;
      this.estimate = estimate;
    }

    @Override
    public QuotaState.Verdict process(Map.Entry<String, QuotaState> entry) {
      QuotaState state = entry.getValue() == null ? new QuotaState() : entry.getValue();
      QuotaState.Verdict verdict = state.admit(System.currentTimeMillis(), limits, estimate);
      entry.setValue(state);
      return verdict;
    }
  }

  /** {@link QuotaState#settle}. */
  static final class Settle implements EntryProcessor<String, QuotaState, Void> {
    private static final long serialVersionUID = 1L;
    private final Limits limits;
    private final long delta;

    Settle(Limits limits, long delta) {
      this.limits = limits;
      this.delta = delta;
    }

    @Override
    public Void process(Map.Entry<String, QuotaState> entry) {
      QuotaState state = entry.getValue() == null ? new QuotaState() : entry.getValue();
      state.settle(System.currentTimeMillis(), limits, delta);
      entry.setValue(state);
      return null;
    }
  }
}
