package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Starts a real Vert.x, a {@link FakeOpenAiUpstream} on loopback and the plugin in a {@link ProviderHarness}.
 */
abstract class OpenAiProviderTestBase {

  /** Looks like a real key, so a leak would show in any message that quotes it. */
  static final String API_KEY = "sk-tokenlane-test-0123456789abcdefSECRET";
  static final String MODEL = "gpt-4o-mini";

  Vertx vertx;
  FakeOpenAiUpstream upstream;
  private ProviderHarness harness;

  @BeforeEach
  void startUpstream() {
    vertx = Vertx.vertx();
    upstream = await(FakeOpenAiUpstream.start(vertx));
  }

  @AfterEach
  void stopVertx() {
    await(vertx.close());
  }

  /** The configuration a user would write, pointing at the fake. */
  JsonObject config() {
    return new JsonObject().put("baseUrl", upstream.baseUrl()).put("apiKey", API_KEY);
  }

  ProviderHarness harness() {
    if (harness == null) {
      harness = deploy(config());
    }
    return harness;
  }

  ProviderHarness deploy(JsonObject config) {
    harness = await(ProviderHarness.deploy(vertx, new OpenAiProviderFactory(), config));
    return harness;
  }

  /** Plays {@code script} for one prompt, runs it to its terminal call and checks the SPI's rules held. */
  RecordedStream run(Script script) {
    upstream.enqueue(script);
    return finished(harness().start(prompt()));
  }

  RecordedStream finished(RecordedStream stream) {
    await(stream.terminal());
    assertEquals(List.of(), stream.violations());
    return stream;
  }

  static ChatRequest prompt() {
    return ProviderHarness.prompt(MODEL, "Say hello to the world");
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
  }
}
