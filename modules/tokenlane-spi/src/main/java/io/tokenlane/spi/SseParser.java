package io.tokenlane.spi;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;

/**
 * Splits a server-sent event stream into events, by the WHATWG event-stream rules: {@code \n}, {@code \r\n} and
 * {@code \r} line endings, several {@code data:} lines joined by {@code \n}, {@code :} comments, {@code event:}.
 *
 * <p>Works on the bytes as they arrive and hands an event's data on as bytes: a one-line {@code data:} is a range
 * of the network buffer itself, never decoded to a String, so the chunk behind it can be forwarded as it came. A
 * UTF-8 character cut in two by TCP is whole again once its line is, and a line is copied only when it spans two
 * buffers. Not thread-safe: one parser per stream.
 *
 * <p>For plugins whose upstream streams server-sent events (OpenAI, Anthropic, Gemini): a plugin bounds
 * {@link #bufferedSize()} to refuse a peer that never ends an event.
 *
 * @since 1.2
 */
public final class SseParser {

  /** Receives what the parser finds, synchronously from {@link #feed} and {@link #end}. */
  public interface Listener {

    /**
     * A complete event. The bytes are the listener's to keep: the parser never writes to them again.
     *
     * @param type the {@code event:} field, or {@code "message"} when there was none
     * @param data the bytes holding the {@code data:} lines, joined by {@code \n}
     * @param from where the data starts in {@code data}
     * @param to where it ends
     */
    void onEvent(String type, byte[] data, int from, int to);

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
  // The data of the event being read: one line as a range of some array, or several joined in a buffer.
  private byte[] data;
  private int dataFrom;
  private int dataTo;
  private Buffer multiLineData;

  /**
   * A parser that reports to the listener.
   *
   * @param listener receives the events
   */
  public SseParser(Listener listener) {
    this.listener = listener;
  }

  /**
   * Parses the next piece of the stream, calling the listener for each event it completes.
   *
   * @param chunk bytes as they came off the network, cut anywhere
   */
  public void feed(Buffer chunk) {
    byte[] bytes = chunk.getBytes();
    feed(bytes, 0, bytes.length);
  }

  /**
   * {@link #feed(Buffer)} for a buffer the caller hands over: it never changes the buffer's bytes again, so the
   * parser, and the listener it gives events to, may keep ranges of them instead of a copy. A buffer a Vert.x
   * {@code HttpClientResponse} handler received qualifies: each is a fresh one. Saves a copy of every network read.
   *
   * @param chunk bytes as they came off the network, cut anywhere; no longer the caller's
   * @since 1.3
   */
  public void feedOwned(Buffer chunk) {
    if (chunk instanceof BufferInternal internal) {
      // Vert.x's own buffer hands its ByteBuf over as is (read here, never written); another kind gives a slice.
      ByteBuf buf = chunk instanceof BufferImpl impl ? impl.byteBuf() : internal.getByteBuf();
      if (buf.hasArray()) {
        int start = buf.arrayOffset() + buf.readerIndex();
        feed(buf.array(), start, start + buf.readableBytes());
        return;
      }
    }
    feed(chunk);
  }

  private void feed(byte[] bytes, int from, int to) {
    int lineStart = skipStreamPrefix(bytes, from, to);
    for (int i = lineStart; i < to; i++) {
      byte b = bytes[i];
      if (b != LF && b != CR) {
        continue;
      }
      completeLine(bytes, lineStart, i);
      if (b == CR) {
        if (i + 1 == to) {
          lastBufferEndedWithCr = true;
        } else if (bytes[i + 1] == LF) {
          i++;
        }
      }
      lineStart = i + 1;
    }
    if (lineStart < to) {
      keepPartialLine(bytes, lineStart, to);
    }
  }

  /**
   * The stream ended. An event whose lines all arrived is dispatched even without its closing blank line, since
   * some servers end the body right after the last {@code data:} line. A last line without its line ending is
   * still read as a line, so that a body with no line ending at all (an HTML error page sent as an event
   * stream) is reported as what it is rather than as an empty stream.
   */
  public void end() {
    Buffer last = partialLine;
    partialLine = null;
    if (last != null && last.length() > 0) {
      byte[] bytes = last.getBytes();
      // A cut-off data line is dropped, not dispatched half; a byte-order mark before it changes nothing.
      int from = atStreamStart && startsWith(bytes, 0, bytes.length, BOM) ? BOM.length : 0;
      if (!startsWith(bytes, from, bytes.length, DATA)) {
        line(bytes, 0, bytes.length);
      }
    }
    dispatch();
  }

  /**
   * How much this parser holds for an event not yet complete, so a caller can refuse a peer that never ends one.
   *
   * @return bytes of the unfinished line plus bytes of data gathered so far
   */
  public int bufferedSize() {
    int size = partialLine == null ? 0 : partialLine.length();
    if (multiLineData != null) {
      return size + multiLineData.length();
    }
    return data == null ? size : size + dataTo - dataFrom;
  }

  /** Skips the LF of a CRLF cut between two buffers. */
  private int skipStreamPrefix(byte[] bytes, int from, int to) {
    int start = from;
    if (lastBufferEndedWithCr && to > from) {
      lastBufferEndedWithCr = false;
      if (bytes[from] == LF) {
        start = from + 1;
      }
    }
    return start;
  }

  private void keepPartialLine(byte[] bytes, int from, int to) {
    if (partialLine == null) {
      partialLine = Buffer.buffer(Math.max(64, (to - from) * 2));
    }
    partialLine.appendBytes(bytes, from, to - from);
  }

  private void completeLine(byte[] bytes, int from, int to) {
    if (partialLine == null) {
      line(bytes, from, to);
      return;
    }
    byte[] whole = partialLine.appendBytes(bytes, from, to - from).getBytes();
    partialLine = null;
    line(whole, 0, whole.length);
  }

  private void line(byte[] bytes, int start, int to) {
    int from = start;
    if (atStreamStart) {
      // A byte-order mark may open the stream; checked on the first whole line, so a mark cut by TCP is seen too.
      atStreamStart = false;
      if (startsWith(bytes, from, to, BOM)) {
        from += BOM.length;
      }
    }
    if (from == to) {
      dispatch();
      return;
    }
    if (bytes[from] == COLON) {
      return;
    }
    int nameEnd = indexOf(bytes, COLON, from, to);
    int valueStart = nameEnd == to ? to : nameEnd + 1;
    if (valueStart < to && bytes[valueStart] == SPACE) {
      valueStart++;
    }
    field(bytes, from, nameEnd, valueStart, to);
  }

  private void field(byte[] bytes, int nameStart, int nameEnd, int valueStart, int valueEnd) {
    if (is(bytes, nameStart, nameEnd, DATA)) {
      appendData(bytes, valueStart, valueEnd);
    } else if (is(bytes, nameStart, nameEnd, EVENT)) {
      eventType = new String(bytes, valueStart, valueEnd - valueStart, StandardCharsets.UTF_8);
    } else if (!is(bytes, nameStart, nameEnd, ID) && !is(bytes, nameStart, nameEnd, RETRY)) {
      // id and retry serve browser reconnection, which has no meaning for a chat completion: ignored.
      listener.onForeignLine(new String(bytes, nameStart, valueEnd - nameStart, StandardCharsets.UTF_8));
    }
  }

  private void appendData(byte[] bytes, int from, int to) {
    if (data == null && multiLineData == null) {
      data = bytes;
      dataFrom = from;
      dataTo = to;
      return;
    }
    if (multiLineData == null) {
      multiLineData = Buffer.buffer(dataTo - dataFrom + to - from + 16).appendBytes(data, dataFrom, dataTo - dataFrom);
      data = null;
    }
    multiLineData.appendByte(LF).appendBytes(bytes, from, to - from);
  }

  private void dispatch() {
    String type = eventType == null || eventType.isEmpty() ? "message" : eventType;
    eventType = null;
    if (multiLineData != null) {
      byte[] joined = multiLineData.getBytes();
      multiLineData = null;
      listener.onEvent(type, joined, 0, joined.length);
    } else if (data != null) {
      byte[] line = data;
      data = null;
      listener.onEvent(type, line, dataFrom, dataTo);
    }
  }

  private static int indexOf(byte[] bytes, byte target, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == target) {
        return i;
      }
    }
    return to;
  }

  private static boolean is(byte[] bytes, int from, int to, byte[] name) {
    return to - from == name.length && startsWith(bytes, from, to, name);
  }

  /** @return whether the range {@code from..to} of {@code bytes} starts with {@code prefix} */
  public static boolean startsWith(byte[] bytes, int from, int to, byte[] prefix) {
    if (to - from < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[from + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
