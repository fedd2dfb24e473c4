package io.tokenlane.provider.mock;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** Hosts the mock in a {@link ProviderHarness} on a fresh Vert.x per test, with helpers shared by its tests. */
@ExtendWith(VertxExtension.class)
abstract class MockTestBase {

  static final long TIMEOUT_SECONDS = 10;
  static final long QUIET_PERIOD_MS = 250;

  Vertx vertx;

  @BeforeEach
  final void bindVertx(Vertx vertx) {
    this.vertx = vertx;
  }

  ProviderHarness deploy(JsonObject config) {
    return await(ProviderHarness.deploy(vertx, new MockProviderFactory(), config));
  }

  RecordedStream run(JsonObject config, ChatRequest request) {
    return await(deploy(config).run(request));
  }

  void quietPeriod() {
    await(vertx.timer(QUIET_PERIOD_MS, TimeUnit.MILLISECONDS));
  }

  static ChatRequest prompt(String userText) {
    return ProviderHarness.prompt("mock-1", userText);
  }

  static ChatRequest prompt(String userText, int maxTokens) {
    return ProviderHarness.prompt(new JsonObject().put("model", "mock-1").put("max_tokens", maxTokens)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", userText))));
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + TIMEOUT_SECONDS + " s", e);
    }
  }
}
