package com.example.tokenlane.echo;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.Context;
import java.util.List;
import java.util.Locale;

/**
 * One running echo: emits one word per event-loop task (or per timer when {@code delayMs > 0}), pauses while
 * the gateway's write queue is full, and ends with the usage and exactly one {@code end}.
 *
 * <p>Everything here runs on the provider verticle's event loop, so plain fields need no locking.
 */
final class EchoStream implements ProviderStream {

  private static final long NO_TIMER = -1;

  private final Context context;
  private final EchoConfig config;
  private final StreamSink sink;
  private final int promptWords;
  private final List<String> words;
  private int emitted;
  private long timer = NO_TIMER;
  private boolean cancelled;

  EchoStream(Context context, EchoConfig config, List<String> promptWords, Integer maxTokens, StreamSink sink) {
    this.context = context;
    this.config = config;
    this.sink = sink;
    this.promptWords = promptWords.size();
    int limit = maxTokens == null ? this.promptWords : Math.max(0, Math.min(maxTokens, this.promptWords));
    this.words = promptWords.subList(0, limit);
  }

  void start() {
    // Even the first word goes out in a later task: the gateway holds the cancel handle before any chunk.
    context.runOnContext(v -> emitNext());
  }

  @Override
  public void cancel() {
    cancelled = true;
    sink.drainHandler(null);
    if (timer != NO_TIMER) {
      // The echo's "upstream request": a real plugin closes its HTTP request here.
      context.owner().cancelTimer(timer);
      timer = NO_TIMER;
    }
  }

  private void emitNext() {
    timer = NO_TIMER;
    if (cancelled) {
      return;
    }
    if (emitted == words.size()) {
      finish();
      return;
    }
    if (sink.writeQueueFull()) {
      sink.drainHandler(v -> {
        sink.drainHandler(null);
        emitNext();
      });
      return;
    }
    sink.text(chunk(emitted++));
    scheduleNext();
  }

  private void scheduleNext() {
    if (emitted < words.size() && config.delayMs() > 0) {
      timer = context.owner().setTimer(config.delayMs(), id -> emitNext());
    } else {
      // One word per task, so a cancel or a full write queue is seen between two words.
      context.runOnContext(v -> emitNext());
    }
  }

  private String chunk(int index) {
    String word = config.uppercase() ? words.get(index).toUpperCase(Locale.ROOT) : words.get(index);
    return (index == 0 ? config.prefix() : " ") + word;
  }

  private void finish() {
    sink.usage(new Usage(promptWords, emitted));
    sink.end(emitted < promptWords ? FinishReason.LENGTH : FinishReason.STOP);
  }
}
