package io.tokenlane.testkit;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderFactory;
import io.vertx.core.json.JsonObject;

/** The contract test, run against a well-behaved plugin: every test must pass. */
class ScriptedProviderContractTest extends ProviderContractTest {

  @Override
  protected ProviderFactory factory() {
    return new ScriptedProviderFactory(ScriptedProviderFactory.Misbehaviour.NONE);
  }

  @Override
  protected JsonObject validConfig() {
    return new JsonObject().put("words", 30);
  }

  @Override
  protected ChatRequest prompt() {
    return ProviderHarness.prompt("scripted-1", "Count for me");
  }

  @Override
  protected boolean honoursBackpressure() {
    return true;
  }
}
