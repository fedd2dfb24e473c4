package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.Usage;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OpenAiStreamingTest extends OpenAiProviderTestBase {

  @Test
  void tokensStreamAsTextThenUsageThenAnEndWithTheFinishReason() {
    RecordedStream stream = run(Script.tokens("Hel", "lo", " world").finish("stop").usage(5, 3));

    assertEquals("Hello world", stream.text());
    assertEquals(3, stream.textChunks());
    assertEquals(new Usage(5, 3), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
    List<String> kinds = stream.events().stream().map(RecordedStream.Event::kind).toList();
    assertEquals(List.of("text", "text", "text", "usage", "end"), kinds);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7})
  void eventsCutIntoTinyTcpWritesAtAwkwardOffsetsArriveWhole(int bytes) {
    RecordedStream stream = run(Script.tokens("h\u00e9", "llo ", "\uD83C\uDF0D", "!").splitEveryBytes(bytes).usage(4, 4));

    assertEquals("h\u00e9llo \uD83C\uDF0D!", stream.text());
    assertEquals(4, stream.textChunks());
    assertEquals(new Usage(4, 4), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"\r\n", "\r"})
  void crLfAndCrLineEndingsWorkLikeLf(String lineEnding) {
    RecordedStream stream = run(Script.tokens("a", "b").lineEnding(lineEnding).splitEveryBytes(5));

    assertEquals("ab", stream.text());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @Test
  void keepAliveCommentsBetweenEventsAreIgnored() {
    RecordedStream stream = run(Script.tokens("still", " here").keepAlives().delay(Duration.ofMillis(5)));

    assertEquals("still here", stream.text());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @Test
  void azuresFirstChunkWithEmptyChoicesIsSkipped() {
    RecordedStream stream = run(Script.tokens("filtered", " fine").azurePromptFilterChunk());

    assertEquals("filtered fine", stream.text());
    assertEquals(2, stream.textChunks());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @Test
  void theUsageChunkWithEmptyChoicesIsReportedBeforeTheEnd() {
    RecordedStream stream = run(Script.tokens("x").usage(11, 1));

    List<RecordedStream.Event> events = stream.events();
    assertEquals(new RecordedStream.Event("usage", new Usage(11, 1)), events.get(events.size() - 2));
  }

  @Test
  void aStreamWithoutDoneAfterAFinishReasonEndsNormally() {
    RecordedStream stream = run(Script.tokens("old", " llama.cpp").finish("length").withoutDone());

    assertEquals("old llama.cpp", stream.text());
    assertEquals(FinishReason.LENGTH, stream.finishReason());
    assertNull(stream.error());
  }

  @Test
  void aStreamThatEndsWithoutFinishReasonOrDoneFailsInsteadOfEndingCleanly() {
    RecordedStream stream = run(Script.tokens("half").finish(null).withoutDone());

    assertEquals("half", stream.text());
    assertNull(stream.finishReason());
    assertEquals("upstream_error", stream.error().code());
    assertEquals("upstream closed the stream before finishing", stream.error().message());
  }

  @Test
  void toolCallDeltasArePassedThroughUntouched() {
    RecordedStream stream = run(Script.tokens()
      .toolCall("call_abc", "get_weather", "{\"city\":", "\"Paris\"}")
      .toolCall("call_def", "get_time", "{}"));

    List<Object> calls = stream.events().stream().filter(event -> event.kind().equals("toolCalls"))
      .map(RecordedStream.Event::value).toList();
    assertEquals(5, calls.size());
    assertEquals(new JsonArray().add(new JsonObject().put("index", 0).put("id", "call_abc").put("type", "function")
      .put("function", new JsonObject().put("name", "get_weather").put("arguments", ""))), calls.get(0));
    assertEquals(new JsonArray().add(new JsonObject().put("index", 0)
      .put("function", new JsonObject().put("arguments", "\"Paris\"}"))), calls.get(2));
    assertEquals(1, ((JsonArray) calls.get(3)).getJsonObject(0).getInteger("index"));
    assertEquals("", stream.text());
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void contentFilterFinishIsReported() {
    assertEquals(FinishReason.CONTENT_FILTER, run(Script.tokens("no").finish("content_filter")).finishReason());
  }

  @Test
  void aWholeJsonCompletionFromAServerThatIgnoresStreamIsConverted() {
    RecordedStream stream = run(Script.tokens("not", " streamed").usage(7, 2).ignoreStreamFlag());

    assertEquals("not streamed", stream.text());
    assertEquals(new Usage(7, 2), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @Test
  void aWholeJsonCompletionWithToolCallsGivesIndexedToolCallDeltas() {
    RecordedStream stream = run(Script.tokens().toolCall("call_1", "lookup", "{\"q\":", "1}").ignoreStreamFlag());

    JsonArray calls = (JsonArray) stream.events().get(0).value();
    assertEquals(new JsonObject().put("id", "call_1").put("type", "function").put("index", 0)
      .put("function", new JsonObject().put("name", "lookup").put("arguments", "{\"q\":1}")), calls.getJsonObject(0));
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void aSlowClientPausesTheUpstreamReadAndTheStreamCompletesOnDrain() throws InterruptedException {
    deploy(config().put("idleTimeoutMs", 200));
    // A first stream warms the connection pool and the JIT, so an unpaused stream would finish during the wait.
    run(Script.tokens("warm-up"));
    upstream.enqueue(Script.tokens("one", " two", " three"));
    RecordedStream stream = harness().start(prompt());
    stream.setWriteQueueFull(true);
    // The prompt reached the upstream, which answers at once: from here on the plugin holds an answer it must not
    // read while the sink is full.
    await(upstream.awaitRequest(2));

    // The pause itself is what is tested, not a wait for something: longer than the idle timeout (200 ms), silence
    // caused by our own pause must not count as upstream silence.
    Thread.sleep(500);
    int seenWhilePaused = stream.textChunks();
    boolean endedWhilePaused = stream.terminal().isComplete();
    stream.setWriteQueueFull(false);

    finished(stream);
    assertFalse(endedWhilePaused, "the stream ran to its end while the sink was full");
    assertTrue(seenWhilePaused < 3, "text kept flowing while the sink was full: " + seenWhilePaused);
    assertEquals("one two three", stream.text());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }
}
