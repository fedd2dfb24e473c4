package io.tokenlane.core.stream;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import java.nio.charset.StandardCharsets;

/**
 * Text in the form it travels through the gateway: the inside of a JSON string, UTF-8 and escaped, so that it
 * goes into every client format (all JSON) by a copy, never a decode and an encode.
 */
public final class JsonText {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonText() {
  }

  /**
   * Escapes text for a JSON string.
   *
   * @param text the text
   * @return the escaped UTF-8 bytes, without quotes
   */
  public static Buffer escape(String text) {
    return appendEscaped(Buffer.buffer(text.length() + 8), text);
  }

  /**
   * Appends text escaped for a JSON string, without quotes.
   *
   * @param out where to write
   * @param text the text
   * @return {@code out}
   */
  public static Buffer appendEscaped(Buffer out, String text) {
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        return out.appendString(escapedString(text, i));
      }
    }
    return out.appendString(text);
  }

  /**
   * A JSON string literal, quotes included, as bytes: for values written many times, such as an id.
   *
   * @param text the text
   * @return the literal
   */
  public static byte[] quoted(String text) {
    return Buffer.buffer(text.length() + 2).appendByte((byte) '"').appendBuffer(escape(text)).appendByte((byte) '"')
      .getBytes();
  }

  private static String escapedString(String text, int firstSpecial) {
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, firstSpecial);
    int start = firstSpecial;
    for (int i = firstSpecial; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      out.append(text, start, i);
      start = i + 1;
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return out.append(text, start, text.length()).toString();
  }

  /**
   * Decodes escaped text back to plain text.
   *
   * @param escaped the inside of a JSON string
   * @return the text
   * @throws IllegalArgumentException when the bytes are not the inside of a JSON string
   */
  public static String decode(Buffer escaped) {
    Buffer literal = Buffer.buffer(escaped.length() + 2).appendByte((byte) '"').appendBuffer(escaped)
      .appendByte((byte) '"');
    try {
      return (String) Json.decodeValue(literal);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("not the inside of a JSON string: "
        + new String(escaped.getBytes(0, Math.min(64, escaped.length())), StandardCharsets.UTF_8));
    }
  }
}
