package io.tokenlane.transport.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Chunks framed by {@link ChunkedBody} on real loopback connections, read as raw bytes: the framing is exactly
 * HTTP/1.1's, one chunk per write, in order with what Vert.x writes around them (thousands queued at once too), over
 * TLS too; where the shortcut does not apply the body still arrives whole.
 */
class ChunkedBodyTest {

  private static final int[] SIZES = {1, 15, 16, 255, 256, 4095, 4096, 65535, 65536, 100_000};

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "tls={0}")
  @ValueSource(booleans = {false, true})
  void eachWriteIsOneChunkFramedExactlyAndTheResponseCountsIt(boolean tls) throws Exception {
    Promise<Long> counted = Promise.promise();
    Promise<Boolean> framedHere = Promise.promise();
    int port = serve(options(tls, true), ctx -> {
      framedHere.complete(writeSizes(ctx));
      ctx.response().end("tail");
      counted.complete(ctx.response().bytesWritten());
    });
    List<byte[]> chunks = chunks(get(port, tls));
    assertTrue(framedHere.future().await(10, TimeUnit.SECONDS), "the shortcut was taken");
    long total = assertHeadSizesTail(chunks);
    assertEquals(total, counted.future().await(10, TimeUnit.SECONDS), "the response's byte count has the framed ones");
  }

  /**
   * Thousands of writes in one turn of the event loop, within the request's read (so not flushed until it ends): in
   * plain HTTP they fill the channel's outbound buffer past the response's bound; over TLS they go through Vert.x's
   * chunked-write handler as well, which queues whatever it cannot pass on. Either way each one comes out in its
   * place.
   */
  @ParameterizedTest(name = "tls={0}")
  @ValueSource(booleans = {false, true})
  void framedChunksKeepTheirPlaceAmongVertxWritesQueuedAtOnce(boolean tls) throws Exception {
    int writes = 4_000;
    Promise<Boolean> queueFilled = Promise.promise();
    int port = serve(options(tls, true), ctx -> {
      ctx.response().setChunked(true).setWriteQueueMaxSize(16 * 1024).write("head");
      ChunkedBody body = ChunkedBody.of(ctx.request());
      boolean full = false;
      for (int i = 0; i < writes; i++) {
        Buffer numbered = Buffer.buffer(String.format("%08d", i) + "x".repeat(992));
        if (i % 3 == 0) {
          ctx.response().write(numbered);
        } else {
          body.write(numbered);
        }
        full |= ctx.response().writeQueueFull();
      }
      queueFilled.complete(full);
      ctx.response().end();
    });
    List<byte[]> chunks = chunks(get(port, tls));
    boolean full = queueFilled.future().await(10, TimeUnit.SECONDS);
    if (!tls) {
      assertTrue(full, "writes went on with the channel over its bound");
    }
    assertEquals(writes + 2, chunks.size());
    for (int i = 0; i < writes; i++) {
      String chunk = new String(chunks.get(i + 1), StandardCharsets.US_ASCII);
      assertEquals(String.format("%08d", i), chunk.substring(0, 8), "write " + i + " in its place");
      assertEquals(1000, chunk.length());
    }
  }

  /**
   * Buffers lent by the body are filled where the chunk is framed (each grows past its size hint here), written and
   * ended with: the same exact framing, pooled direct memory that goes back once written, and one lent at a time.
   */
  @ParameterizedTest(name = "tls={0}")
  @ValueSource(booleans = {false, true})
  void lentBuffersAreFramedWhereTheyAreAndGoBackOnceWritten(boolean tls) throws Exception {
    List<ByteBuf> lent = new ArrayList<>();
    Promise<Context> context = Promise.promise();
    Promise<Boolean> secondOnHeap = Promise.promise();
    Promise<Long> counted = Promise.promise();
    int port = serve(options(tls, true), ctx -> {
      unpooled(ctx);
      ctx.response().setChunked(true).write("head");
      ChunkedBody body = ChunkedBody.of(ctx.request());
      for (int i = 0; i < SIZES.length; i++) {
        Buffer buffer = body.buffer(16);
        if (i == 0) {
          secondOnHeap.complete(!((BufferImpl) body.buffer(16)).byteBuf().isDirect());
        }
        lent.add(((BufferImpl) buffer).byteBuf());
        body.write(buffer.appendBuffer(payload(SIZES[i], i)));
      }
      Buffer last = body.buffer(4);
      lent.add(((BufferImpl) last).byteBuf());
      body.end(last.appendString("tail"));
      counted.complete(ctx.response().bytesWritten());
      context.complete(vertx.getOrCreateContext());
    });
    List<byte[]> chunks = chunks(get(port, tls));
    long total = assertHeadSizesTail(chunks);
    assertEquals(total, counted.future().await(10, TimeUnit.SECONDS), "the response's byte count has the lent ones");
    assertTrue(secondOnHeap.future().await(10, TimeUnit.SECONDS), "a second buffer while one is out is the heap's");
    // Asked on the connection's event loop, after everything it wrote reached the client.
    Promise<List<Integer>> refCounts = Promise.promise();
    context.future().await(10, TimeUnit.SECONDS).runOnContext(v -> refCounts.complete(lent.stream()
      .map(buf -> buf.isDirect() ? buf.refCnt() : -1).toList()));
    assertEquals(java.util.Collections.nCopies(SIZES.length + 1, 0), refCounts.future().await(10, TimeUnit.SECONDS),
      "every lent buffer was direct and went back to the pool");
  }

  /** A lent buffer that is not written, or that can no longer be, goes back; before the head nothing is lent. */
  @Test
  void lentBuffersThatAreNotWrittenGoBack() throws Exception {
    Promise<List<Object>> seen = Promise.promise();
    int port = serve(options(false, true), ctx -> {
      List<Object> facts = new ArrayList<>();
      unpooled(ctx);
      ChunkedBody body = ChunkedBody.of(ctx.request());
      ctx.response().setChunked(true);
      facts.add(((BufferImpl) body.buffer(64)).byteBuf().isDirect());
      ctx.response().write("head");
      Buffer dropped = body.buffer(64).appendString("never sent");
      body.release(dropped);
      facts.add(((BufferImpl) dropped).byteBuf().refCnt());
      Buffer late = body.buffer(64).appendString("too late");
      ctx.response().end("tail");
      try {
        body.write(late);
        facts.add("written");
      } catch (IllegalStateException e) {
        facts.add("refused");
      }
      facts.add(((BufferImpl) late).byteBuf().refCnt());
      seen.complete(facts);
    });
    List<byte[]> chunks = chunks(get(port, false));
    assertEquals(List.of(false, 0, "refused", 0), seen.future().await(10, TimeUnit.SECONDS));
    assertEquals(List.of("head", "tail", ""), chunks.stream().map(c -> new String(c, StandardCharsets.UTF_8)).toList());
  }

  /** The next request on the same connection gets a whole response of its own after a framed one. */
  @Test
  void aKeptAliveConnectionServesTheNextRequestWholeAfterAFramedResponse() throws Exception {
    int port = serve(options(false, true), ctx -> {
      ctx.response().setChunked(true).write("head");
      ChunkedBody body = ChunkedBody.of(ctx.request());
      String which = ctx.request().query();
      for (int i = 0; i < 3; i++) {
        body.write(Buffer.buffer(which + " event " + i));
      }
      ctx.response().end();
    });
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      java.io.OutputStream out = socket.getOutputStream();
      out.write("GET /?first HTTP/1.1\r\nhost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      java.io.InputStream in = socket.getInputStream();
      java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
      while (!first.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n")) {
        int b = in.read();
        assertTrue(b >= 0, "the connection stays open after the first response");
        first.write(b);
      }
      out.write("GET /?second HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] second = in.readAllBytes();
      List<byte[]> firstChunks = chunks(first.toByteArray());
      List<byte[]> secondChunks = chunks(second);
      assertEquals(5, firstChunks.size());
      assertEquals(5, secondChunks.size());
      for (int i = 0; i < 3; i++) {
        assertEquals("first event " + i, new String(firstChunks.get(i + 1), StandardCharsets.UTF_8));
        assertEquals("second event " + i, new String(secondChunks.get(i + 1), StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void withoutStrictThreadModeVertxWritesItAllAndTheBodyIsTheSame() throws Exception {
    Promise<Boolean> framedHere = Promise.promise();
    int port = serve(options(false, false), ctx -> {
      framedHere.complete(writeSizes(ctx));
      ctx.response().end();
    });
    List<byte[]> chunks = chunks(get(port, false));
    assertEquals(false, framedHere.future().await(10, TimeUnit.SECONDS), "Vert.x's queue could hold writes back");
    assertEquals(SIZES.length + 2, chunks.size());
    for (int i = 0; i < SIZES.length; i++) {
      assertArrayEquals(payload(SIZES[i], i).getBytes(), chunks.get(i + 1));
    }
  }

  /**
   * The connection allocates from an unpooled allocator: the same code path, and a released buffer stays as it was
   * left (a pooled one goes back to be reused), so that a test can read its count after the write.
   */
  private static void unpooled(RoutingContext ctx) {
    ((VertxConnection) ctx.request().connection()).channel().config()
      .setAllocator(new io.netty.buffer.UnpooledByteBufAllocator(true));
  }

  /**
   * Writes "head" through Vert.x, then one write of each of {@link #SIZES} through a {@link ChunkedBody}.
   *
   * @return whether the connection took framed chunks (the unwrapping handler is in its pipeline)
   */
  private static boolean writeSizes(RoutingContext ctx) {
    ctx.response().setChunked(true).write("head");
    ChunkedBody body = ChunkedBody.of(ctx.request());
    for (int i = 0; i < SIZES.length; i++) {
      body.write(payload(SIZES[i], i));
    }
    return ctx.request().connection() instanceof VertxConnection conn
      && conn.channel().pipeline().get(ChunkedBody.HANDLER_NAME) != null;
  }

  private HttpServerOptions options(boolean tls, boolean strict) {
    HttpServerOptions options = new HttpServerOptions().setStrictThreadMode(strict);
    if (tls) {
      options.setSsl(true).setKeyCertOptions(SelfSignedCertificate.create("localhost").keyCertOptions());
    }
    return options;
  }

  private int serve(HttpServerOptions options, Consumer<RoutingContext> handler) {
    Router router = Router.router(vertx);
    router.get("/").handler(handler::accept);
    return vertx.createHttpServer(options).exceptionHandler(Throwable::printStackTrace).requestHandler(router).listen(0, "127.0.0.1").await().actualPort();
  }

  /** Bytes of a recognisable pattern, multi-byte UTF-8 sequences cut at the chunk's edges included. */
  private static Buffer payload(int size, int seed) {
    byte[] pattern = ("é字🙂-" + seed).getBytes(StandardCharsets.UTF_8);
    Buffer buffer = Buffer.buffer(size);
    for (int i = 0; i < size; i++) {
      buffer.appendByte(pattern[(i + seed) % pattern.length]);
    }
    return buffer;
  }

  /** The whole raw response to a GET with {@code connection: close}, read by a plain JDK socket until the end. */
  private static byte[] get(int port, boolean tls) throws Exception {
    Socket socket;
    if (tls) {
      SSLContext trustAll = SSLContext.getInstance("TLS");
      trustAll.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      socket = trustAll.getSocketFactory().createSocket("127.0.0.1", port);
    } else {
      socket = new Socket("127.0.0.1", port);
    }
    try (socket) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write("GET / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return socket.getInputStream().readAllBytes();
    }
  }

  /** The chunks of a chunked response, parsed strictly: a bad size line, a missing CRLF or a trailer fails. */
  private static List<byte[]> chunks(byte[] raw) {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    assertTrue(headEnd > 0, "a head");
    assertTrue(text.substring(0, headEnd).toLowerCase().contains("\r\ntransfer-encoding: chunked"), text.substring(0, headEnd));
    List<byte[]> chunks = new ArrayList<>();
    int at = headEnd + 4;
    while (true) {
      int lineEnd = text.indexOf("\r\n", at);
      String sizeLine = text.substring(at, lineEnd);
      assertTrue(sizeLine.matches("0|[1-9a-f][0-9a-f]*"), "size line '" + sizeLine + "'");
      int size = Integer.parseInt(sizeLine, 16);
      at = lineEnd + 2;
      byte[] data = new byte[size];
      System.arraycopy(raw, at, data, 0, size);
      chunks.add(data);
      at += size;
      assertEquals("\r\n", text.substring(at, at + 2), "CRLF after a chunk");
      at += 2;
      if (size == 0) {
        assertEquals(raw.length, at, "nothing after the last chunk");
        return chunks;
      }
    }
  }

  /**
   * Asserts the body written by the tests above: "head", one chunk of each of {@link #SIZES}, "tail", the last chunk.
   *
   * @return the data bytes in it
   */
  private static long assertHeadSizesTail(List<byte[]> chunks) {
    assertEquals(SIZES.length + 3, chunks.size(), "head, one chunk per write, tail, the last chunk");
    assertArrayEquals("head".getBytes(StandardCharsets.US_ASCII), chunks.get(0));
    long total = 8;
    for (int i = 0; i < SIZES.length; i++) {
      assertArrayEquals(payload(SIZES[i], i).getBytes(), chunks.get(i + 1), "chunk " + i + " of " + SIZES[i] + " bytes");
      total += SIZES[i];
    }
    assertArrayEquals("tail".getBytes(StandardCharsets.US_ASCII), chunks.get(SIZES.length + 1));
    assertEquals(0, chunks.get(SIZES.length + 2).length);
    return total;
  }
}
