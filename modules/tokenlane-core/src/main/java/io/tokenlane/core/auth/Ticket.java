package io.tokenlane.core.auth;

import io.tokenlane.core.stream.StreamObserver;

/**
 * An admitted request: what it counted against its principal's limits, settled once, when the stream ends (with the
 * usage the upstream reported, else what was counted), or refunded when no stream started.
 */
public interface Ticket {

  /** The ticket of a principal without limits: nothing to count, nothing to settle. */
  Ticket NONE = new Ticket() {
    @Override
    public StreamObserver meter(StreamObserver observer) {
      return observer;
    }

    @Override
    public void abandon() {
    }
  };

  /**
   * Wraps the stream's observer so that its end settles this ticket.
   *
   * @param observer the stream's observer
   * @return the observer to open the stream with
   */
  StreamObserver meter(StreamObserver observer);

  /** No stream started (refused, failed to open, or an existing one was returned): refund what was counted. */
  void abandon();

  /**
   * What another gateway member needs to count a re-issued prompt against the same principal (see
   * {@link Admissions#readmit}): its id and limits, never a credential.
   *
   * @return the principal's id and limits, or {@code null} when nothing is counted
   */
  default io.vertx.core.json.JsonObject describe() {
    return null;
  }
}
