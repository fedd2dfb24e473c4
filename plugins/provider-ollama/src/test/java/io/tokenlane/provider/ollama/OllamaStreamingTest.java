package io.tokenlane.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.Usage;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.ollama.Script;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OllamaStreamingTest extends OllamaProviderTestBase {

  @Test
  void tokensStreamAsTextThenUsageFromTheEvalCountsThenAStop() {
    RecordedStream stream = run(Script.tokens("Hel", "lo", " world").evalCounts(26, 3));

    assertEquals("Hello world", stream.text());
    assertEquals(new Usage(26, 3), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
    assertEquals(List.of("text", "text", "text", "usage", "end"), kinds(stream));
  }

  @Test
  void thinkingGoesToReasoningAndNeverIntoTheText() {
    RecordedStream stream = run(Script.tokens("The answer", " is 4.").thinking("2 + 2", " is 4"));

    assertEquals("2 + 2 is 4", stream.reasoning());
    assertEquals("The answer is 4.", stream.text());
    assertEquals(List.of("reasoning", "reasoning", "text", "text", "usage", "end"), kinds(stream));
  }

  @Test
  void toolCallsArriveWholeInOpenAisDeltaShapeWithOllamasIdsAndEndAsToolCalls() {
    RecordedStream stream = run(Script.tokens()
      .toolCall("get_weather", new JsonObject().put("city", "Tokyo").put("unit", "celsius"))
      .toolCall("get_time", new JsonObject()));

    List<JsonArray> calls = toolCalls(stream);
    assertEquals(2, calls.size());
    JsonObject first = calls.get(0).getJsonObject(0);
    assertTrue(first.getString("id").matches("call_[a-z0-9]{8}"), first.encode());
    assertEquals(new JsonObject().put("index", 0).put("id", first.getString("id")).put("type", "function")
      .put("function", new JsonObject().put("name", "get_weather").put("arguments", "{\"city\":\"Tokyo\",\"unit\":\"celsius\"}")),
      first);
    JsonObject second = calls.get(1).getJsonObject(0);
    assertEquals(1, second.getInteger("index"));
    assertEquals("{}", second.getJsonObject("function").getString("arguments"));
    assertEquals("", stream.text());
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void toolCallsWithoutIdsFromOlderOllamasGetGeneratedDistinctIds() {
    RecordedStream stream = run(Script.tokens("Let me check.").withoutToolCallIds()
      .toolCall("lookup", new JsonObject().put("q", 1)).toolCall("lookup", new JsonObject().put("q", 2)));

    List<JsonArray> calls = toolCalls(stream);
    String first = calls.get(0).getJsonObject(0).getString("id");
    String second = calls.get(1).getJsonObject(0).getString("id");
    assertTrue(first.startsWith("call_") && second.startsWith("call_"), first + " " + second);
    assertFalse(first.equals(second));
    assertEquals("Let me check.", stream.text());
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void doneReasonLengthEndsWithLength() {
    assertEquals(FinishReason.LENGTH, run(Script.tokens("cut").doneReason("length")).finishReason());
  }

  @Test
  void aDoneLineWithoutDoneReasonAsOldServersSendEndsWithStop() {
    assertEquals(FinishReason.STOP, run(Script.tokens("old").doneReason(null)).finishReason());
  }

  @Test
  void aZeroPromptCountThatOllamaLeavesOutIsReportedAsZero() {
    RecordedStream stream = run(Script.tokens("cached").evalCounts(0, 1));

    assertEquals(new Usage(0, 1), stream.usage());
  }

  @Test
  void aModelLoadOrUnloadAnswerIsNotACompletion() {
    for (String reason : new String[] {"load", "unload"}) {
      ProviderError error = failure(Script.tokens().doneReason(reason));

      assertEquals(ProviderError.BAD_RESPONSE, error.code());
      assertEquals("upstream answered with done_reason \"" + reason + "\" (a model " + reason + ", not a completion)",
        error.message());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7})
  void linesCutIntoTinyWritesAtAwkwardOffsetsArriveWhole(int bytes) {
    RecordedStream stream = run(Script.tokens("h\u00e9", "llo ", "\uD83C\uDF0D", " <&>").thinking("\u2028hm")
      .splitEveryBytes(bytes).evalCounts(4, 5));

    assertEquals("h\u00e9llo \uD83C\uDF0D <&>", stream.text());
    assertEquals("\u2028hm", stream.reasoning());
    assertEquals(4, stream.textChunks());
    assertEquals(new Usage(4, 5), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  /** Ollama's own bytes: Go escapes {@code <}, {@code >} and {@code &}; thinking, text, a tool call, the counts. */
  static final String RECORDED = """
    {"model":"qwen3:8b","created_at":"2025-07-07T20:22:19.184789Z","message":{"role":"assistant","content":"","thinking":"The user wants \\u003cweather\\u003e."},"done":false}
    {"model":"qwen3:8b","created_at":"2025-07-07T20:22:19.18479Z","message":{"role":"assistant","content":"Caf\u00e9 \uD83C\uDF24 \\u0026 "},"done":false}
    {"model":"qwen3:8b","created_at":"2025-07-07T20:22:19.19014Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_x7k2m9qa","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]},"done":false}
    {"model":"qwen3:8b","created_at":"2025-07-07T20:22:19.19314Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":182242375,"load_duration":41295167,"prompt_eval_count":169,"prompt_eval_duration":24573166,"eval_count":15,"eval_duration":115959084}
    """;

  @Test
  void aRecordedStreamCutAtEveryByteGivesTheSameCalls() {
    byte[] body = RECORDED.getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < body.length; cut++) {
      RecordedStream stream = run(Script.raw(200, "application/x-ndjson", body).splitAt(cut).delay(Duration.ofMillis(1)));

      assertEquals("The user wants <weather>.", stream.reasoning(), "cut at " + cut);
      assertEquals("Caf\u00e9 \uD83C\uDF24 & ", stream.text(), "cut at " + cut);
      assertEquals(List.of("reasoning", "text", "toolCalls", "usage", "end"), kinds(stream), "cut at " + cut);
      assertEquals("{\"city\":\"Tokyo\"}",
        toolCalls(stream).get(0).getJsonObject(0).getJsonObject("function").getString("arguments"));
      assertEquals("call_x7k2m9qa", toolCalls(stream).get(0).getJsonObject(0).getString("id"));
      assertEquals(new Usage(169, 15), stream.usage());
      assertEquals(FinishReason.TOOL_CALLS, stream.finishReason(), "cut at " + cut);
    }
  }

  @Test
  void crLfLineEndingsBlankLinesAndALastLineWithoutNewlineAreRead() {
    String[] lines = RECORDED.strip().split("\n");
    String body = "\r\n" + String.join("\r\n\r\n", lines);

    RecordedStream stream = run(Script.raw(200, "application/x-ndjson; charset=utf-8", body).splitEveryBytes(5));

    assertEquals("Caf\u00e9 \uD83C\uDF24 & ", stream.text());
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void unknownFieldsAndOllamasLogprobsAreSkipped() {
    String body = "{\"model\":\"m\",\"remote_host\":\"https://ollama.com\",\"message\":{\"role\":\"assistant\","
      + "\"content\":\"ok\",\"images\":null,\"extra\":{\"a\":[1,2,{\"b\":null}]}},\"logprobs\":[{\"token\":\"ok\","
      + "\"logprob\":-0.1}],\"done\":false}\n{\"done\":true,\"done_reason\":\"stop\",\"eval_count\":1}\n";

    RecordedStream stream = run(Script.raw(200, "application/x-ndjson", body));

    assertEquals("ok", stream.text());
    assertEquals(new Usage(0, 1), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @Test
  void aSlowClientPausesTheReadBetweenTwoLinesAndTheStreamCompletesOnDrain() {
    deploy(config().put("idleTimeoutMs", 200));
    // Every line in one write: only the plugin's own pause between lines can hold the rest back.
    upstream.enqueue(Script.raw(200, "application/x-ndjson", RECORDED));
    RecordedStream stream = harness().start(prompt(), recorded ->
      recorded.textChunksReceived(1).onSuccess(first -> first.setWriteQueueFull(true)));
    await(stream.textChunksReceived(1));

    // Longer than the idle timeout (200 ms): silence caused by our own pause must not count as upstream silence.
    await(vertx.timer(500));
    List<String> whilePaused = kinds(stream);
    stream.setWriteQueueFull(false);

    finished(stream);
    assertEquals(List.of("reasoning", "text"), whilePaused);
    assertEquals(List.of("reasoning", "text", "toolCalls", "usage", "end"), kinds(stream));
  }

  @Test
  void manyStreamsOnOneVerticleEachGetTheirOwnAnswer() {
    for (int i = 0; i < 5; i++) {
      upstream.enqueue(Script.tokens("answer " + i).delay(Duration.ofMillis(2)));
    }
    List<RecordedStream> streams = IntStream.range(0, 5)
      .mapToObj(i -> harness().start(prompt())).toList();

    streams.forEach(this::finished);
    List<String> texts = streams.stream().map(RecordedStream::text).sorted().toList();
    assertEquals(List.of("answer 0", "answer 1", "answer 2", "answer 3", "answer 4"), texts);
  }

  @Test
  void theTextSoFarIsKeptWhenAStreamFailsAfterIt() {
    RecordedStream stream = run(Script.tokens("a", "b", "c").thinking("t").dropConnectionAfter(2));

    assertEquals("t", stream.reasoning());
    assertEquals("a", stream.text());
    assertNull(stream.finishReason());
  }

  static List<JsonArray> toolCalls(RecordedStream stream) {
    return stream.events().stream().filter(event -> event.kind().equals("toolCalls"))
      .map(event -> (JsonArray) event.value()).toList();
  }
}
