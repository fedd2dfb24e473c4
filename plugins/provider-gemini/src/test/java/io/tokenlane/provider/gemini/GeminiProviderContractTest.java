package io.tokenlane.provider.gemini;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.testkit.ProviderContractTest;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.gemini.FakeGeminiUpstream;
import io.tokenlane.testkit.gemini.GeminiScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;

/** The plugin against the rules every provider follows, on the fake Gemini upstream. */
class GeminiProviderContractTest extends ProviderContractTest {

  private FakeGeminiUpstream upstream;

  @BeforeEach
  void startUpstream() {
    upstream = await(FakeGeminiUpstream.start(vertx()));
    // One event per write with a pause between them, so a cancel after the first text lands mid-stream.
    upstream.defaultScript(GeminiScript.text("Once", " upon", " a", " time", " there", " was", " a", " gateway")
      .delay(Duration.ofMillis(5)).usage(6, 8));
  }

  @Override
  protected ProviderFactory factory() {
    return new GeminiProviderFactory();
  }

  @Override
  protected JsonObject validConfig() {
    return new JsonObject().put("baseUrl", upstream.baseUrl()).put("apiKey", "AIza-contract-test");
  }

  @Override
  protected ChatRequest prompt() {
    return ProviderHarness.prompt("gemini-2.5-flash", "Tell me a story");
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
