package io.tokenlane.spi;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;

/**
 * Where a provider reports what its upstream generates, normalized.
 *
 * <p>Implemented by the gateway. A plugin calls it only from its verticle's event loop, in generation order,
 * and ends with exactly one terminal call: {@link #end} on success or {@link #fail} on error. Calls after
 * the terminal one, or after {@link ProviderStream#cancel()}, are ignored.
 *
 * @since 1.0
 */
public interface StreamSink {

  /**
   * A piece of generated text, as small as one token or as large as a batch. Empty strings are ignored.
   *
   * @param delta the text
   */
  void text(String delta);

  /**
   * One chunk of an OpenAI-compatible upstream, as it came. The gateway forwards its bytes to clients that speak
   * the same API (rewriting only the id and the model) and reads its fields for everything else, so a plugin for
   * an OpenAI-compatible upstream hands over each chunk instead of calling {@link #text}, {@link #toolCalls} and
   * {@link #usage} with what it found in it. The plugin still makes the terminal call itself.
   *
   * <p>The default implementation, for sinks that predate it, makes those calls with choice 0's reasoning, text,
   * tool-call deltas and the chunk's usage.
   *
   * @param chunk the chunk
   * @since 1.1
   */
  default void chunk(OpenAiChunk chunk) {
    if (chunk.hasReasoning()) {
      reasoning(chunk.reasoning());
    }
    if (chunk.hasText()) {
      text(chunk.text());
    }
    JsonArray toolCalls = chunk.toolCalls();
    if (toolCalls != null) {
      toolCalls(toolCalls);
    }
    Usage usage = chunk.usage();
    if (usage != null) {
      usage(usage);
    }
  }

  /**
   * A piece of the model's reasoning ("thinking") text, carried apart from the answer: OpenAI-compatible clients
   * receive it as {@code delta.reasoning_content}, native clients as {@code reasoning} events. Never mixed into
   * {@link #text}. Empty strings are ignored.
   *
   * <p>The default implementation drops it, for sinks that predate it.
   *
   * @param delta the reasoning text
   * @since 1.2
   */
  default void reasoning(String delta) {
  }

  /**
   * Tool-call deltas in OpenAI's {@code choices[].delta.tool_calls} shape, passed through untouched.
   *
   * @param toolCalls the deltas
   */
  void toolCalls(JsonArray toolCalls);

  /**
   * Token usage as the upstream reported it. May be called before the terminal call, and more than once; the
   * last report wins.
   *
   * @param usage the counts
   */
  void usage(Usage usage);

  /**
   * Terminal: the generation finished normally.
   *
   * @param reason why the upstream stopped
   */
  void end(FinishReason reason);

  /**
   * Terminal: the generation failed, before or after the first token.
   *
   * @param error what went wrong, with a stable code
   */
  void fail(ProviderError error);

  /**
   * Backpressure: {@code true} while the gateway's buffer for this stream is full because clients read slower
   * than the upstream produces. A plugin should then pause its upstream read (for example
   * {@code HttpClientResponse.pause()}) until the {@link #drainHandler} runs.
   *
   * @return whether to pause
   */
  boolean writeQueueFull();

  /**
   * Sets the handler called, on the provider verticle's event loop, once the buffer has room again after
   * {@link #writeQueueFull()} returned {@code true}.
   *
   * @param handler the handler, or {@code null} to clear it
   */
  void drainHandler(Handler<Void> handler);
}
