package io.tokenlane.server;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An HTTP/1.1 client on a plain socket, for requests no HTTP library sends: broken framing, no Host, a body that
 * stops half-way. Blocking: tests call it from their own thread.
 */
final class RawHttp implements AutoCloseable {

  final Socket socket;

  RawHttp(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(15_000);
  }

  RawHttp send(String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return this;
  }

  /** A response: status, lower-case header block, body. */
  record Response(int status, String head, String body) {
    JsonObject error() {
      return new JsonObject(body).getJsonObject("error");
    }

    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  /** Reads one response with a content-length body. */
  Response read() throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head.size() + " bytes of a response head: " + head);
      }
      head.write(b);
    }
    String headText = head.toString(StandardCharsets.ISO_8859_1);
    int status = Integer.parseInt(headText.substring(9, 12));
    Response withoutBody = new Response(status, headText.toLowerCase(Locale.ROOT), "");
    String length = withoutBody.header("content-length");
    byte[] body = in.readNBytes(length == null ? 0 : Integer.parseInt(length));
    return new Response(status, headText, new String(body, StandardCharsets.UTF_8));
  }

  /** @return whether the server closed the connection: end of stream (or a reset) within the socket timeout */
  boolean closedByServer() throws IOException {
    try {
      return socket.getInputStream().read() < 0;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
