package io.tokenlane.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.anthropic.FakeAnthropicUpstream;
import io.tokenlane.testkit.anthropic.Script;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Starts a real Vert.x, a {@link FakeAnthropicUpstream} on loopback and the plugin in a {@link ProviderHarness}.
 */
abstract class AnthropicProviderTestBase {

  /** Looks like a real key, so a leak would show in any message that quotes it. */
  static final String API_KEY = "sk-ant-api03-tokenlane-test-0123456789abcdefSECRET";
  static final String MODEL = "claude-sonnet-4-5";

  Vertx vertx;
  FakeAnthropicUpstream upstream;
  private ProviderHarness harness;

  @BeforeEach
  void startUpstream() {
    vertx = Vertx.vertx();
    upstream = await(FakeAnthropicUpstream.start(vertx));
    upstream.expectApiKey(API_KEY);
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
    harness = await(ProviderHarness.deploy(vertx, new AnthropicProviderFactory(), config));
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

  /** A port nothing listens on: bound by a server that is then closed. */
  static int closedPortOn(Vertx vertx) {
    HttpServer server = await(vertx.createHttpServer().requestHandler(request -> { }).listen(0, "127.0.0.1"));
    int port = server.actualPort();
    await(server.close());
    return port;
  }
}
