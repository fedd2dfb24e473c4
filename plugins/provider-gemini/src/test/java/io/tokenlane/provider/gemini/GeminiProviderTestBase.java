package io.tokenlane.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.gemini.FakeGeminiUpstream;
import io.tokenlane.testkit.gemini.GeminiScript;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Starts a real Vert.x, a {@link FakeGeminiUpstream} on loopback and the plugin in a {@link ProviderHarness}.
 */
abstract class GeminiProviderTestBase {

  /** Looks like a real key, so a leak would show in any message that quotes it. */
  static final String API_KEY = "AIzaSyTokenlaneTest0123456789abcdefSECRET";
  static final String MODEL = "gemini-2.5-flash";

  Vertx vertx;
  FakeGeminiUpstream upstream;
  private ProviderHarness harness;

  @BeforeEach
  void startUpstream() {
    vertx = Vertx.vertx();
    upstream = await(FakeGeminiUpstream.start(vertx));
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
    harness = await(ProviderHarness.deploy(vertx, new GeminiProviderFactory(), config));
    return harness;
  }

  /** Plays {@code script} for one prompt, runs it to its terminal call and checks the SPI's rules held. */
  RecordedStream run(GeminiScript script) {
    upstream.enqueue(script);
    return finished(harness().start(prompt()));
  }

  RecordedStream finished(RecordedStream stream) {
    await(stream.terminal());
    assertEquals(List.of(), stream.violations());
    assertEquals(stream.isCancelled() ? 0 : 1, stream.terminalCalls());
    return stream;
  }

  static ChatRequest prompt() {
    return ProviderHarness.prompt(MODEL, "Say hello to the world");
  }

  /** A port nothing listens on: bound by a server that is then closed. */
  int closedPort() {
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
