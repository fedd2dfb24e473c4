package io.tokenlane.provider.mock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.Usage;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MockProviderTest extends MockTestBase {

  private static final String QUESTION = "What is a streaming gateway?";
  private static final int QUESTION_TOKENS = (QUESTION.length() + 3) / 4;

  @Test
  void sameSeedAndPromptGiveIdenticalText() {
    JsonObject config = new JsonObject().put("seed", 7);
    assertEquals(run(config, prompt(QUESTION)).text(), run(config, prompt(QUESTION)).text());
  }

  @Test
  void anotherSeedGivesAnotherText() {
    assertNotEquals(run(new JsonObject().put("seed", 7), prompt(QUESTION)).text(),
      run(new JsonObject().put("seed", 8), prompt(QUESTION)).text());
  }

  @Test
  void aFullAnswerHasLengthTokensThenUsageThenStop() {
    RecordedStream stream = run(new JsonObject().put("length", 30), prompt(QUESTION));
    assertEquals(30, stream.textChunks());
    assertEquals(30, stream.text().split(" ").length);
    assertEquals(FinishReason.STOP, stream.finishReason());
    assertEquals(new Usage(QUESTION_TOKENS, 30), stream.usage());
    List<RecordedStream.Event> events = stream.events();
    assertEquals("usage", events.get(events.size() - 2).kind());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void maxTokensBelowLengthCapsTheAnswerWithFinishReasonLength() {
    RecordedStream stream = run(new JsonObject().put("length", 30), prompt(QUESTION, 7));
    assertEquals(7, stream.textChunks());
    assertEquals(FinishReason.LENGTH, stream.finishReason());
    assertEquals(new Usage(QUESTION_TOKENS, 7), stream.usage());
    assertTrue(run(new JsonObject().put("length", 30), prompt(QUESTION)).text().startsWith(stream.text()));
  }

  @Test
  void maxTokensAtOrAboveLengthLeavesAFullAnswerWithStop() {
    RecordedStream stream = run(new JsonObject().put("length", 30), prompt(QUESTION, 30));
    assertEquals(30, stream.textChunks());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @Test
  void errorBeforeFirstTokenFailsWithoutText() {
    RecordedStream stream = run(new JsonObject().put("failure", "error-before-first-token").put("ttftMs", 5),
      prompt(QUESTION));
    assertEquals(0, stream.textChunks());
    assertEquals(ProviderError.upstream("mock: injected failure before the first token"), stream.error());
    assertEquals(1, stream.terminalCalls());
  }

  @Test
  void errorMidStreamFailsAfterFailAfterTokensWithUsageSoFar() {
    RecordedStream stream = run(failing("error-mid-stream").put("failAfterTokens", 5), prompt(QUESTION));
    assertEquals(5, stream.textChunks());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
    assertEquals(new Usage(QUESTION_TOKENS, 5), stream.usage());
    assertNull(stream.finishReason());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void errorMidStreamFailsHalfWayByDefault() {
    assertEquals(10, run(failing("error-mid-stream"), prompt(QUESTION)).textChunks());
  }

  @Test
  void errorMidStreamStillFailsWhenMaxTokensEndsTheAnswerFirst() {
    RecordedStream stream = run(failing("error-mid-stream").put("failAfterTokens", 15), prompt(QUESTION, 4));
    assertEquals(4, stream.textChunks());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 500})
  void stallSendsFailAfterTokensThenNothingUntilCancelled(int tokensPerSecond) {
    JsonObject config = failing("stall").put("failAfterTokens", 5).put("tokensPerSecond", tokensPerSecond);
    RecordedStream stream = deploy(config).start(prompt(QUESTION));
    await(stream.textChunksReceived(5));
    quietPeriod();
    assertEquals(5, stream.events().size());
    assertFalse(stream.terminal().isComplete(), "a stalled stream must not end by itself");
    await(stream.cancel());
    quietPeriod();
    assertTrue(stream.isCancelled());
    assertEquals(5, stream.events().size());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void undeployingFailsOpenStreamsAsUnavailable() {
    ProviderHarness harness = deploy(failing("stall").put("failAfterTokens", 3));
    RecordedStream stream = harness.start(prompt(QUESTION));
    await(stream.textChunksReceived(3));
    await(harness.undeploy());
    assertEquals(ProviderError.UNAVAILABLE, await(stream.terminal()).error().code());
  }

  @Test
  void noTokenArrivesDuringTheTimeToFirstTokenAndCancelThenStopsTheTimer() {
    RecordedStream stream = deploy(new JsonObject().put("ttftMs", 60_000)).start(prompt(QUESTION));
    quietPeriod();
    assertEquals(List.of(), stream.events());
    await(stream.cancel());
    assertTrue(stream.isCancelled());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void aTimeToFirstTokenDelaysButDoesNotChangeTheAnswer() {
    JsonObject config = new JsonObject().put("length", 20);
    assertEquals(run(config, prompt(QUESTION)).text(), run(config.copy().put("ttftMs", 30), prompt(QUESTION)).text());
  }

  @ParameterizedTest
  @ValueSource(doubles = {100, 2_000, 1_000_000})
  void pacedAnswersEqualUnpacedOnes(double tokensPerSecond) {
    JsonObject config = new JsonObject().put("length", 40);
    RecordedStream paced = run(config.copy().put("tokensPerSecond", tokensPerSecond), prompt(QUESTION));
    assertEquals(run(config, prompt(QUESTION)).text(), paced.text());
    assertEquals(40, paced.textChunks());
    assertEquals(List.of(), paced.violations());
  }

  private static JsonObject failing(String failure) {
    return new JsonObject().put("length", 20).put("failure", failure);
  }
}
