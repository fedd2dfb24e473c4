package io.tokenlane.provider.openai;

import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;

/**
 * The {@code openai} provider plugin: streams chat completions from OpenAI and every server that speaks its
 * chat-completions API (Azure OpenAI's v1 endpoint, vLLM, llama.cpp, Ollama's {@code /v1}, Groq, Together,
 * OpenRouter, Mistral).
 *
 * <p>Discovered through {@code META-INF/services/io.tokenlane.spi.ProviderFactory}; stateless.
 *
 * @since 1.0
 */
public final class OpenAiProviderFactory implements ProviderFactory {

  /** The value of {@code type:} that selects this plugin. */
  public static final String ID = "openai";

  /** Creates the factory; called by {@link java.util.ServiceLoader}. */
  public OpenAiProviderFactory() {
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
    return OpenAiConfig.SCHEMA;
  }

  @Override
  public String description() {
    return "OpenAI and OpenAI-compatible chat completions";
  }

  @Override
  public ProviderVerticle create(ProviderContext context) {
    return new OpenAiProviderVerticle(context);
  }
}
