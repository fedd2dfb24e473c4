package io.tokenlane.core.stream;

import io.tokenlane.spi.Usage;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;

/**
 * What a transport implements to receive one stream.
 *
 * <p>Every method is called on the event loop of the context that opened the stream (the client connection's),
 * in order, and {@link #onEnd} exactly once, last. Several text deltas that arrived together are delivered as
 * one {@link #onText} call.
 */
public interface StreamObserver {

  /**
   * Generated text.
   *
   * @param text one or more deltas, concatenated
   */
  void onText(String text);

  /**
   * Tool-call deltas, in OpenAI's shape.
   *
   * @param toolCalls the deltas
   */
  default void onToolCalls(JsonArray toolCalls) {
  }

  /**
   * Token usage reported by the upstream.
   *
   * @param usage the counts
   */
  default void onUsage(Usage usage) {
  }

  /**
   * The terminal event.
   *
   * @param end why the stream ended
   */
  void onEnd(StreamEnd end);

  /**
   * Whether the client's connection buffers too much; while {@code true} the provider is asked to pause.
   *
   * @return whether the client is behind
   */
  default boolean writeQueueFull() {
    return false;
  }

  /**
   * Sets the handler to call once the client's buffer drained. Called once, when the stream opens.
   *
   * @param handler the handler
   */
  default void drainHandler(Handler<Void> handler) {
  }
}
