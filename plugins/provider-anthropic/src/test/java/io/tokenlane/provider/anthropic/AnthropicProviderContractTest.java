package io.tokenlane.provider.anthropic;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.testkit.ProviderContractTest;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.anthropic.FakeAnthropicUpstream;
import io.tokenlane.testkit.anthropic.Script;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;

/** The plugin against the rules every provider follows, on the fake Anthropic upstream. */
class AnthropicProviderContractTest extends ProviderContractTest {

  private FakeAnthropicUpstream upstream;

  @BeforeEach
  void startUpstream() {
    upstream = await(FakeAnthropicUpstream.start(vertx()));
    // One event per write with a pause between them, so a cancel after the first chunk lands mid-stream.
    upstream.defaultScript(Script.tokens("Once", " upon", " a", " time", " there", " was", " a", " gateway")
      .delay(Duration.ofMillis(5)).usage(6, 8));
  }

  @Override
  protected ProviderFactory factory() {
    return new AnthropicProviderFactory();
  }

  @Override
  protected JsonObject validConfig() {
    return new JsonObject().put("baseUrl", upstream.baseUrl()).put("apiKey", "sk-ant-contract-test");
  }

  @Override
  protected ChatRequest prompt() {
    return ProviderHarness.prompt("claude-sonnet-4-5", "Tell me a story");
  }

  @Override
  protected Future<Void> upstreamClosedAfterCancel() {
    return upstream.awaitClientClosed();
  }

  @Override
  protected boolean honoursBackpressure() {
    return true;
  }
}
