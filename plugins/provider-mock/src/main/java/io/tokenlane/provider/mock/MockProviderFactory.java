package io.tokenlane.provider.mock;

import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;

/**
 * A simulated LLM, and the gateway's embedded default: it needs no API key and no network.
 *
 * <p>It answers every prompt with English-looking sentences, deterministic for a given {@code seed} and prompt,
 * one token (a word with its leading space) per text chunk, and reports usage before it ends. The prompt's
 * token count is estimated as its characters divided by four. Configuration ({@code type: mock}):
 * <ul>
 *   <li>{@code seed} (integer, 42): seeds the text together with the prompt;</li>
 *   <li>{@code ttftMs} (integer &ge; 0, 0): time to first token;</li>
 *   <li>{@code tokensPerSecond} (number &ge; 0, 0): the rate after the first token, up to 16,000; 0 for as fast
 *       as the event loop allows, in batches that let other streams interleave;</li>
 *   <li>{@code length} (integer &ge; 1, 200): tokens in a full answer, finish reason {@code stop}; a smaller
 *       {@code max_tokens} in the request caps it, finish reason {@code length};</li>
 *   <li>{@code failure} ({@code none}, {@code error-before-first-token}, {@code error-mid-stream},
 *       {@code stall}; none): an upstream failure to simulate, an {@code upstream_error} after the time to
 *       first token or after {@code failAfterTokens} tokens, or silence after {@code failAfterTokens} tokens
 *       until cancelled;</li>
 *   <li>{@code failAfterTokens} (integer &ge; 0, 0 for half of {@code length}): capped by the answer's length.</li>
 * </ul>
 *
 * <p>It honours backpressure: while the gateway's write queue is full it sends nothing.
 *
 * @since 1.0
 */
public final class MockProviderFactory implements ProviderFactory {

  /** The plugin id, the value of {@code type:} in a provider's configuration. */
  public static final String ID = "mock";

  /** Creates the factory; called by {@link java.util.ServiceLoader}. */
  public MockProviderFactory() {
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
    return MockOptions.SCHEMA;
  }

  @Override
  public String description() {
    return "a simulated LLM with configurable time to first token, rate, length and failures";
  }

  @Override
  public ProviderVerticle create(ProviderContext context) {
    return new MockProviderVerticle(MockOptions.fromConfig(context.config()));
  }
}
