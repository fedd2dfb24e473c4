package io.tokenlane.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.Usage;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.anthropic.Script;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AnthropicStreamingTest extends AnthropicProviderTestBase {

  private static List<String> kinds(RecordedStream stream) {
    return stream.events().stream().map(RecordedStream.Event::kind).toList();
  }

  private static List<JsonArray> toolCalls(RecordedStream stream) {
    return stream.events().stream().filter(event -> event.kind().equals("toolCalls"))
      .map(event -> (JsonArray) event.value()).toList();
  }

  private static JsonArray start(int index, String id, String name) {
    return new JsonArray().add(new JsonObject().put("index", index).put("id", id).put("type", "function")
      .put("function", new JsonObject().put("name", name).put("arguments", "")));
  }

  private static JsonArray arguments(int index, String json) {
    return new JsonArray().add(new JsonObject().put("index", index).put("function", new JsonObject().put("arguments", json)));
  }

  @Test
  void textDeltasStreamAsTextThenUsageThenAnEndWithTheStopReason() {
    RecordedStream stream = run(Script.tokens("Hel", "lo", " world").usage(5, 3));

    assertEquals("Hello world", stream.text());
    assertEquals(3, stream.textChunks());
    assertEquals(new Usage(5, 3), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
    assertEquals(List.of("usage", "text", "text", "text", "usage", "end"), kinds(stream));
  }

  @Test
  void promptTokensAtMessageStartCountTheCacheAndTheFinalUsageTheOutput() {
    RecordedStream stream = run(Script.tokens("cached").usage(10, 7).cacheUsage(200, 3000));

    assertEquals(new RecordedStream.Event("usage", new Usage(3210, 1)), stream.events().get(0));
    assertEquals(new Usage(3210, 7), stream.usage());
  }

  @Test
  void twoToolCallsAfterTextBecomeOpenAiToolCallDeltasNumberedByToolNotByBlock() {
    RecordedStream stream = run(Script.message().text("Let me check.")
      .toolUse("toolu_01A", "get_weather", "{\"city\":", " \"Paris\"}")
      .toolUse("toolu_01B", "get_time", "{}"));

    assertEquals("Let me check.", stream.text());
    assertEquals(List.of(
      start(0, "toolu_01A", "get_weather"), arguments(0, "{\"city\":"), arguments(0, " \"Paris\"}"),
      start(1, "toolu_01B", "get_time"), arguments(1, "{}")), toolCalls(stream));
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void interleavedToolUseDeltasGoToTheirOwnCallByBlockIndex() {
    RecordedStream stream = run(Script.message().text("Both.")
      .toolUse("toolu_01A", "get_weather", "{\"city\":", "\"Paris\"}")
      .toolUse("toolu_01B", "get_time", "{\"tz\":", "\"CET\"}")
      .interleaveToolUse());

    assertEquals(List.of(
      start(0, "toolu_01A", "get_weather"), start(1, "toolu_01B", "get_time"),
      arguments(0, "{\"city\":"), arguments(1, "{\"tz\":"), arguments(0, "\"Paris\"}"), arguments(1, "\"CET\"}")),
      toolCalls(stream));
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void thinkingIsReportedAsReasoningKeptApartFromTheAnswerAndTheSignatureIsDropped() {
    RecordedStream stream = run(Script.message().thinking("Two plus", " two is four.").text("4").usage(12, 9));

    assertEquals("Two plus two is four.", stream.reasoning());
    assertEquals("4", stream.text());
    assertEquals(List.of("usage", "reasoning", "reasoning", "text", "usage", "end"), kinds(stream));
  }

  @Test
  void redactedThinkingIsNeitherTextNorReasoning() {
    RecordedStream stream = run(Script.message().redactedThinking("EmwKAhgBEgy3va3pzix").text("ok"));

    assertEquals("", stream.reasoning());
    assertEquals("ok", stream.text());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @ParameterizedTest
  @CsvSource({"end_turn, STOP", "stop_sequence, STOP", "pause_turn, STOP", "max_tokens, LENGTH",
    "tool_use, TOOL_CALLS", "refusal, CONTENT_FILTER", "model_context_window_exceeded, LENGTH", "something_new, STOP"})
  void stopReasonsMapToFinishReasons(String stopReason, FinishReason expected) {
    assertEquals(expected, run(Script.tokens("x").stopReason(stopReason)).finishReason());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7})
  void eventsCutIntoTinyWritesAtAwkwardOffsetsArriveWhole(int bytes) {
    RecordedStream stream = run(Script.message().thinking("d\u00e9j\u00e0")
      .text("h\u00e9", "llo ", "\uD83C\uDF0D", "\u4e16\u754c")
      .toolUse("toolu_1", "f", "{\"a\":\"\u00fc\"}").splitEveryBytes(bytes).usage(4, 6));

    assertEquals("d\u00e9j\u00e0", stream.reasoning());
    assertEquals("h\u00e9llo \uD83C\uDF0D\u4e16\u754c", stream.text());
    assertEquals(4, stream.textChunks());
    assertEquals(arguments(0, "{\"a\":\"\u00fc\"}"), toolCalls(stream).get(1));
    assertEquals(new Usage(4, 6), stream.usage());
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void anAnswerWithoutAnyContentStillEndsNormally() {
    RecordedStream stream = run(Script.message().usage(3, 0));

    assertEquals("", stream.text());
    assertNull(stream.error());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }
}
