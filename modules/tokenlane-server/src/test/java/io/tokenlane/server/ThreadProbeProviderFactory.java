package io.tokenlane.server;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;
import io.tokenlane.spi.StreamSink;

/** A test provider whose one token is the name of the thread its stream ran on: where did this stream live? */
public final class ThreadProbeProviderFactory implements ProviderFactory {

  @Override
  public String id() {
    return "thread-probe";
  }

  @Override
  public String spiVersion() {
    return SpiVersion.CURRENT;
  }

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.of();
  }

  @Override
  public ProviderVerticle create(ProviderContext context) {
    return new ProviderVerticle() {
      @Override
      public ProviderStream stream(ChatRequest request, StreamSink sink) {
        sink.text(Thread.currentThread().getName());
        sink.end(FinishReason.STOP);
        return () -> { };
      }
    };
  }
}
