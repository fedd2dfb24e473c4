package io.tokenlane.core.stream;

/**
 * Where a {@link Follower} writes a stream's events: one client connection, as a transport sees it.
 *
 * <p>Called on the event loop of the context that created the follower, in seq order.
 */
public interface EventSink {

  /**
   * Whether the connection buffers too much. While {@code true} the follower stops writing; the transport calls
   * {@link Follower#drained()} once the connection drained, and the follower catches up from the replay buffer.
   *
   * @return whether to pause
   */
  boolean writeQueueFull();

  /**
   * Writes one event: a stream event, or a {@link StreamEvent.Type#SNAPSHOT} (else a {@link StreamEvent.Type#RESET})
   * when the follower fell out of the replay buffer. After the {@code end} event the follower is closed.
   *
   * @param event the event
   */
  void write(StreamEvent event);
}
