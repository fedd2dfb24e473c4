package io.tokenlane.core;

/**
 * Quotes values a client sent (model names, paths, parameters) in error messages, bounded: an error must not echo
 * a megabyte back, nor carry control characters into a reader's terminal or log.
 */
public final class ClientValues {

  /** The most characters of a client value an error message quotes. */
  public static final int MAX_QUOTED_CHARS = 64;

  private ClientValues() {
  }

  /**
   * The value for an error message: at most {@link #MAX_QUOTED_CHARS} characters followed by {@code ...} when
   * longer, with control characters (and a lone surrogate cut in half) replaced by {@code ?}.
   *
   * @param value the client's value, any type; {@code null} gives {@code "null"}
   * @return the bounded text, without quotes
   */
  public static String bounded(Object value) {
    String text = String.valueOf(value);
    int end = Math.min(text.length(), MAX_QUOTED_CHARS);
    StringBuilder out = new StringBuilder(end + 3);
    for (int i = 0; i < end; i++) {
      char c = text.charAt(i);
      boolean cutPair = Character.isHighSurrogate(c) && i == end - 1;
      out.append(Character.isISOControl(c) || cutPair ? '?' : c);
    }
    return end < text.length() ? out.append("...").toString() : out.toString();
  }

  /**
   * The value in single quotes, bounded as {@link #bounded(Object)} does.
   *
   * @param value the client's value
   * @return {@code 'value'}
   */
  public static String quote(Object value) {
    return "'" + bounded(value) + "'";
  }
}
