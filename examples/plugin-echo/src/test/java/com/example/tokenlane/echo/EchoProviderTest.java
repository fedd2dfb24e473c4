package com.example.tokenlane.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.Usage;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class EchoProviderTest {

  @Test
  void echoesTheLastUserMessageWordByWordAfterThePrefix(Vertx vertx) {
    JsonObject body = new JsonObject().put("model", "echo").put("messages", new JsonArray()
      .add(message("system", "be brief"))
      .add(message("user", "an earlier question"))
      .add(message("assistant", "an earlier answer"))
      .add(message("user", "  hello   big\nworld ")));

    RecordedStream stream = run(vertx, new JsonObject(), ProviderHarness.prompt(body));

    assertEquals("echo: hello big world", stream.text());
    assertEquals(3, stream.textChunks());
    assertEquals(new Usage(3, 3), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void uppercaseUpperCasesTheWordsButNotThePrefix(Vertx vertx) {
    JsonObject config = new JsonObject().put("uppercase", true).put("prefix", "Echo> ");

    RecordedStream stream = run(vertx, config, ProviderHarness.prompt("echo", "Hello world"));

    assertEquals("Echo> HELLO WORLD", stream.text());
  }

  @Test
  void maxTokensCutsTheEchoAndEndsWithLength(Vertx vertx) {
    JsonObject body = ProviderHarness.prompt("echo", "one two three four").toJson().put("max_tokens", 2);

    RecordedStream stream = run(vertx, new JsonObject(), ProviderHarness.prompt(body));

    assertEquals("echo: one two", stream.text());
    assertEquals(new Usage(4, 2), stream.usage());
    assertEquals(FinishReason.LENGTH, stream.finishReason());
  }

  @Test
  void aPromptWithoutAUserMessageFailsAsAnInvalidRequest(Vertx vertx) {
    JsonObject body = new JsonObject().put("model", "echo")
      .put("messages", new JsonArray().add(message("system", "nobody speaks")));

    RecordedStream stream = run(vertx, new JsonObject(), ProviderHarness.prompt(body));

    assertEquals(ProviderError.INVALID_REQUEST, stream.error().code());
    assertEquals(1, stream.terminalCalls());
  }

  @ParameterizedTest(name = "delayMs={0}")
  @ValueSource(longs = {0, 50})
  void cancellingAfterTheFirstWordMakesNoFurtherSinkCall(long delayMs, Vertx vertx) {
    ProviderHarness harness = await(ProviderHarness.deploy(vertx, new EchoProviderFactory(),
      new JsonObject().put("delayMs", delayMs)));

    RecordedStream stream = harness.start(ProviderHarness.prompt("echo", "one two three four"),
      recording -> recording.textChunksReceived(1).onSuccess(RecordedStream::cancel));
    await(stream.terminal());
    await(vertx.timer(200, TimeUnit.MILLISECONDS));

    assertTrue(stream.isCancelled());
    assertEquals("echo: one", stream.text());
    assertEquals(1, stream.events().size(), "sink calls: " + stream.events());
    assertNull(stream.finishReason());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void schemaCoercesEnvironmentStringsAndReportsEachProblem() {
    ConfigSchema schema = new EchoProviderFactory().configSchema();

    ConfigSchema.Validation fromEnv = schema.validate(new JsonObject().put("delayMs", "25").put("uppercase", "true"));
    assertEquals(List.of(), fromEnv.problems());
    assertEquals(new EchoConfig("echo: ", 25, true), EchoConfig.from(fromEnv.config()));

    List<String> problems = schema.validate(new JsonObject().put("delayMs", -1).put("upperCase", true)).problems();
    assertEquals(2, problems.size(), problems.toString());
    assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("delayMs: must be at least 0")), problems.toString());
    assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("upperCase: unknown key")), problems.toString());
  }

  private static RecordedStream run(Vertx vertx, JsonObject config, ChatRequest request) {
    ProviderHarness harness = await(ProviderHarness.deploy(vertx, new EchoProviderFactory(), config));
    return await(harness.run(request));
  }

  private static JsonObject message(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within 10 s", e);
    }
  }
}
