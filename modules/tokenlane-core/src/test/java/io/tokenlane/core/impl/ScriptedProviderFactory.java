package io.tokenlane.core.impl;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;
import io.tokenlane.spi.StreamSink;
import java.util.function.BiFunction;

/**
 * A provider whose behaviour each test scripts, to drive the core's stream bridge precisely.
 */
public final class ScriptedProviderFactory implements ProviderFactory {

  /** What the provider does with each prompt; set by the test, called on the provider's event loop. */
  static volatile BiFunction<ChatRequest, StreamSink, ProviderStream> behaviour = (request, sink) -> () -> { };

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
    return ConfigSchema.of(ConfigField.string("apiKey").secret());
  }

  @Override
  public ProviderVerticle create(ProviderContext context) {
    return new ProviderVerticle() {
      @Override
      public ProviderStream stream(ChatRequest request, StreamSink sink) {
        return behaviour.apply(request, sink);
      }
    };
  }
}
