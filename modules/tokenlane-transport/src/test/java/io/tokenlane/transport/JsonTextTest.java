package io.tokenlane.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class JsonTextTest {

  private static String quoted(String text) {
    return JsonText.appendQuoted(new StringBuilder(), text).toString();
  }

  @Test
  void everyStringRoundTripsThroughAJsonParser() {
    String[] samples = {"", "plain", "\"quoted\"", "back\\slash", "line\nbreak\r\n", "\t\u0000\u001f\u007f",
      "h\u00e9llo \u4e16\u754c \ud83d\ude00", "</script>"};
    for (String sample : samples) {
      assertEquals(sample, new JsonObject("{\"v\":" + quoted(sample) + "}").getString("v"), sample);
    }
  }

  @Test
  void controlCharactersUseShortEscapesOrUnicodeEscapes() {
    assertEquals("\"a\\nb\\u0001\"", quoted("a\nb\u0001"));
    assertEquals("null", quoted(null));
  }
}
