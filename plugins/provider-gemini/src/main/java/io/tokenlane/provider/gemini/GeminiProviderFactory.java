package io.tokenlane.provider.gemini;

import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;

/**
 * The {@code gemini} provider plugin: streams chat completions from Google's Gemini API through its native
 * {@code streamGenerateContent} endpoint, translating OpenAI's chat shape to Gemini's and back.
 *
 * <p>Discovered through {@code META-INF/services/io.tokenlane.spi.ProviderFactory}; stateless.
 *
 * @since 1.2
 */
public final class GeminiProviderFactory implements ProviderFactory {

  /** The value of {@code type:} that selects this plugin. */
  public static final String ID = "gemini";

  /** Creates the factory; called by {@link java.util.ServiceLoader}. */
  public GeminiProviderFactory() {
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
    return GeminiConfig.SCHEMA;
  }

  @Override
  public String description() {
    return "Google Gemini API (native streamGenerateContent)";
  }

  @Override
  public ProviderVerticle create(ProviderContext context) {
    return new GeminiProviderVerticle(context);
  }
}
