package io.tokenlane.provider.mock;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.testkit.ProviderContractTest;
import io.tokenlane.testkit.ProviderHarness;
import io.vertx.core.json.JsonObject;

/** The plugin contract, with the mock at full speed: several batches per answer, so cancel lands mid-stream. */
class MockProviderContractTest extends ProviderContractTest {

  @Override
  protected ProviderFactory factory() {
    return new MockProviderFactory();
  }

  @Override
  protected JsonObject validConfig() {
    return new JsonObject().put("length", 4 * MockStream.BATCH_TOKENS);
  }

  @Override
  protected ChatRequest prompt() {
    return ProviderHarness.prompt("mock-1", "Tell me about streaming gateways.");
  }

  @Override
  protected boolean honoursBackpressure() {
    return true;
  }
}
