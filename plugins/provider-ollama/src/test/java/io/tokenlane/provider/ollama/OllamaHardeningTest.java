package io.tokenlane.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.ollama.Script;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A hostile or broken upstream: every malformed line is upstream_bad_response, never an exception or a hang. */
class OllamaHardeningTest extends OllamaProviderTestBase {

  private static final String TEXT_LINE = "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"done\":false}\n";
  private static final String DONE_LINE = "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
    + "\"done_reason\":\"stop\",\"eval_count\":1}\n";

  /** A first good line, then {@code bad}, then a done line that must never be reached. */
  private ProviderError badLine(byte[] bad) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(TEXT_LINE.getBytes(StandardCharsets.UTF_8));
    body.writeBytes(bad);
    body.writeBytes(DONE_LINE.getBytes(StandardCharsets.UTF_8));
    RecordedStream stream = run(Script.raw(200, "application/x-ndjson", body.toByteArray()));
    assertEquals("ok", stream.text());
    assertEquals(null, stream.finishReason());
    assertEquals(1, stream.terminalCalls());
    return stream.error();
  }

  private ProviderError badLine(String bad) {
    return badLine((bad + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  // \xNN stands for the byte NN: 0xFF, an overlong '/', a UTF-16 surrogate encoded as UTF-8, a truncated sequence.
  @ValueSource(strings = {"{\"message\":{\"content\":\"\\xff\"}}", "{\"message\":{\"content\":\"\\xc0\\xaf\"}}",
    "{\"message\":{\"content\":\"\\xed\\xa0\\x80\"}}", "{\"message\":{\"content\":\"\\xe2\\x82\"}}"})
  void aLineThatIsNotValidUtf8IsABadResponse(String template) {
    ProviderError error = badLine(bytes(template));

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertEquals("upstream sent a line that is not valid UTF-8 in its NDJSON stream", error.message());
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"message\":{\"content\":\"unterminated}}", "data: {\"done\":true}", "<html>oops</html>",
    "{\"done\":false,}", "{\"done\":false}{\"done\":true}", "[1,2]", "\"text\"", "{\"message\":{\"content\":\"a\"}"})
  void aLineThatIsNotOneJsonObjectIsABadResponse(String line) {
    ProviderError error = badLine(line);

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertTrue(error.message().startsWith("upstream sent a line "), error.message());
    assertFalse(error.message().contains(line), "the line itself is not quoted: " + error.message());
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"done\":\"yes\"}", "{\"message\":[\"a\"]}", "{\"message\":{\"content\":5}}",
    "{\"message\":{\"thinking\":{}}}", "{\"message\":{\"tool_calls\":{}}}",
    "{\"message\":{\"tool_calls\":[{\"function\":{\"arguments\":{}}}]}}",
    "{\"message\":{\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":[1]}}]}}",
    "{\"eval_count\":\"many\",\"done\":true}", "{\"done_reason\":7,\"done\":true}"})
  void aLineOfTheWrongShapeIsABadResponse(String line) {
    assertEquals(ProviderError.BAD_RESPONSE, badLine(line).code());
  }

  @Test
  void aLineLongerThanTheLimitIsABadResponse() {
    deploy(config().put("maxLineBytes", 1024));
    String longLine = "{\"message\":{\"role\":\"assistant\",\"content\":\"" + "x".repeat(2000) + "\"},\"done\":false}";

    ProviderError error = badLine(longLine);

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertEquals("upstream sent a line longer than 1024 bytes", error.message());
  }

  @Test
  void anUnfinishedLinePastTheLimitFailsAtOnceWithoutWaitingForItsEnd() {
    deploy(config().put("maxLineBytes", 1024).put("idleTimeoutMs", 60_000));
    // The body never ends: only the limit can end this stream (before the 10 s test guard, long before the idle
    // timeout), and the connection is closed.
    upstream.enqueue(Script.raw(200, "application/x-ndjson", TEXT_LINE + "{\"message\":{\"content\":\""
      + "y".repeat(4000)).stallAfter(0));

    RecordedStream stream = finished(harness().start(prompt()));

    assertEquals(ProviderError.BAD_RESPONSE, stream.error().code());
    assertEquals("upstream sent a line longer than 1024 bytes", stream.error().message());
    await(upstream.awaitClientClosed());
  }

  @Test
  void aLineJustUnderTheLimitIsRead() {
    deploy(config().put("maxLineBytes", 1024));
    String prefix = "{\"message\":{\"role\":\"assistant\",\"content\":\"";
    String suffix = "\"},\"done\":false}";
    String content = "z".repeat(1024 - prefix.length() - suffix.length());

    RecordedStream stream = run(Script.raw(200, "application/x-ndjson", prefix + content + suffix + "\n" + DONE_LINE));

    assertEquals(content, stream.text());
  }

  @Test
  void deeplyNestedJunkInAnUnknownFieldIsABadResponseNotAStackOverflow() {
    String line = "{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";

    assertEquals(ProviderError.BAD_RESPONSE, badLine(line).code());
  }

  @Test
  void aKeyReadFromAFileWithATrailingNewlineIsSentWithoutIt() {
    deploy(config().put("apiKey", API_KEY + "\n"));

    run(Script.tokens("ok"));

    assertEquals("Bearer " + API_KEY, upstream.lastRequest().header("authorization"));
  }

  @Test
  void controlCharactersInTheKeyOrHeadersAreRefusedAtStartWithoutShowingTheKey() {
    IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
      () -> OllamaConfig.from("test", config().put("apiKey", "ollama-abc\rdef")));
    assertTrue(key.getMessage().startsWith("apiKey: "), key.getMessage());
    assertFalse(key.getMessage().contains("ollama-abc"), key.getMessage());
    IllegalArgumentException header = assertThrows(IllegalArgumentException.class,
      () -> OllamaConfig.from("test", config().put("headers", new JsonObject().put("X-Team", "a\nb"))));
    assertTrue(header.getMessage().startsWith("headers.X-Team: "), header.getMessage());
  }

  @Test
  void linesAfterTheDoneLineAreIgnored() {
    RecordedStream stream = run(Script.raw(200, "application/x-ndjson", TEXT_LINE + DONE_LINE + "garbage\n" + TEXT_LINE));

    assertEquals("ok", stream.text());
    assertEquals(List.of("text", "usage", "end"), kinds(stream));
  }

  /** Replaces {@code \xNN} in the template with the byte NN, so a test can write invalid UTF-8. */
  private static byte[] bytes(String template) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < template.length(); i++) {
      if (template.startsWith("\\x", i)) {
        out.write(Integer.parseInt(template.substring(i + 2, i + 4), 16));
        i += 3;
      } else {
        out.write(template.charAt(i));
      }
    }
    out.write('\n');
    return out.toByteArray();
  }
}
