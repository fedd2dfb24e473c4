package io.tokenlane.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.gemini.GeminiScript;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a hostile or broken upstream sends: invalid UTF-8, invalid JSON, endless events, text that is not SSE. */
class GeminiHardeningTest extends GeminiProviderTestBase {

  private ProviderError badAfter(String body, String textBefore) {
    return badAfter(body.getBytes(StandardCharsets.UTF_8), textBefore);
  }

  private ProviderError badAfter(byte[] body, String textBefore) {
    RecordedStream stream = run(GeminiScript.raw(body));
    assertNull(stream.finishReason());
    assertEquals(textBefore, stream.text());
    return stream.error();
  }

  private static String textEvent(String text) {
    return "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"" + text + "\"}],\"role\": \"model\"},"
      + "\"index\": 0}]}\r\n\r\n";
  }

  @Test
  void invalidJsonAfterATokenIsABadResponse() {
    ProviderError error = badAfter(textEvent("fine") + "data: {\"candidates\": [{\"content\": \r\n\r\n", "fine");

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertTrue(error.message().startsWith("upstream sent an event that is not a GenerateContentResponse: "
      + "{\"candidates\": [{\"content\":"), error.message());
  }

  @Test
  void invalidUtf8InAnEventAfterATokenIsABadResponse() {
    byte[] body = Buffer.buffer(textEvent("fine"))
      .appendString("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"caf")
      .appendByte((byte) 0xC3).appendByte((byte) 0x28)
      .appendString("\"}]}}]}\r\n\r\n").getBytes();

    ProviderError error = badAfter(body, "fine");

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
  }

  @Test
  void anEventLargerThanMaxEventBytesIsABadResponse() {
    deploy(config().put("maxEventBytes", 4096));

    // The body stays open after the oversized event, so only the plugin can close the exchange.
    RecordedStream stream = run(GeminiScript.raw(textEvent("ok") + "data: {\"candidates\": [{\"content\": {\"parts\": "
      + "[{\"text\": \"" + "x".repeat(10_000) + "\"}]}}]}\r\n\r\n").stallAfter(0));
    ProviderError error = stream.error();

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertEquals("upstream sent an event larger than 4096 bytes", error.message());
    await(upstream.awaitClientClosed());
  }

  @Test
  void anOversizedEventArrivingWholeInOneReadIsRefusedToo() {
    deploy(config().put("maxEventBytes", 1024));

    ProviderError error = badAfter(textEvent("ok") + textEvent("z".repeat(2000)), "ok");

    assertEquals("upstream sent an event larger than 1024 bytes", error.message());
  }

  @Test
  void anEventJustUnderMaxEventBytesIsFine() {
    deploy(config().put("maxEventBytes", 4096));
    String text = "y".repeat(3000);

    RecordedStream stream = run(GeminiScript.text(text));

    assertEquals(text, stream.text());
  }

  @Test
  void textThatIsNotServerSentEventsIsABadResponse() {
    ProviderError error = badAfter("Internal Server Error\nsomething broke\n", "");

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertTrue(error.message().contains("Internal Server Error"), error.message());
  }

  @Test
  void aKeyReadFromAFileWithATrailingNewlineIsSentWithoutIt() {
    deploy(config().put("apiKey", API_KEY + "\n"));

    run(GeminiScript.text("ok"));

    assertEquals(API_KEY, upstream.lastRequest().header("x-goog-api-key"));
  }

  @Test
  void controlCharactersInTheKeyOrHeadersAreRefusedAtStartWithoutShowingTheKey() {
    IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
      () -> GeminiConfig.from("test", config().put("apiKey", "AIza\rsecret")));
    assertTrue(key.getMessage().startsWith("apiKey: "), key.getMessage());
    assertFalse(key.getMessage().contains("AIza"), key.getMessage());
    IllegalArgumentException header = assertThrows(IllegalArgumentException.class,
      () -> GeminiConfig.from("test", config().put("headers", new JsonObject().put("X-Team", "a\nb"))));
    assertTrue(header.getMessage().startsWith("headers.X-Team: "), header.getMessage());
  }
}
