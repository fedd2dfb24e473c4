package io.tokenlane.transport;

import java.math.BigInteger;

/**
 * Numbers from the network read as exact integers within a range, or not at all: no double that merely looks
 * whole ({@code 1e300}, {@code 2.0}), no big integer wrapped into a long, no digits but ASCII ones. Every transport
 * reads its numeric fields through here, so a value means the same on each.
 */
public final class ExactIntegers {

  private static final int MAX_DIGITS = 19;

  private ExactIntegers() {
  }

  /**
   * A JSON value as an integer within {@code [min, max]}.
   *
   * @param value a parsed JSON value (Jackson gives Integer, Long or BigInteger for what is written as an
   *     integer, Double for the rest, which is refused)
   * @param min the smallest accepted
   * @param max the largest accepted
   * @return the integer, or {@code null} when the value is not an integer in range
   */
  public static Long ofJson(Object value, long min, long max) {
    long exact;
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      exact = ((Number) value).longValue();
    } else if (value instanceof BigInteger big && big.bitLength() < Long.SIZE) {
      exact = big.longValue();
    } else {
      return null;
    }
    return exact >= min && exact <= max ? exact : null;
  }

  /**
   * Text (a query parameter, a header) as an integer within {@code [min, max]}: ASCII digits with an optional
   * leading minus, nothing else (no sign {@code +}, no spaces, no other scripts' digits).
   *
   * @param text the text, may be {@code null}
   * @param min the smallest accepted
   * @param max the largest accepted
   * @return the integer, or {@code null} when the text is not an integer in range
   */
  public static Long ofText(String text, long min, long max) {
    if (text == null) {
      return null;
    }
    int start = text.startsWith("-") ? 1 : 0;
    int digits = text.length() - start;
    if (digits < 1 || digits > MAX_DIGITS) {
      return null;
    }
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
    }
    long parsed;
    try {
      parsed = Long.parseLong(text);
    } catch (NumberFormatException e) {
      return null;
    }
    return parsed >= min && parsed <= max ? parsed : null;
  }
}
