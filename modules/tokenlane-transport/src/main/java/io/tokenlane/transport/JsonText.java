package io.tokenlane.transport;

/**
 * Writes JSON string literals straight into a builder, for the hot path where a whole {@code JsonObject}
 * encode per token would cost more than the token.
 */
public final class JsonText {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonText() {
  }

  /**
   * Appends {@code text} as a quoted, escaped JSON string.
   *
   * @param out where to write
   * @param text the text, may be {@code null} (written as {@code null})
   * @return {@code out}
   */
  public static StringBuilder appendQuoted(StringBuilder out, String text) {
    if (text == null) {
      return out.append("null");
    }
    out.append('"');
    int start = 0;
    int length = text.length();
    for (int i = 0; i < length; i++) {
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
    return out.append(text, start, length).append('"');
  }
}
