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

/**
 * A WebSocket client on a plain TCP socket, for clients no library lets us be: one that never answers pings, or
 * one that stops reading its socket (a small receive buffer, then {@code pause()}) so the server sees real TCP
 * backpressure.
 */
final class RawWebSocket {

  final NetSocket socket;
  private final Buffer received = Buffer.buffer();

  private RawWebSocket(NetSocket socket) {
    this.socket = socket;
    socket.handler(data -> {
      synchronized (received) {
        received.appendBuffer(data);
      }
    });
  }

  static RawWebSocket connect(Vertx vertx, int port, String token, int receiveBufferSize) throws Exception {
    NetClientOptions options = new NetClientOptions();
    if (receiveBufferSize > 0) {
      options.setReceiveBufferSize(receiveBufferSize);
    }
    NetSocket socket = vertx.createNetClient(options).connect(port, "127.0.0.1").await(5, TimeUnit.SECONDS);
    RawWebSocket ws = new RawWebSocket(socket);
    socket.write("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\nUpgrade: websocket\r\n"
      + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    return ws;
  }

  /** Sends a masked text frame, as a client must. */
  void sendText(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    Buffer frame = Buffer.buffer().appendByte((byte) 0x81);
    if (payload.length < 126) {
      frame.appendByte((byte) (0x80 | payload.length));
    } else {
      frame.appendByte((byte) (0x80 | 126)).appendUnsignedShort(payload.length);
    }
    frame.appendBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.appendByte((byte) (payload[i] ^ mask[i % 4]));
    }
    socket.write(frame);
  }

  /** A server frame: its opcode and payload. */
  record Frame(int opcode, Buffer payload) {
    JsonObject json() {
      return new JsonObject(payload.toString(StandardCharsets.UTF_8));
    }

    int closeCode() {
      return payload.getUnsignedShort(0);
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
      frames.add(new Frame(opcode, bytes.getBuffer(pos + header, pos + header + (int) length)));
      pos += header + (int) length;
    }
    return frames;
  }

  /** The JSON text messages received so far. */
  List<JsonObject> messages() {
    return frames().stream().filter(f -> f.opcode() == 0x1).map(Frame::json).toList();
  }

  /** The code of the first close frame, or -1. */
  int closeCode() {
    return frames().stream().filter(f -> f.opcode() == 0x8).findFirst().map(Frame::closeCode).orElse(-1);
  }
}
