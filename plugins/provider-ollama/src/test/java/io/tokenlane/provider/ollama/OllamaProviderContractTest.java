package io.tokenlane.provider.ollama;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.testkit.ProviderContractTest;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.ollama.FakeOllamaUpstream;
import io.tokenlane.testkit.ollama.Script;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;

/** The plugin against the rules every provider follows, on the fake Ollama. */
class OllamaProviderContractTest extends ProviderContractTest {

  private FakeOllamaUpstream upstream;

  @BeforeEach
  void startUpstream() {
    upstream = await(FakeOllamaUpstream.start(vertx()));
    // One line per write with a pause between them, so a cancel after the first chunk lands mid-stream.
    upstream.defaultScript(Script.tokens("Once", " upon", " a", " time", " there", " was", " a", " gateway")
      .thinking("A story,", " then.").delay(Duration.ofMillis(5)).evalCounts(6, 10));
  }

  @Override
  protected ProviderFactory factory() {
    return new OllamaProviderFactory();
  }

  @Override
  protected JsonObject validConfig() {
    return new JsonObject().put("baseUrl", upstream.baseUrl());
  }

  @Override
  protected ChatRequest prompt() {
    return ProviderHarness.prompt("llama3.2", "Tell me a story");
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
