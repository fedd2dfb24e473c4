package io.tokenlane.core.stream;

/**
 * A client connection following a stream: writes every event after its cursor to an {@link EventSink}, first
 * from the replay buffer, then live, and closes itself after the {@code end}.
 */
public interface Follower extends Attachment {

  /** @return the stream followed */
  HubStream stream();

  /** @return the last seq written to the sink */
  long cursor();

  /** Tells the follower the sink's connection drained: it catches up. Call on the follower's context. */
  void drained();
}
