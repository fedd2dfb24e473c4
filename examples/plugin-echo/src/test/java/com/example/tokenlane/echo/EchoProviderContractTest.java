package com.example.tokenlane.echo;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.testkit.ProviderContractTest;
import io.tokenlane.testkit.ProviderHarness;
import io.vertx.core.json.JsonObject;

/** Runs the test kit's rules for every provider plugin against the echo plugin. */
class EchoProviderContractTest extends ProviderContractTest {

  @Override
  protected ProviderFactory factory() {
    return new EchoProviderFactory();
  }

  @Override
  protected JsonObject validConfig() {
    // A small delay, so the contract's cancel checks also cover cancelling a pending timer.
    return new JsonObject().put("delayMs", 2);
  }

  @Override
  protected ChatRequest prompt() {
    return ProviderHarness.prompt("echo", "the quick brown fox jumps over the lazy dog");
  }

  @Override
  protected boolean honoursBackpressure() {
    return true;
  }
}
