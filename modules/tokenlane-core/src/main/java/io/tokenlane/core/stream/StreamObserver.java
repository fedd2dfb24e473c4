package io.tokenlane.core.stream;

import io.tokenlane.spi.OpenAiChunk;
import io.tokenlane.spi.Usage;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;

/**
 * What a transport implements to receive one stream.
 *
 * <p>Every method is called on the event loop of the context that opened the stream (the client connection's),
 * in order, and {@link #onEnd} exactly once, last. What arrived in one event-loop turn is delivered as one batch:
 * consecutive text deltas as one {@link #onText} call, then {@link #flush()}, so a transport can write a batch
 * with one write.
 */
public interface StreamObserver {

  /**
   * Generated text, already escaped for a JSON string: UTF-8, without the quotes. Every client format is JSON,
   * so text stays in this form from the upstream's bytes to the client's, and is never decoded on the way.
   * {@code JsonText.decode} gives the plain text.
   *
   * @param text one or more deltas, concatenated; the buffer is the observer's to keep
   */
  void onText(Buffer text);

  /**
   * Reasoning ("thinking") text of a model that shows it, in the form of {@link #onText}: escaped for a JSON string,
   * without the quotes. Observers that have nowhere to put it ignore it.
   *
   * @param escapedText one or more deltas, concatenated; the buffer is the observer's to keep
   */
  default void onReasoning(Buffer escapedText) {
  }

  /**
   * Whether this observer writes OpenAI chat-completion chunks: then a provider's {@link OpenAiChunk}s reach
   * {@link #onChunk} as they came, to be forwarded with little more than the id and model rewritten; otherwise
   * their text, tool calls and usage reach the other methods.
   *
   * @return {@code true} to receive chunks
   */
  default boolean acceptsOpenAiChunks() {
    return false;
  }

  /**
   * One chunk of an OpenAI-compatible upstream, when {@link #acceptsOpenAiChunks()}.
   *
   * @param chunk the chunk
   */
  default void onChunk(OpenAiChunk chunk) {
  }

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

  /** The end of a batch: what was delivered since the last flush arrived in one event-loop turn. */
  default void flush() {
  }

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
