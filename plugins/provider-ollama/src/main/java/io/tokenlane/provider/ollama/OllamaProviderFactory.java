package io.tokenlane.provider.ollama;

import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;

/**
 * The {@code ollama} provider plugin: streams chats from Ollama's native {@code /api/chat}, with thinking apart
 * from the answer, whole tool calls, and token counts from Ollama's eval counts.
 *
 * <p>Discovered through {@code META-INF/services/io.tokenlane.spi.ProviderFactory}; stateless.
 *
 * @since 1.2
 */
public final class OllamaProviderFactory implements ProviderFactory {

  /** The value of {@code type:} that selects this plugin. */
  public static final String ID = "ollama";

  /** Creates the factory; called by {@link java.util.ServiceLoader}. */
  public OllamaProviderFactory() {
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String spiVersion() {
    return SpiVersion.CURRENT;
  }

  @Override
  public ConfigSchema configSchema() {
    return OllamaConfig.SCHEMA;
  }

  @Override
  public String description() {
    return "Ollama's native chat API";
  }

  @Override
  public ProviderVerticle create(ProviderContext context) {
    return new OllamaProviderVerticle(context);
  }
}
