package io.tokenlane.spi;

import java.nio.charset.StandardCharsets;

/**
 * Walks JSON text in bytes without building anything: validates as it skips, so that bytes it accepts can be
 * forwarded to a client as they are. Strict RFC 8259 (no comments, no trailing commas, no leading zeros, UTF-8
 * only), with a nesting limit. Not thread-safe; one scan at a time.
 */
final class JsonScanner {

  /** Deeper nesting than this is refused: a chunk is a few levels deep, a hostile one thousands. */
  static final int MAX_DEPTH = 64;

  final byte[] bytes;
  final int end;
  int pos;
  /** Set by {@link #string()}: whether the string just scanned held an escape. */
  boolean escaped;

  JsonScanner(byte[] bytes, int from, int end) {
    this.bytes = bytes;
    this.pos = from;
    this.end = end;
  }

  /** A scan that stopped: the text is not the JSON it must be. Thrown only for bad input, so no stack trace. */
  static final class Malformed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  Malformed malformed(String what) {
    return new Malformed(what + " at byte " + pos);
  }

  void skipWhitespace() {
    while (pos < end) {
      byte b = bytes[pos];
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return;
      }
      pos++;
    }
  }

  /** @return the next byte after white space, without consuming it; -1 at the end */
  int peek() {
    skipWhitespace();
    return pos < end ? bytes[pos] : -1;
  }

  void expect(char c) {
    if (peek() != c) {
      throw malformed("expected '" + c + "'");
    }
    pos++;
  }

  /**
   * Consumes a comma or the closing bracket of a container.
   *
   * @return {@code true} when another member follows
   */
  boolean more(char close) {
    int next = peek();
    pos++;
    if (next == ',') {
      return true;
    }
    if (next == close) {
      return false;
    }
    pos--;
    throw malformed("expected ',' or '" + close + "'");
  }

  /** Starts an object or array: consumes the opening bracket and tells whether it is empty (then the close too). */
  boolean open(char openChar, char close) {
    expect(openChar);
    if (peek() == close) {
      pos++;
      return false;
    }
    return true;
  }

  /** Skips any value, validating it. */
  void skipValue(int depth) {
    switch (peek()) {
      case '{' -> skipObject(depth + 1);
      case '[' -> skipArray(depth + 1);
      case '"' -> string();
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> number();
    }
  }

  private void skipObject(int depth) {
    checkDepth(depth);
    if (!open('{', '}')) {
      return;
    }
    do {
      key();
      skipValue(depth);
    } while (more('}'));
  }

  private void skipArray(int depth) {
    checkDepth(depth);
    if (!open('[', ']')) {
      return;
    }
    do {
      skipValue(depth);
    } while (more(']'));
  }

  void checkDepth(int depth) {
    if (depth > MAX_DEPTH) {
      throw malformed("nested deeper than " + MAX_DEPTH);
    }
  }

  /**
   * Consumes a member name and its colon.
   *
   * @return where the name's string starts (its opening quote)
   */
  int key() {
    if (peek() != '"') {
      throw malformed("expected a member name");
    }
    int start = pos;
    string();
    expect(':');
    return start;
  }

  /** @return whether the key that starts at {@code start} (its quote) and ends before the colon is {@code name} */
  boolean keyIs(int start, byte[] name, String decodedName) {
    if (!escaped) {
      int length = name.length;
      if (start + length + 2 > end || bytes[start + length + 1] != '"') {
        return false;
      }
      for (int i = 0; i < length; i++) {
        if (bytes[start + 1 + i] != name[i]) {
          return false;
        }
      }
      return true;
    }
    JsonScanner again = new JsonScanner(bytes, start, end);
    again.string();
    return decodedName.equals(decode(bytes, start + 1, again.pos - 1));
  }

  void literal(String word) {
    int length = word.length();
    if (pos + length > end) {
      throw malformed("truncated literal");
    }
    for (int i = 0; i < length; i++) {
      if (bytes[pos + i] != word.charAt(i)) {
        throw malformed("unexpected character");
      }
    }
    pos += length;
  }

  /** Scans a number by the JSON grammar; returns nothing, its bytes are between the positions. */
  void number() {
    int start = pos;
    if (pos < end && bytes[pos] == '-') {
      pos++;
    }
    if (pos >= end) {
      throw malformed("truncated number");
    }
    if (bytes[pos] == '0') {
      pos++;
    } else if (isDigit(bytes[pos])) {
      digits();
    } else {
      pos = start;
      throw malformed("unexpected character");
    }
    if (pos < end && bytes[pos] == '.') {
      pos++;
      requireDigits();
    }
    if (pos < end && (bytes[pos] == 'e' || bytes[pos] == 'E')) {
      pos++;
      if (pos < end && (bytes[pos] == '+' || bytes[pos] == '-')) {
        pos++;
      }
      requireDigits();
    }
  }

  private void requireDigits() {
    if (pos >= end || !isDigit(bytes[pos])) {
      throw malformed("expected a digit");
    }
    digits();
  }

  private void digits() {
    while (pos < end && isDigit(bytes[pos])) {
      pos++;
    }
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  /**
   * Scans a string, from its opening quote to after its closing one, checking escapes and UTF-8. Sets
   * {@link #escaped}.
   */
  void string() {
    if (pos >= end || bytes[pos] != '"') {
      throw malformed("expected a string");
    }
    pos++;
    escaped = false;
    while (pos < end) {
      int b = bytes[pos];
      if (b == '"') {
        pos++;
        return;
      }
      if (b == '\\') {
        escaped = true;
        escape();
      } else if (b >= 0x20) {
        pos++;
      } else if (b < 0) {
        utf8(b & 0xFF);
      } else {
        throw malformed("control character in a string");
      }
    }
    throw malformed("unterminated string");
  }

  private void escape() {
    if (pos + 1 >= end) {
      throw malformed("truncated escape");
    }
    byte c = bytes[pos + 1];
    switch (c) {
      case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> pos += 2;
      case 'u' -> {
        if (pos + 6 > end) {
          throw malformed("truncated escape");
        }
        for (int i = 2; i < 6; i++) {
          if (Character.digit(bytes[pos + i], 16) < 0) {
            throw malformed("bad \\u escape");
          }
        }
        pos += 6;
      }
      default -> throw malformed("bad escape");
    }
  }

  /** One multi-byte UTF-8 sequence starting with {@code lead}: shortest form, no surrogates, at most U+10FFFF. */
  private void utf8(int lead) {
    int length;
    int min;
    int codePoint;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      min = 0x80;
      codePoint = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      min = 0x800;
      codePoint = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      min = 0x10000;
      codePoint = lead & 0x07;
    } else {
      throw malformed("invalid UTF-8");
    }
    if (pos + length > end) {
      throw malformed("truncated UTF-8");
    }
    for (int i = 1; i < length; i++) {
      int next = bytes[pos + i] & 0xFF;
      if ((next & 0xC0) != 0x80) {
        throw malformed("invalid UTF-8");
      }
      codePoint = (codePoint << 6) | (next & 0x3F);
    }
    if (codePoint < min || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
      throw malformed("invalid UTF-8");
    }
    pos += length;
  }

  /** Checks that nothing but white space follows. */
  void requireEnd() {
    if (peek() != -1) {
      throw malformed("unexpected data after the value");
    }
  }

  /**
   * Decodes the inside of a JSON string that {@link #string()} accepted.
   *
   * @param bytes the text
   * @param from after the opening quote
   * @param to at the closing quote
   * @return the string
   */
  static String decode(byte[] bytes, int from, int to) {
    int firstEscape = -1;
    for (int i = from; i < to; i++) {
      if (bytes[i] == '\\') {
        firstEscape = i;
        break;
      }
    }
    if (firstEscape < 0) {
      return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }
    StringBuilder out = new StringBuilder(to - from);
    out.append(new String(bytes, from, firstEscape - from, StandardCharsets.UTF_8));
    int i = firstEscape;
    int runStart = i;
    while (i < to) {
      if (bytes[i] != '\\') {
        i++;
        continue;
      }
      out.append(new String(bytes, runStart, i - runStart, StandardCharsets.UTF_8));
      byte c = bytes[i + 1];
      switch (c) {
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> out.append((char) Integer.parseInt(new String(bytes, i + 2, 4, StandardCharsets.US_ASCII), 16));
        default -> out.append((char) c);
      }
      i += c == 'u' ? 6 : 2;
      runStart = i;
    }
    return out.append(new String(bytes, runStart, to - runStart, StandardCharsets.UTF_8)).toString();
  }
}
