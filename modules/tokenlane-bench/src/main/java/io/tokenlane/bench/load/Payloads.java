package io.tokenlane.bench.load;

import io.tokenlane.bench.upstream.ScriptSpec;

/**
 * Reads what the bench needs from an event without a JSON tree, within a range of a larger text: the load
 * generator shares the machine with what it measures, so it stays cheap. Every token is {@link ScriptSpec#TOKEN},
 * so an event's token count is its text's length over the token's.
 */
final class Payloads {

  private static final int TOKEN_LENGTH = ScriptSpec.TOKEN.length();

  private Payloads() {
  }

  /** @return tokens in an OpenAI chunk's {@code delta.content} (0 for the role, finish and usage chunks) */
  static int openAiTokens(String text, int start, int end) {
    return stringLength(text, start, end, "\"content\":") / TOKEN_LENGTH;
  }

  /** @return whether an OpenAI stream event is an error instead of a chunk */
  static boolean isOpenAiError(String text, int start) {
    return text.startsWith("{\"error\"", start);
  }

  /** @return whether the payload is OpenAI's {@code [DONE]} */
  static boolean isDone(String text, int start, int end) {
    return end - start == 6 && text.startsWith("[DONE]", start);
  }

  /** @return tokens in a native {@code token} event, 0 for any other type */
  static int nativeTokens(String text, int start, int end) {
    int type = text.indexOf("\"type\":\"token\"", start);
    return type >= 0 && type < end ? stringLength(text, start, end, "\"text\":") / TOKEN_LENGTH : 0;
  }

  /** @return the event's type, or {@code null} */
  static String nativeType(String text, int start, int end) {
    return stringValue(text, start, end, "\"type\":");
  }

  /** @return the string value of {@code key} (the quoted name and its colon) within the range, or {@code null} */
  static String stringValue(String text, int start, int end, String key) {
    int at = valueStart(text, start, end, key);
    if (at < 0) {
      return null;
    }
    int close = text.indexOf('"', at);
    return close < 0 || close > end ? null : text.substring(at, close);
  }

  private static int stringLength(String text, int start, int end, String key) {
    int at = valueStart(text, start, end, key);
    if (at < 0) {
      return 0;
    }
    int close = text.indexOf('"', at);
    return close < 0 || close > end ? 0 : close - at;
  }

  /** @return the index after the opening quote of the string value of {@code key}, or -1 */
  private static int valueStart(String text, int start, int end, String key) {
    int at = text.indexOf(key, start);
    if (at < 0 || at >= end) {
      return -1;
    }
    at += key.length();
    while (at < end && text.charAt(at) == ' ') {
      at++;
    }
    return at < end && text.charAt(at) == '"' ? at + 1 : -1;
  }
}
