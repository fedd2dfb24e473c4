package io.tokenlane.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OpenAiChunkTest {

  private static final String OPENAI_CHUNK = "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\","
    + "\"created\":1694268190,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_44709d6fcb\","
    + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":null}]}";
  private static final byte[] GATEWAY_ID = "\"chatcmpl-gw\"".getBytes(StandardCharsets.UTF_8);
  private static final byte[] PUBLIC_MODEL = "\"gpt-4o-mini\"".getBytes(StandardCharsets.UTF_8);

  private static OpenAiChunk scan(String json) {
    return OpenAiChunk.scan(Buffer.buffer(json));
  }

  private static String rewritten(String json) {
    OpenAiChunk chunk = scan(json);
    return chunk.appendRewritten(Buffer.buffer(), GATEWAY_ID, PUBLIC_MODEL).toString();
  }

  @Test
  void aTextChunkGivesItsTextAndNothingElse() {
    OpenAiChunk chunk = scan(OPENAI_CHUNK);
    assertEquals("Hello", chunk.text());
    assertEquals("Hello", chunk.textJson().toString());
    assertTrue(chunk.hasText());
    assertTrue(chunk.hasChoices());
    assertNull(chunk.finishReason());
    assertNull(chunk.usage());
    assertNull(chunk.toolCalls());
    assertNull(chunk.error());
    assertFalse(chunk.isUsageOnly());
    assertEquals(OPENAI_CHUNK, chunk.json().toString());
  }

  @Test
  void escapedTextIsDecodedForReadersAndKeptEscapedForWriters() {
    OpenAiChunk chunk = scan("{\"choices\":[{\"delta\":{\"content\":\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00 é😀\"}}]}");
    assertEquals("a\"b\\c\né\uD83D\uDE00 é😀", chunk.text());
    assertEquals("a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00 é😀", chunk.textJson().toString());
    assertEquals(chunk.text(), new JsonObject("{\"t\":\"" + chunk.textJson() + "\"}").getString("t"));
  }

  @Test
  void theFinishReasonAndTheUsageChunkAreFound() {
    OpenAiChunk finish = scan("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}],\"usage\":null}");
    assertEquals("length", finish.finishReason());
    assertFalse(finish.hasText());
    assertNull(finish.usage());

    OpenAiChunk usage = scan("{\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,"
      + "\"total_tokens\":15,\"prompt_tokens_details\":{\"cached_tokens\":0}}}");
    assertTrue(usage.isUsageOnly());
    assertFalse(usage.hasChoices());
    assertEquals(new Usage(12, 3), usage.usage());
  }

  @Test
  void toolCallDeltasAreParsedOnDemand() {
    OpenAiChunk chunk = scan("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
      + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\"\"}}]}}]}");
    JsonArray calls = chunk.toolCalls();
    assertEquals("get_weather", calls.getJsonObject(0).getJsonObject("function").getString("name"));
    assertEquals("{\"city\"", calls.getJsonObject(0).getJsonObject("function").getString("arguments"));
    assertNull(chunk.text());
  }

  @Test
  void onlyChoiceZeroIsRead() {
    OpenAiChunk chunk = scan("{\"choices\":[{\"delta\":{\"content\":\"one\"},\"index\":1},"
      + "{\"delta\":{\"content\":\"zero\"},\"finish_reason\":\"stop\",\"index\":0}]}");
    assertEquals("zero", chunk.text());
    assertEquals("stop", chunk.finishReason());
    OpenAiChunk filter = scan("{\"id\":\"\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"x\"}}],"
      + "\"prompt_filter_results\":[{\"prompt_index\":0}]}");
    assertFalse(filter.hasChoices());
    assertNull(filter.text());
  }

  @Test
  void anErrorMemberIsReported() {
    assertEquals("overloaded", ((JsonObject) scan("{\"error\":{\"message\":\"overloaded\"}}").error()).getString("message"));
    assertNull(scan("{\"error\":null,\"choices\":[]}").error());
  }

  @Test
  void numbersPastLongAreValidJsonAndForwardedAsTheyAre() {
    String json = "{\"created\":18446744073709551618,\"x\":-0.5e-300,\"choices\":[{\"index\":0.0,\"delta\":{\"content\":\"k\"}}]}";
    assertEquals("k", scan(json).text());
    assertTrue(rewritten(json).contains("18446744073709551618"));
  }

  @Test
  void theRewriteReplacesOnlyIdAndModel() {
    String out = rewritten(OPENAI_CHUNK);
    assertEquals(OPENAI_CHUNK.replace("chatcmpl-123", "chatcmpl-gw").replace("gpt-4o-mini-2024-07-18", "gpt-4o-mini"), out);
  }

  @Test
  void theRewriteAddsIdAndModelWhereMissingInAnyOrder() {
    assertEquals("{\"id\":\"chatcmpl-gw\",\"model\":\"gpt-4o-mini\"}", rewritten("{}"));
    assertEquals("{\"id\":\"chatcmpl-gw\",\"model\":\"gpt-4o-mini\",\"choices\":[]}", rewritten("{\"choices\":[]}"));
    assertEquals("{\"id\":\"chatcmpl-gw\", \"model\" : \"gpt-4o-mini\" ,\"a\":1}",
      rewritten("{\"id\":\"chatcmpl-gw\", \"model\" : \"m\" ,\"a\":1}"));
    assertEquals("{\"model\":\"gpt-4o-mini\",\"x\":1,\"id\":\"chatcmpl-gw\"}", rewritten("{\"model\":\"m\",\"x\":1,\"id\":7}"));
    assertEquals("{\"model\":\"gpt-4o-mini\",\"id\":\"chatcmpl-gw\",\"choices\":[]}", rewritten("{\"id\":\"u\",\"choices\":[]}"));
    assertEquals(new JsonObject().put("id", "chatcmpl-gw").put("model", "gpt-4o-mini").put("z", 1),
      new JsonObject(rewritten(" {\"z\":1} ")));
  }

  @Test
  void anEscapedKeyIsStillTheKey() {
    String out = rewritten("{\"\\u0069d\":\"old\",\"model\":\"m\"}");
    assertEquals("{\"\\u0069d\":\"chatcmpl-gw\",\"model\":\"gpt-4o-mini\"}", out);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "", " ", "[]", "\"text\"", "null", "{", "{\"a\":1", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":01}",
    "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":tru}", "{\"a\":nul}", "{\"a\":[1,]}",
    "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"tab\there\"}", "{\"a\":1} {}", "{\"a\":1}x",
    "{\"a\":\"unterminated}", "{\"a\":'single'}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1}//c",
    "{\"choices\":[1]}", "{\"choices\":[{\"index\":\"0\"}]}", "{\"choices\":[{\"index\":true}]}"
  })
  void whatIsNotOneJsonObjectOfTheRightShapeIsRefused(String json) {
    assertThrows(IllegalArgumentException.class, () -> scan(json));
  }

  @Test
  void invalidUtf8IsRefused() {
    byte[][] invalid = {
      {(byte) 0xC0, (byte) 0xAF},                           // overlong '/'
      {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},              // overlong
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80},              // a surrogate
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // past U+10FFFF
      {(byte) 0xE2, (byte) 0x82},                           // truncated
      {(byte) 0x80},                                        // a lone continuation byte
      {(byte) 0xFF},
    };
    for (byte[] bad : invalid) {
      Buffer json = Buffer.buffer("{\"a\":\"").appendBytes(bad).appendString("\"}");
      assertThrows(IllegalArgumentException.class, () -> OpenAiChunk.scan(json), () -> java.util.Arrays.toString(bad));
    }
  }

  @Test
  void nestingIsBounded() {
    String deep = "{\"a\":" + "[".repeat(JsonScanner.MAX_DEPTH) + "]".repeat(JsonScanner.MAX_DEPTH) + "}";
    assertThrows(IllegalArgumentException.class, () -> scan(deep));
    String fine = "{\"a\":" + "[".repeat(JsonScanner.MAX_DEPTH - 2) + "]".repeat(JsonScanner.MAX_DEPTH - 2) + "}";
    scan(fine);
  }

  @Test
  void aRangeOfALargerArrayIsScannedInPlace() {
    byte[] bytes = ("data: " + OPENAI_CHUNK + "\n\n").getBytes(StandardCharsets.UTF_8);
    OpenAiChunk chunk = OpenAiChunk.scan(bytes, 6, 6 + OPENAI_CHUNK.length());
    assertEquals(OPENAI_CHUNK, chunk.json().toString());
    assertEquals("Hello", chunk.text());
  }

  @Test
  void theDefaultSinkMethodMakesTheCallsOfOlderSinks() {
    StringBuilder calls = new StringBuilder();
    StreamSink sink = new StreamSink() {
      @Override
      public void text(String delta) {
        calls.append("text:").append(delta).append(';');
      }

      @Override
      public void toolCalls(JsonArray toolCalls) {
        calls.append("tools:").append(toolCalls.size()).append(';');
      }

      @Override
      public void usage(Usage usage) {
        calls.append("usage:").append(usage.totalTokens()).append(';');
      }

      @Override
      public void end(FinishReason reason) {
      }

      @Override
      public void fail(ProviderError error) {
      }

      @Override
      public boolean writeQueueFull() {
        return false;
      }

      @Override
      public void drainHandler(io.vertx.core.Handler<Void> handler) {
      }
    };
    sink.chunk(scan("{\"choices\":[{\"delta\":{\"content\":\"hi\",\"tool_calls\":[{\"index\":0}]}}],"
      + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}"));
    sink.chunk(scan("{\"choices\":[{\"delta\":{\"content\":\"\"}}]}"));
    assertEquals("text:hi;tools:1;usage:3;", calls.toString());
  }

  @Test
  void reasoningIsFoundUnderEitherNameApartFromTheText() {
    OpenAiChunk deepseek = OpenAiChunk.scan(Buffer.buffer("{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":"
      + "{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"Let me \\\"think\\\"\"}}]}"));
    assertTrue(deepseek.hasReasoning());
    assertEquals("Let me \"think\"", deepseek.reasoning());
    assertEquals("Let me \\\"think\\\"", deepseek.appendReasoningJson(Buffer.buffer()).toString(), "as escaped");
    assertFalse(deepseek.hasText());
    OpenAiChunk openRouter = OpenAiChunk.scan(Buffer.buffer(
      "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A\",\"reasoning\":\"r\"}}]}"));
    assertEquals("r", openRouter.reasoning());
    assertEquals("A", openRouter.text());
    OpenAiChunk plain = OpenAiChunk.scan(Buffer.buffer("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A\"}}]}"));
    assertFalse(plain.hasReasoning());
    assertNull(plain.reasoning());
    assertFalse(OpenAiChunk.scan(Buffer.buffer("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"\"}}]}"))
      .hasReasoning(), "empty is none");
  }
}
