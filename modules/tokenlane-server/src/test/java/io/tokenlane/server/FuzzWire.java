package io.tokenlane.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Blocking loopback sockets for the fuzz suite: whatever bytes a case makes go out as they are, and what comes back
 * is read with a deadline, so a case tells an answer, a silent close and a hang apart.
 */
final class FuzzWire implements AutoCloseable {

  /** What a server did with a request: its status (or none), or a close without a byte, or nothing in time. */
  record HttpAnswer(int status, String text, boolean closedSilently, boolean timedOut) {
    boolean answered() {
      return status > 0;
    }
  }

  /** A server frame, or the end of the connection ({@code opcode} -1: closed, -2: nothing in time). */
  record Frame(int opcode, byte[] payload) {
    int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
    }

    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final long deadline;

  private FuzzWire(int port, long timeoutMs) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeoutMs);
    socket.setSoTimeout((int) timeoutMs);
    in = socket.getInputStream();
    out = socket.getOutputStream();
    deadline = System.currentTimeMillis() + timeoutMs;
  }

  static FuzzWire open(int port, long timeoutMs) throws IOException {
    return new FuzzWire(port, timeoutMs);
  }

  /** Sends the bytes; a server that closed first is not an error here (what it answered is read next). */
  boolean send(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Reads a whole HTTP answer to a request sent with {@code Connection: close}: everything until the close. */
  HttpAnswer readHttp() {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    boolean timedOut = false;
    byte[] buffer = new byte[16 * 1024];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        received.write(buffer, 0, n);
        if (complete(received.toString(StandardCharsets.ISO_8859_1))) {
          break;
        }
        if (System.currentTimeMillis() > deadline) {
          timedOut = true;
          break;
        }
      }
    } catch (SocketTimeoutException e) {
      timedOut = true;
    } catch (IOException e) {
      // reset by the server: what arrived before counts
    }
    String text = received.toString(StandardCharsets.ISO_8859_1);
    int status = -1;
    if (text.startsWith("HTTP/1.") && text.length() >= 12) {
      try {
        status = Integer.parseInt(text.substring(9, 12));
      } catch (NumberFormatException e) {
        status = -1;
      }
    }
    return new HttpAnswer(status, text, received.size() == 0 && !timedOut, timedOut && received.size() == 0);
  }

  /** Whether a whole answer arrived (a server may keep the connection open after it, even if asked not to). */
  private static boolean complete(String text) {
    int head = text.indexOf("\r\n\r\n");
    if (head < 0) {
      return false;
    }
    String headers = text.substring(0, head).toLowerCase();
    int at = headers.indexOf("\r\ncontent-length:");
    if (at >= 0) {
      int end = headers.indexOf("\r\n", at + 2);
      String value = headers.substring(at + 17, end < 0 ? headers.length() : end).trim();
      try {
        return text.length() - head - 4 >= Long.parseLong(value);
      } catch (NumberFormatException e) {
        return false;
      }
    }
    if (headers.contains("\r\ntransfer-encoding: chunked")) {
      return text.endsWith("\r\n0\r\n\r\n");
    }
    return false;
  }

  /** Reads the head of an upgrade answer; returns its status line's code, or -1. */
  int readUpgrade() throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        return -1;
      }
      head.append((char) b);
    }
    return head.length() >= 12 && head.toString().startsWith("HTTP/1.") ? Integer.parseInt(head.substring(9, 12)) : -1;
  }

  /** The next server frame, or opcode -1 at the connection's end, -2 when nothing came in time. */
  Frame readFrame() {
    try {
      int first = in.read();
      int second = in.read();
      if (first < 0 || second < 0) {
        return new Frame(-1, new byte[0]);
      }
      long length = second & 0x7f;
      if (length == 126) {
        length = ((long) readByte() << 8) | readByte();
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = (length << 8) | readByte();
        }
      }
      if (length > 64L * 1024 * 1024) {
        throw new IOException("a frame of " + length + " bytes");
      }
      byte[] payload = in.readNBytes((int) length);
      if (payload.length < length) {
        return new Frame(-1, new byte[0]);
      }
      return new Frame(first & 0x0f, payload);
    } catch (SocketTimeoutException e) {
      return new Frame(-2, new byte[0]);
    } catch (IOException e) {
      return new Frame(-1, new byte[0]);
    }
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new IOException("closed");
    }
    return b;
  }

  boolean timeLeft() {
    return System.currentTimeMillis() < deadline;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
