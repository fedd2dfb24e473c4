package io.tokenlane.server;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A WebSocket client on a plain TCP socket, for clients no library lets us be: one that never answers pings, one
 * that stops reading its socket (a small receive buffer, then {@code pause()}) so the server sees real TCP
 * backpressure, or one that sends frames breaking the protocol (any header bits, unmasked, invalid UTF-8).
 */
final class RawWebSocket {

  final NetSocket socket;
  private final Buffer received = Buffer.buffer();
  private volatile boolean closed;

  private RawWebSocket(NetSocket socket) {
    this.socket = socket;
    socket.handler(data -> {
      synchronized (received) {
        received.appendBuffer(data);
      }
    });
    socket.closeHandler(v -> closed = true);
  }

  static RawWebSocket connect(Vertx vertx, int port, String token, int receiveBufferSize) throws Exception {
    return connect(vertx, port, token, receiveBufferSize, "");
  }

  /** @param headers more request headers, each ending with CRLF */
  static RawWebSocket connect(Vertx vertx, int port, String token, int receiveBufferSize, String headers)
    throws Exception {
    return open(vertx, port, "/v1/ws", receiveBufferSize, "Authorization: Bearer " + token + "\r\n" + headers);
  }

  /**
   * Opens a WebSocket at a URI of the client's choice (a browser's token in the query), reading every frame from
   * the first byte: a close the server sends right after the handshake is never lost.
   */
  static RawWebSocket open(Vertx vertx, int port, String uri, int receiveBufferSize, String headers) throws Exception {
    NetClientOptions options = new NetClientOptions();
    if (receiveBufferSize > 0) {
      options.setReceiveBufferSize(receiveBufferSize);
    }
    NetSocket socket = vertx.createNetClient(options).connect(port, "127.0.0.1").await(5, TimeUnit.SECONDS);
    RawWebSocket ws = new RawWebSocket(socket);
    socket.write("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
      + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      + headers + "\r\n");
    return ws;
  }

  /** Sends a masked text frame, as a client must. */
  void sendText(String text) {
    sendFrame(0x81, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Sends a masked frame.
   *
   * @param first the first header byte: FIN, RSV1-3 and the opcode
   */
  void sendFrame(int first, byte[] payload) {
    socket.write(frame(first, payload, true));
  }

  /** Sends a frame without the mask a client must use. */
  void sendUnmasked(int first, byte[] payload) {
    socket.write(frame(first, payload, false));
  }

  static Buffer frame(int first, byte[] payload, boolean masked) {
    Buffer frame = Buffer.buffer(payload.length + 14).appendByte((byte) first);
    int maskBit = masked ? 0x80 : 0;
    if (payload.length < 126) {
      frame.appendByte((byte) (maskBit | payload.length));
    } else if (payload.length < 65536) {
      frame.appendByte((byte) (maskBit | 126)).appendUnsignedShort(payload.length);
    } else {
      frame.appendByte((byte) (maskBit | 127)).appendLong(payload.length);
    }
    if (!masked) {
      return frame.appendBytes(payload);
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    frame.appendBytes(mask);
    byte[] out = new byte[payload.length];
    for (int i = 0; i < payload.length; i++) {
      out[i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    return frame.appendBytes(out);
  }

  /** @return the head of the server's answer to the upgrade, or "" before it arrived */
  String upgradeAnswer() {
    String text;
    synchronized (received) {
      text = received.toString(StandardCharsets.ISO_8859_1);
    }
    int at = text.indexOf("\r\n\r\n");
    return at < 0 ? "" : text.substring(0, at);
  }

  /**
   * Waits for the server's close frame.
   *
   * @return it
   */
  Frame awaitCloseFrame() {
    NativeClient.await("a close frame", () -> frames().stream().anyMatch(f -> f.opcode() == 8));
    return frames().stream().filter(f -> f.opcode() == 8).findFirst().orElseThrow();
  }

  /** @return whether the server closed the TCP connection */
  boolean closed() {
    return closed;
  }

  /** A server frame: its opcode, whether RSV1 (compressed) is set, and its payload. */
  record Frame(int opcode, boolean compressed, Buffer payload) {
    JsonObject json() {
      return new JsonObject(payload.toString(StandardCharsets.UTF_8));
    }

    int closeCode() {
      return payload.getUnsignedShort(0);
    }

    String closeReason() {
      return payload.length() > 2 ? payload.getString(2, payload.length(), "UTF-8") : "";
    }
  }

  /** The complete frames received so far after the HTTP upgrade answer. */
  List<Frame> frames() {
    Buffer bytes;
    synchronized (received) {
      bytes = received.copy();
    }
    List<Frame> frames = new ArrayList<>();
    int at = bytes.toString(StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n");
    if (at < 0) {
      return frames;
    }
    int pos = at + 4;
    while (pos + 2 <= bytes.length()) {
      int opcode = bytes.getByte(pos) & 0x0f;
      boolean compressed = (bytes.getByte(pos) & 0x40) != 0;
      long length = bytes.getByte(pos + 1) & 0x7f;
      int header = 2;
      if (length == 126) {
        if (pos + 4 > bytes.length()) {
          break;
        }
        length = bytes.getUnsignedShort(pos + 2);
        header = 4;
      } else if (length == 127) {
        if (pos + 10 > bytes.length()) {
          break;
        }
        length = bytes.getLong(pos + 2);
        header = 10;
      }
      if (pos + header + length > bytes.length()) {
        break;
      }
      frames.add(new Frame(opcode, compressed, bytes.getBuffer(pos + header, pos + header + (int) length)));
      pos += header + (int) length;
    }
    return frames;
  }

  /** The JSON text messages received so far (inflated when permessage-deflate was negotiated). */
  List<JsonObject> messages() {
    // One inflater over every message in order: the server keeps its deflate context from message to message.
    Inflater inflater = new Inflater(true);
    try {
      return frames().stream().filter(f -> f.opcode() == 0x1).map(f -> f.compressed() ? inflate(inflater, f) : f)
        .map(Frame::json).toList();
    } finally {
      inflater.end();
    }
  }

  private static Frame inflate(Inflater inflater, Frame frame) {
    inflater.setInput(frame.payload().copy().appendBytes(new byte[] {0, 0, (byte) 0xff, (byte) 0xff}).getBytes());
    Buffer out = Buffer.buffer();
    byte[] chunk = new byte[8192];
    try {
      int n;
      while ((n = inflater.inflate(chunk)) > 0) {
        out.appendBytes(chunk, 0, n);
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException("a compressed frame the test cannot inflate", e);
    }
    return new Frame(frame.opcode(), false, out);
  }

  /** The first close frame, or {@code null}. */
  Frame closeFrame() {
    return frames().stream().filter(f -> f.opcode() == 0x8).findFirst().orElse(null);
  }

  /** The code of the first close frame, or -1. */
  int closeCode() {
    return frames().stream().filter(f -> f.opcode() == 0x8).findFirst().map(Frame::closeCode).orElse(-1);
  }

  /**
   * A permessage-deflate message (RFC 7692): the data deflated (raw, best compression) with a sync flush, without its
   * trailing {@code 00 00 ff ff}.
   */
  static byte[] deflate(byte[] data) {
    java.util.zip.Deflater deflater = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION, true);
    try {
      return deflate(deflater, data);
    } finally {
      deflater.end();
    }
  }

  /** As {@link #deflate(byte[])}, continuing the context of {@code deflater} (a message of a compressed stream). */
  static byte[] deflate(java.util.zip.Deflater deflater, byte[] data) {
    byte[] flushed = flush(deflater, data);
    return java.util.Arrays.copyOf(flushed, flushed.length - 4);
  }

  /** Deflated data and a sync flush, its trailing {@code 00 00 ff ff} included. */
  static byte[] flush(java.util.zip.Deflater deflater, byte[] data) {
    deflater.setInput(data);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    int n;
    do {
      n = deflater.deflate(buffer, 0, buffer.length, java.util.zip.Deflater.SYNC_FLUSH);
      out.write(buffer, 0, n);
    } while (n == buffer.length || !deflater.needsInput());
    return out.toByteArray();
  }
}
