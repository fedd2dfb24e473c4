package io.tokenlane.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.Usage;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.gemini.GeminiScript;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GeminiStreamingTest extends GeminiProviderTestBase {

  private static List<String> kinds(RecordedStream stream) {
    return stream.events().stream().map(RecordedStream.Event::kind).toList();
  }

  private static List<JsonArray> toolCalls(RecordedStream stream) {
    return stream.events().stream().filter(event -> event.kind().equals("toolCalls"))
      .map(event -> (JsonArray) event.value()).toList();
  }

  @Test
  void textEventsStreamAsTextThenUsageThenAnEndWithStop() {
    RecordedStream stream = run(GeminiScript.text("Hel", "lo", " world").usage(5, 3));

    assertEquals("Hello world", stream.text());
    assertEquals(3, stream.textChunks());
    assertEquals(new Usage(5, 3), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
    assertEquals(List.of("text", "text", "text", "usage", "end"), kinds(stream));
  }

  @Test
  void thoughtsGoToReasoningAndNeverIntoTheText() {
    RecordedStream stream = run(GeminiScript.thoughts("First, greet.", " Then stop.").andText("Hello", "!")
      .usage(5, 2, 40));

    assertEquals("First, greet. Then stop.", stream.reasoning());
    assertEquals("Hello!", stream.text());
    assertEquals(List.of("reasoning", "reasoning", "text", "text", "usage", "end"), kinds(stream));
  }

  @Test
  void thoughtTokensAreCountedAsCompletionTokens() {
    RecordedStream stream = run(GeminiScript.thoughts("Hmm.").andText("42").usage(7, 1, 30));

    assertEquals(new Usage(7, 31), stream.usage());
  }

  @Test
  void twoFunctionCallsInOneEventBecomeTwoCompleteToolCallsAndEndWithToolCalls() {
    RecordedStream stream = run(GeminiScript.events().andEvent(
      GeminiScript.functionCallPart("get_weather", new JsonObject().put("city", "Paris")),
      GeminiScript.functionCallPart("get_time", new JsonObject().put("zone", "CET").put("h24", true))));

    List<JsonArray> calls = toolCalls(stream);
    assertEquals(2, calls.size());
    JsonObject first = calls.get(0).getJsonObject(0);
    assertEquals(0, first.getInteger("index"));
    assertTrue(first.getString("id").matches("call_[A-Za-z0-9]{24}"), first.getString("id"));
    assertEquals("function", first.getString("type"));
    assertEquals(new JsonObject().put("name", "get_weather").put("arguments", "{\"city\":\"Paris\"}"),
      first.getJsonObject("function"));
    JsonObject second = calls.get(1).getJsonObject(0);
    assertEquals(1, second.getInteger("index"));
    assertEquals(new JsonObject().put("zone", "CET").put("h24", true),
      new JsonObject(second.getJsonObject("function").getString("arguments")));
    assertFalse(first.getString("id").equals(second.getString("id")));
    assertEquals("", stream.text());
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void aFunctionCallsOwnIdAndThoughtSignatureAreKept() {
    JsonObject part = GeminiScript.functionCallPart("lookup", new JsonObject()).put("thoughtSignature", "c2lnbmF0dXJl");
    part.getJsonObject("functionCall").put("id", "fc-7");

    JsonObject call = toolCalls(run(GeminiScript.events().andEvent(part))).get(0).getJsonObject(0);

    assertEquals("call_fc-7", call.getString("id"));
    assertEquals("{}", call.getJsonObject("function").getString("arguments"));
    assertEquals(new JsonObject().put("google", new JsonObject().put("thought_signature", "c2lnbmF0dXJl")),
      call.getJsonObject("extra_content"));
  }

  @Test
  void textThenAFunctionCallKeepsTheirOrder() {
    RecordedStream stream = run(GeminiScript.text("Let me look.")
      .andEvent(GeminiScript.functionCallPart("search", new JsonObject().put("q", "x"))));

    assertEquals(List.of("text", "toolCalls", "usage", "end"), kinds(stream));
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void maxTokensEndsWithLength() {
    assertEquals(FinishReason.LENGTH, run(GeminiScript.text("cut").finish("MAX_TOKENS")).finishReason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"})
  void filterFinishReasonsEndWithContentFilter(String reason) {
    RecordedStream stream = run(GeminiScript.text("Sure, here").finish(reason));

    assertEquals("Sure, here", stream.text());
    assertEquals(FinishReason.CONTENT_FILTER, stream.finishReason());
  }

  @Test
  void aSafetyFinishWithNoContentEndsWithContentFilterAndNoText() {
    RecordedStream stream = run(GeminiScript.events().finish("SAFETY"));

    assertEquals("", stream.text());
    assertEquals(FinishReason.CONTENT_FILTER, stream.finishReason());
  }

  @Test
  void aBlockedPromptEndsWithContentFilterAndThePromptsUsage() {
    RecordedStream stream = run(GeminiScript.promptBlocked("SAFETY").usage(9, 0));

    assertEquals("", stream.text());
    assertEquals(FinishReason.CONTENT_FILTER, stream.finishReason());
    assertEquals(new Usage(9, 0), stream.usage());
  }

  @Test
  void otherEndsAsStop() {
    assertEquals(FinishReason.STOP, run(GeminiScript.text("hm").finish("OTHER")).finishReason());
  }

  @Test
  void aMalformedFunctionCallFailsAsAnUpstreamErrorWithGooglesMessage() {
    RecordedStream stream = run(GeminiScript.events().finish("MALFORMED_FUNCTION_CALL")
      .finishMessage("Malformed function call: print(default_api.lookup(q='x'"));

    assertNull(stream.finishReason());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
    assertEquals("upstream stopped with MALFORMED_FUNCTION_CALL: Malformed function call: print(default_api.lookup(q='x'",
      stream.error().message());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7})
  void eventsCutIntoTinyWritesAtAwkwardOffsetsArriveWhole(int bytes) {
    RecordedStream stream = run(GeminiScript.text("h\u00e9", "llo ", "\uD83C\uDF0D", "!").splitEveryBytes(bytes).usage(4, 4));

    assertEquals("h\u00e9llo \uD83C\uDF0D!", stream.text());
    assertEquals(4, stream.textChunks());
    assertEquals(new Usage(4, 4), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r"})
  void lfAndCrLineEndingsWorkLikeCrLf(String lineEnding) {
    RecordedStream stream = run(GeminiScript.text("a", "b").lineEnding(lineEnding).splitEveryBytes(5));

    assertEquals("ab", stream.text());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @Test
  void aRecordedStreamSentOneByteAtATimeGivesTheSameCalls() {
    String recorded = RecordedStreams.TEXT_WITH_THOUGHTS;
    RecordedStream whole = run(GeminiScript.raw(recorded));
    RecordedStream byByte = run(GeminiScript.raw(recorded).splitEveryBytes(1));

    assertEquals(RecordedStreams.TEXT, whole.text());
    assertEquals(RecordedStreams.THOUGHT, whole.reasoning());
    assertEquals(new Usage(12, 9 + 31), whole.usage());
    assertEquals(FinishReason.STOP, whole.finishReason());
    assertEquals(whole.events(), byByte.events());
  }
}
