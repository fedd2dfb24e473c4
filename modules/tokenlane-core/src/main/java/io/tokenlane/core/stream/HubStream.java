package io.tokenlane.core.stream;

import io.vertx.core.Future;

/**
 * A stream kept by the {@link StreamHub}: its events numbered from 1 in a bounded replay buffer, any number of
 * clients following it, and exactly one {@code end}. It outlives its connections: disconnecting detaches, and only
 * a cancel or the detach grace stops it.
 *
 * <p>Thread-safe; followers are served on the context that created them.
 */
public interface HubStream {

  /** @return the stream id */
  String id();

  /** @return the session the stream belongs to */
  String sessionId();

  /** @return the client's idempotency key, or {@code null} */
  String requestId();

  /** @return the newest seq */
  long lastSeq();

  /** @return how the stream ended, or {@code null} while it runs */
  StreamEnd end();

  /**
   * Checks a client's cursor.
   *
   * @param afterSeq the last seq the client has
   * @param param the request parameter that carried it, for the error
   * @throws io.tokenlane.core.GatewayException 400 {@code cursor_out_of_range} for a cursor beyond the stream
   */
  void checkCursor(long afterSeq, String param);

  /**
   * Whether a client at this cursor has the whole stream: it ended, and nothing follows the cursor.
   *
   * @param afterSeq the client's cursor
   * @return whether nothing more will come
   */
  boolean finishedFor(long afterSeq);

  /**
   * Follows the stream from after {@code afterSeq}: buffered events first (a snapshot of what was evicted, or a
   * reset past the snapshot bound), then live ones. Call on the event loop of the connection that owns
   * {@code sink}.
   *
   * @param afterSeq the last seq the client has, 0 for everything
   * @param sink where events go
   * @return the follower
   * @throws io.tokenlane.core.GatewayException 400 {@code cursor_out_of_range} for a cursor beyond the stream
   */
  Follower follow(long afterSeq, EventSink sink);

  /**
   * The buffered events after {@code afterSeq}, for a long-poll. A read counts as the client being there: the detach
   * grace starts again from it.
   *
   * @param afterSeq the client's cursor
   * @param max most events
   * @return the events, and whether some were evicted
   * @throws io.tokenlane.core.GatewayException 400 {@code cursor_out_of_range} for a cursor beyond the stream
   */
  ReplayBuffer.Replay read(long afterSeq, int max);

  /**
   * Calls {@code ready} once, on the caller's context, when an event after {@code afterSeq} exists (at once if
   * one does). Until then, or until closed, the client counts as attached.
   *
   * @param afterSeq the client's cursor
   * @param ready what to run
   * @return the wait, to close when the client gives up
   */
  Attachment await(long afterSeq, Runnable ready);

  /**
   * Cancels the stream: the provider aborts its upstream request and the stream ends with
   * {@code end{reason: cancelled, code: cancelled_by_client}}. Does nothing to an ended stream.
   *
   * @return completes once the {@code end} is in the stream
   */
  Future<Void> cancel();

  /**
   * Checks that one more connection may read this stream on this member ({@code streams.maxReadersPerStream}).
   *
   * @throws io.tokenlane.core.GatewayException 429 {@code too_many_readers}
   */
  default void checkRoomForReader() {
  }
}
