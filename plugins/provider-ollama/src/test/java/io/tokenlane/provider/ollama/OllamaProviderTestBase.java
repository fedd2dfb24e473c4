package io.tokenlane.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.ollama.FakeOllamaUpstream;
import io.tokenlane.testkit.ollama.Script;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Starts a real Vert.x, a {@link FakeOllamaUpstream} on loopback and the plugin in a {@link ProviderHarness}.
 */
abstract class OllamaProviderTestBase {

  /** Looks like a real key, so a leak would show in any message that quotes it. */
  static final String API_KEY = "ollama-tokenlane-test-0123456789abcdefSECRET";
  static final String MODEL = "llama3.2";

  Vertx vertx;
  FakeOllamaUpstream upstream;
  private ProviderHarness harness;

  @BeforeEach
  void startUpstream() {
    vertx = Vertx.vertx();
    upstream = await(FakeOllamaUpstream.start(vertx));
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
    harness = await(ProviderHarness.deploy(vertx, new OllamaProviderFactory(), config));
    return harness;
  }

  /** Plays {@code script} for one prompt, runs it to its terminal call and checks the SPI's rules held. */
  RecordedStream run(Script script) {
    upstream.enqueue(script);
    return finished(harness().start(prompt()));
  }

  /** Runs {@code script} and returns the failure, checking that the stream did not also end cleanly. */
  ProviderError failure(Script script) {
    RecordedStream stream = run(script);
    assertEquals(null, stream.finishReason(), "a failed stream must not also end cleanly");
    assertEquals(1, stream.terminalCalls());
    return stream.error();
  }

  RecordedStream finished(RecordedStream stream) {
    await(stream.terminal());
    assertEquals(List.of(), stream.violations());
    return stream;
  }

  static ChatRequest prompt() {
    return ProviderHarness.prompt(MODEL, "Say hello to the world");
  }

  /** The kinds of the sink calls, in order. */
  static List<String> kinds(RecordedStream stream) {
    return stream.events().stream().map(RecordedStream.Event::kind).toList();
  }

  /** A port nothing listens on: bound by a server that is then closed. */
  static int closedPortOn(Vertx vertx) {
    HttpServer server = await(vertx.createHttpServer().requestHandler(request -> { }).listen(0, "127.0.0.1"));
    int port = server.actualPort();
    await(server.close());
    return port;
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
  }
}
