package io.tokenlane.provider.anthropic;

import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;

/**
 * The {@code anthropic} provider plugin: streams Claude's answers from Anthropic's Messages API, translating the
 * gateway's OpenAI-shaped requests (system prompt, tools, images, reasoning effort) and Anthropic's events (text,
 * thinking, tool use, usage with the prompt cache, errors).
 *
 * <p>Discovered through {@code META-INF/services/io.tokenlane.spi.ProviderFactory}; stateless.
 *
 * @since 1.2
 */
public final class AnthropicProviderFactory implements ProviderFactory {

  /** The value of {@code type:} that selects this plugin. */
  public static final String ID = "anthropic";

  /** Creates the factory; called by {@link java.util.ServiceLoader}. */
  public AnthropicProviderFactory() {
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
    return AnthropicConfig.SCHEMA;
  }

  @Override
  public String description() {
    return "Anthropic Messages API";
  }

  @Override
  public ProviderVerticle create(ProviderContext context) {
    return new AnthropicProviderVerticle(context);
  }
}
