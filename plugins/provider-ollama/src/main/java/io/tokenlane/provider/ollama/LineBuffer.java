package io.tokenlane.provider.ollama;

import io.vertx.core.buffer.Buffer;

/**
 * Splits a byte stream into newline-delimited lines, holding at most one unfinished line plus the last chunk.
 *
 * <p>Lines are taken one at a time with {@link #nextLine()}, so a reader can stop between two lines (a full
 * client queue) and take the rest later. A trailing {@code '\r'} is dropped, as NDJSON allows {@code "\r\n"}.
 * Not thread-safe.
 */
final class LineBuffer {

  private final int maxLineBytes;
  private byte[] bytes = new byte[8192];
  private int start;
  private int end;
  /** Where the search for the next newline resumes: bytes before it hold none. */
  private int scanned;
  private int lineFrom;
  private int lineTo;

  LineBuffer(int maxLineBytes) {
    this.maxLineBytes = maxLineBytes;
  }

  void append(Buffer chunk) {
    int length = chunk.length();
    if (end + length > bytes.length) {
      makeRoom(length);
    }
    chunk.getBytes(0, length, bytes, end);
    end += length;
  }

  private void makeRoom(int length) {
    int pending = end - start;
    byte[] target = pending + length > bytes.length ? new byte[Math.max(bytes.length * 2, pending + length)] : bytes;
    System.arraycopy(bytes, start, target, 0, pending);
    bytes = target;
    scanned -= start;
    start = 0;
    end = pending;
  }

  /**
   * Finds the next whole line.
   *
   * @return whether one was found; its bytes are then {@link #bytes()} from {@link #lineFrom()} to {@link #lineTo()}
   */
  boolean nextLine() {
    for (int i = scanned; i < end; i++) {
      if (bytes[i] == '\n') {
        take(i, i + 1);
        return true;
      }
    }
    scanned = end;
    return false;
  }

  /**
   * Takes what is left after the last newline as a line: the body ended.
   *
   * @return whether anything but white space was left
   */
  boolean remainder() {
    if (end == start) {
      return false;
    }
    take(end, end);
    for (int i = lineFrom; i < lineTo; i++) {
      byte b = bytes[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return true;
      }
    }
    return false;
  }

  private void take(int newline, int next) {
    lineFrom = start;
    lineTo = newline > start && bytes[newline - 1] == '\r' ? newline - 1 : newline;
    start = next;
    scanned = next;
    if (start == end) {
      start = 0;
      end = 0;
      scanned = 0;
    }
  }

  /** @return whether the line last taken is longer than allowed */
  boolean lineTooLong() {
    return lineTo - lineFrom > maxLineBytes;
  }

  /** @return whether the unfinished line is already longer than allowed: no need to wait for its end */
  boolean pendingTooLong() {
    return end - start > maxLineBytes;
  }

  /** Valid until the next {@link #append}. */
  byte[] bytes() {
    return bytes;
  }

  int lineFrom() {
    return lineFrom;
  }

  int lineTo() {
    return lineTo;
  }
}
