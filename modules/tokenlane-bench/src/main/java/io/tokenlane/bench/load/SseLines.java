package io.tokenlane.bench.load;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Splits an event stream into its {@code data:} payloads, whatever the chunking: a line cut between two buffers
 * is joined. Every event the bench reads has one data line, so each payload is one event. The payloads the bench
 * looks into are ASCII; reading bytes as Latin-1 is a plain copy, and a payload is handed over as a range of the
 * decoded text, not a new string: the load generator shares the cores with what it measures.
 */
final class SseLines {

  /** Receives one payload: {@code text} from {@code start} (inclusive) to {@code end} (exclusive). */
  interface Payload {
    void data(String text, int start, int end);
  }

  private String carry = "";

  /** Feeds a buffer; {@code payload} gets every complete {@code data:} payload in it. */
  void feed(Buffer buffer, Payload payload) {
    String chunk = buffer.toString(StandardCharsets.ISO_8859_1);
    String text = carry.isEmpty() ? chunk : carry + chunk;
    int from = 0;
    int newline;
    while ((newline = text.indexOf('\n', from)) >= 0) {
      int end = newline > from && text.charAt(newline - 1) == '\r' ? newline - 1 : newline;
      if (text.startsWith("data:", from)) {
        int start = from + 5;
        if (start < end && text.charAt(start) == ' ') {
          start++;
        }
        payload.data(text, start, end);
      }
      from = newline + 1;
    }
    carry = from == text.length() ? "" : text.substring(from);
  }
}
