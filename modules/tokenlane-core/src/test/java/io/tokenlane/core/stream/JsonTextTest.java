package io.tokenlane.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTextTest {

  private static final String[] SAMPLES = {"", "plain", "\"quoted\"", "back\\slash", "line\nbreak\r\n",
    "\t\u0000\u001f\u007f", "h\u00e9llo \u4e16\u754c \ud83d\ude00", "</script>"};

  @Test
  void everyStringRoundTripsThroughAJsonParser() {
    for (String sample : SAMPLES) {
      String literal = new String(JsonText.quoted(sample), StandardCharsets.UTF_8);
      assertEquals(sample, new JsonObject("{\"v\":" + literal + "}").getString("v"), sample);
      assertEquals(sample, JsonText.decode(JsonText.escape(sample)), sample);
    }
  }

  @Test
  void controlCharactersUseShortEscapesOrUnicodeEscapes() {
    assertEquals("a\\nb\\u0001\\\"", JsonText.escape("a\nb\u0001\"").toString());
    assertEquals("x", JsonText.appendEscaped(Buffer.buffer(), "x").toString());
  }

  @Test
  void escapedTextFromElsewhereDecodesAndBrokenTextIsRefused() {
    assertEquals("é\n", JsonText.decode(Buffer.buffer("\\u00e9\\n")));
    assertThrows(IllegalArgumentException.class, () -> JsonText.decode(Buffer.buffer("a\"b")));
    assertThrows(IllegalArgumentException.class, () -> JsonText.decode(Buffer.buffer("\\x")));
  }
}
