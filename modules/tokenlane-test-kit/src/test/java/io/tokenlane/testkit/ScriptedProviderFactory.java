package io.tokenlane.testkit;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;
import io.tokenlane.spi.StreamSink;
import java.util.concurrent.CompletableFuture;

/**
 * A minimal plugin that answers with numbered words, one per timer tick (so its sink calls come from a
 * duplicate of the verticle's context, as a real plugin's do), and can break one SPI rule on purpose, so the
 * kit's tests can show that the contract test catches it.
 */
class ScriptedProviderFactory implements ProviderFactory {

  /** The rule the plugin breaks. */
  enum Misbehaviour {
    NONE, TEXT_AFTER_CANCEL, DOUBLE_END, IGNORE_BACKPRESSURE, OFF_EVENT_LOOP
  }

  private final Misbehaviour misbehaviour;

  ScriptedProviderFactory(Misbehaviour misbehaviour) {
    this.misbehaviour = misbehaviour;
  }

  @Override
  public String id() {
    return "scripted";
  }

  @Override
  public String spiVersion() {
    return SpiVersion.CURRENT;
  }

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.of(ConfigField.integer("words").min(1).defaultValue(20).description("words per answer"));
  }

  @Override
  public ProviderVerticle create(ProviderContext context) {
    int words = context.config().getInteger("words");
    return new ProviderVerticle() {
      @Override
      public ProviderStream stream(ChatRequest request, StreamSink sink) {
        Script script = new Script(this, sink, words, misbehaviour);
        script.schedule();
        return script::cancel;
      }
    };
  }

  private static final class Script {
    private final ProviderVerticle verticle;
    private final StreamSink sink;
    private final int words;
    private final Misbehaviour misbehaviour;
    private int sent;
    private boolean cancelled;

    Script(ProviderVerticle verticle, StreamSink sink, int words, Misbehaviour misbehaviour) {
      this.verticle = verticle;
      this.sink = sink;
      this.words = words;
      this.misbehaviour = misbehaviour;
    }

    void next() {
      if (cancelled && misbehaviour != Misbehaviour.TEXT_AFTER_CANCEL) {
        return;
      }
      if (sent == words) {
        sink.end(FinishReason.STOP);
        if (misbehaviour == Misbehaviour.DOUBLE_END) {
          sink.end(FinishReason.STOP);
        }
        return;
      }
      if (sink.writeQueueFull() && misbehaviour != Misbehaviour.IGNORE_BACKPRESSURE) {
        sink.drainHandler(v -> next());
        return;
      }
      sink.text((sent++ == 0 ? "word" : " word") + sent);
      schedule();
    }

    void schedule() {
      if (misbehaviour == Misbehaviour.OFF_EVENT_LOOP) {
        CompletableFuture.runAsync(this::next);
      } else {
        verticle.providerContext().owner().setTimer(1, id -> next());
      }
    }

    void cancel() {
      cancelled = true;
    }
  }
}
