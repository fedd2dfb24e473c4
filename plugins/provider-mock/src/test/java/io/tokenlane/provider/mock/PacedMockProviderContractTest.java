package io.tokenlane.provider.mock;

import io.vertx.core.json.JsonObject;

/** The plugin contract again, with the mock paced by timers after a time to first token. */
class PacedMockProviderContractTest extends MockProviderContractTest {

  @Override
  protected JsonObject validConfig() {
    return new JsonObject().put("length", 60).put("ttftMs", 20).put("tokensPerSecond", 1000);
  }
}
