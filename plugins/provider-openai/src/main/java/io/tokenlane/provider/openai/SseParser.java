package io.tokenlane.provider.openai;

import io.vertx.core.buffer.Buffer;

/**
 * Splits a server-sent event stream into events, by the WHATWG event-stream rules: {@code \n}, {@code \r\n} and
 * {@code \r} line endings, several {@code data:} lines joined by {@code \n}, {@code :} comments, {@code event:}.
 *
 * <p>Works on the network buffers as they arrive, in bytes: only field values are decoded, and only once their
 * line is complete, so a UTF-8 character cut in two by TCP decodes whole and a keep-alive comment allocates
 * nothing. A line is copied only when it spans two buffers. Not thread-safe: one parser per stream.
 */
final class SseParser {

  /** Receives what the parser finds, synchronously from {@link #feed} and {@link #end}. */
  interface Listener {

    /**
     * A complete event.
     *
     * @param type the {@code event:} field, or {@code "message"} when there was none
     * @param data the {@code data:} lines, joined by {@code \n}
     */
    void onEvent(String type, String data);

    /**
     * A line that is neither a comment nor a known field. The standard says to ignore it; a caller may take it as
     * a sign that the body is not an event stream at all.
     *
     * @param line the line, decoded
     */
    default void onForeignLine(String line) {
    }
  }

  private static final byte CR = '\r';
  private static final byte LF = '\n';
  private static final byte COLON = ':';
  private static final byte SPACE = ' ';
  private static final byte[] DATA = {'d', 'a', 't', 'a'};
  private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't'};
  private static final byte[] ID = {'i', 'd'};
  private static final byte[] RETRY = {'r', 'e', 't', 'r', 'y'};
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private final Listener listener;
  private Buffer partialLine;
  private boolean lastBufferEndedWithCr;
  private boolean atStreamStart = true;
  private String eventType;
  private String data;
  private StringBuilder multiLineData;

  SseParser(Listener listener) {
    this.listener = listener;
  }

  /**
   * Parses the next piece of the stream, calling the listener for each event it completes.
   *
   * @param chunk bytes as they came off the network, cut anywhere
   */
  void feed(Buffer chunk) {
    int length = chunk.length();
    int lineStart = skipStreamPrefix(chunk);
    for (int i = lineStart; i < length; i++) {
      byte b = chunk.getByte(i);
      if (b != LF && b != CR) {
        continue;
      }
      completeLine(chunk, lineStart, i);
      if (b == CR) {
        if (i + 1 == length) {
          lastBufferEndedWithCr = true;
        } else if (chunk.getByte(i + 1) == LF) {
          i++;
        }
      }
      lineStart = i + 1;
    }
    if (lineStart < length) {
      keepPartialLine(chunk, lineStart, length);
    }
  }

  /**
   * The stream ended. An event whose lines all arrived is dispatched even without its closing blank line, since
   * some servers end the body right after the last {@code data:} line. A last line without its line ending is
   * still read as a line, so that a body with no line ending at all (an HTML error page sent as an event
   * stream) is reported as what it is rather than as an empty stream.
   */
  void end() {
    Buffer last = partialLine;
    partialLine = null;
    if (last != null && last.length() > 0 && !startsWith(last, 0, last.length(), DATA)) {
      line(last, 0, last.length());
    }
    dispatch();
  }

  /**
   * How much this parser holds for an event not yet complete, so a caller can refuse a peer that never ends one.
   *
   * @return bytes of the unfinished line plus characters of data gathered so far
   */
  int bufferedSize() {
    int size = partialLine == null ? 0 : partialLine.length();
    if (multiLineData != null) {
      return size + multiLineData.length();
    }
    return data == null ? size : size + data.length();
  }

  /** Skips the LF of a CRLF cut between two buffers, and a byte-order mark at the very start. */
  private int skipStreamPrefix(Buffer chunk) {
    int start = 0;
    if (lastBufferEndedWithCr && chunk.length() > 0) {
      lastBufferEndedWithCr = false;
      if (chunk.getByte(0) == LF) {
        start = 1;
      }
    }
    if (atStreamStart && chunk.length() > 0) {
      atStreamStart = false;
      if (startsWith(chunk, 0, chunk.length(), BOM)) {
        start = BOM.length;
      }
    }
    return start;
  }

  private void keepPartialLine(Buffer chunk, int from, int to) {
    if (partialLine == null) {
      partialLine = Buffer.buffer(Math.max(64, (to - from) * 2));
    }
    partialLine.appendBuffer(chunk, from, to - from);
  }

  private void completeLine(Buffer chunk, int from, int to) {
    if (partialLine == null) {
      line(chunk, from, to);
      return;
    }
    Buffer whole = partialLine.appendBuffer(chunk, from, to - from);
    partialLine = null;
    line(whole, 0, whole.length());
  }

  private void line(Buffer buffer, int from, int to) {
    if (from == to) {
      dispatch();
      return;
    }
    if (buffer.getByte(from) == COLON) {
      return;
    }
    int nameEnd = indexOf(buffer, COLON, from, to);
    int valueStart = nameEnd == to ? to : nameEnd + 1;
    if (valueStart < to && buffer.getByte(valueStart) == SPACE) {
      valueStart++;
    }
    field(buffer, from, nameEnd, valueStart, to);
  }

  private void field(Buffer buffer, int nameStart, int nameEnd, int valueStart, int valueEnd) {
    if (is(buffer, nameStart, nameEnd, DATA)) {
      appendData(buffer.getString(valueStart, valueEnd));
    } else if (is(buffer, nameStart, nameEnd, EVENT)) {
      eventType = buffer.getString(valueStart, valueEnd);
    } else if (!is(buffer, nameStart, nameEnd, ID) && !is(buffer, nameStart, nameEnd, RETRY)) {
      // id and retry serve browser reconnection, which has no meaning for a chat completion: ignored.
      listener.onForeignLine(buffer.getString(nameStart, valueEnd));
    }
  }

  private void appendData(String value) {
    if (data == null) {
      data = value;
      return;
    }
    if (multiLineData == null) {
      multiLineData = new StringBuilder(data.length() + value.length() + 16).append(data);
    }
    multiLineData.append('\n').append(value);
  }

  private void dispatch() {
    String type = eventType == null || eventType.isEmpty() ? "message" : eventType;
    String payload = multiLineData != null ? multiLineData.toString() : data;
    eventType = null;
    data = null;
    multiLineData = null;
    if (payload != null) {
      listener.onEvent(type, payload);
    }
  }

  private static int indexOf(Buffer buffer, byte target, int from, int to) {
    for (int i = from; i < to; i++) {
      if (buffer.getByte(i) == target) {
        return i;
      }
    }
    return to;
  }

  private static boolean is(Buffer buffer, int from, int to, byte[] name) {
    return to - from == name.length && startsWith(buffer, from, to, name);
  }

  private static boolean startsWith(Buffer buffer, int from, int to, byte[] prefix) {
    if (to - from < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (buffer.getByte(from + i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
