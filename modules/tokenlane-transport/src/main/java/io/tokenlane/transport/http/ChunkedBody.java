package io.tokenlane.transport.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.tokenlane.spi.internal.OutboundQueues;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.spi.metrics.Metrics;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The body of a chunked HTTP/1.1 response after its head, written as chunks framed here: one pooled buffer per
 * write ({@code size CRLF data CRLF}), which passes Vert.x's response encoder untouched and is unwrapped just below
 * it. Vert.x's own path makes, per write, a response object and a promise, then the encoder's chunk-size buffer, a
 * trailing CRLF buffer and a promise combiner over the three, a direct copy of the heap data, three entries in the
 * channel's outbound buffer and three iovecs in the system call. Here it is one pooled direct buffer, one entry and
 * one iovec ({@code SseWriteBenchmark} in {@code modules/tokenlane-microbench}). A writer that makes its event for
 * the write fills a buffer the body lends ({@link #buffer(int)}): the pooled chunk itself, with room in front for
 * the size line, so that the event's bytes are written once, where they go out, and no heap buffer is made.
 *
 * <p>The head and the last chunk still go through Vert.x ({@code response.write} before the head is written,
 * {@code response.end}), so the response's state stays Vert.x's, and the bytes written here are added to the
 * response's own count: {@link HttpServerResponse#bytesWritten()} stays right for the access log, the server's idle
 * check and Vert.x's response-size metric. The write goes through the connection on its event loop (its flush
 * batching, its connection byte metrics), in the pipeline's order (TLS included), and the channel's writability is
 * what {@code writeQueueFull} and the drain handler see. It needs the connection in strict thread mode, as the
 * gateway's server runs it: Vert.x then hands every write straight to the channel, so a write made here keeps its
 * place among Vert.x's own.
 *
 * <p>Where the shortcut cannot be taken it is not, and the data goes out through {@code response.write} as before:
 * HTTP/2, HTTP/1.0 or a HEAD request, a response that is not chunked, a compressing pipeline, a connection with
 * Vert.x's write queue (no strict thread mode), a write off the connection's event loop or on a closed channel, and
 * a Vert.x version whose response keeps its byte count elsewhere ({@code ChunkedBodyTest} fails on such a version).
 */
public final class ChunkedBody {

  /** The pipeline handler that unwraps framed chunks below the response encoder. */
  static final String HANDLER_NAME = "tokenlane-chunks";
  private static final String ENCODER = "httpEncoder";
  /** Room in front of a chunk's data for its size line: up to 8 hex digits (any int) and CRLF. */
  private static final int HEAD_ROOM = 10;
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final System.Logger LOG = System.getLogger(ChunkedBody.class.getName());
  /** {@code Http1xServerResponse.bytesWritten}; {@code null} when this Vert.x lays it out differently. */
  private static final VarHandle BYTES_WRITTEN = responseByteCount();

  private final HttpServerResponse response;
  /** {@code null}: every write goes through {@code response.write}. */
  private final VertxConnection connection;
  private boolean framing;
  /** The buffer {@link #buffer(int)} lent and that has not come back yet. */
  private ByteBuf lent;

  private ChunkedBody(HttpServerResponse response, VertxConnection connection) {
    this.response = response;
    this.connection = connection;
  }

  /**
   * The body of {@code request}'s response.
   *
   * @param request the request whose response is a chunked stream, on its connection's event loop
   * @return its body writer (one that always writes through Vert.x where the shortcut does not apply)
   */
  public static ChunkedBody of(HttpServerRequest request) {
    return new ChunkedBody(request.response(), framingConnection(request));
  }

  /**
   * A buffer for the next write's data, to fill and then hand to {@link #write(Buffer)} or {@link #end(Buffer)}.
   * Where the framed path applies it is pooled direct memory with room kept in front for the chunk-size line, and
   * that write frames it where it is: nothing is copied and no heap buffer is made. Otherwise it is an ordinary
   * heap buffer. One at a time: while one is out, the next is a heap buffer. A buffer from here holds pooled memory
   * until it is written, ended with, or given to {@link #release(Buffer)}.
   *
   * @param sizeHint the bytes it is expected to hold (it grows past them if need be)
   * @return a buffer to append to
   */
  public Buffer buffer(int sizeHint) {
    VertxConnection conn = connection;
    if (lent != null || conn == null || !framing() || !conn.channelHandlerContext().executor().inEventLoop()) {
      return Buffer.buffer(sizeHint);
    }
    ByteBuf buf = conn.channelHandlerContext().alloc().directBuffer(HEAD_ROOM + sizeHint + 2);
    buf.writerIndex(HEAD_ROOM).readerIndex(HEAD_ROOM);
    lent = buf;
    return BufferInternal.buffer(buf);
  }

  /**
   * Gives back a buffer from {@link #buffer(int)} that will not be written (the client went away); any other
   * buffer is left alone.
   *
   * @param data the buffer
   */
  public void release(Buffer data) {
    ByteBuf buf = lentBuffer(data);
    if (buf != null) {
      lent = null;
      buf.release();
    }
  }

  /**
   * Whether the client is gone, in which case {@code data} is {@linkplain #release(Buffer) given back}: nothing more
   * can be written.
   *
   * @param data the batch about to be written
   * @return {@code true} if the response is closed and {@code data} was dropped
   */
  public boolean releaseIfClosed(Buffer data) {
    if (response.closed()) {
      release(data);
      return true;
    }
    return false;
  }

  /**
   * Sets the head of a server-sent event stream, once: chunked, {@code text/event-stream}, no caching or
   * transformation by proxies, no buffering by nginx.
   */
  public void eventStreamHead() {
    response.setChunked(true)
      .putHeader("content-type", "text/event-stream; charset=utf-8")
      .putHeader("cache-control", "no-cache, no-transform")
      .putHeader("x-accel-buffering", "no");
  }

  /**
   * Writes {@code data} as the next chunk of the body. Called on the connection's event loop (elsewhere it goes
   * through Vert.x).
   *
   * @param data the bytes; a buffer from {@link #buffer(int)} is the body's from now on, any other is not retained
   *             (the caller may reuse it)
   */
  public void write(Buffer data) {
    ByteBuf own = lentBuffer(data);
    if (own != null) {
      lent = null;
      if (framable(own.readableBytes())) {
        writeFramed(own);
      } else {
        response.write(heapCopy(own));
      }
      return;
    }
    int length = data.length();
    if (!framable(length)) {
      response.write(data);
      return;
    }
    // Vert.x's own buffers give their bytes without the duplicate getByteBuf() makes.
    ByteBuf source = data instanceof BufferImpl impl ? impl.byteBuf() : ((BufferInternal) data).getByteBuf();
    ByteBuf framed = connection.channelHandlerContext().alloc().directBuffer(HEAD_ROOM + length + 2);
    framed.writerIndex(HEAD_ROOM).readerIndex(HEAD_ROOM);
    if (source.hasArray()) {
      // From the array: the buffer's own copy from a heap ByteBuf would make a NIO view of it first.
      framed.writeBytes(source.array(), source.arrayOffset() + source.readerIndex(), length);
    } else {
      framed.writeBytes(source, source.readerIndex(), length);
    }
    writeFramed(framed);
  }

  /**
   * Ends the response with {@code last} as its last data ({@code response.end(last)}), a buffer from
   * {@link #buffer(int)} included.
   *
   * @param last the last data
   */
  public void end(Buffer last) {
    ByteBuf own = lentBuffer(last);
    if (own == null) {
      response.end(last);
      return;
    }
    lent = null;
    if (framable(own.readableBytes())) {
      // The same bytes as Vert.x's end(last): this chunk, then the last chunk, in one flush.
      writeFramed(own);
      response.end();
    } else {
      response.end(heapCopy(own));
    }
  }

  private ByteBuf lentBuffer(Buffer data) {
    return lent != null && data instanceof BufferImpl impl && impl.byteBuf() == lent ? lent : null;
  }

  private boolean framable(int length) {
    VertxConnection conn = connection;
    return conn != null && length > 0 && framing() && !response.ended()
      && conn.channelHandlerContext().executor().inEventLoop() && conn.channel().isActive();
  }

  /** Frames the data of {@code buf}, which has {@link #HEAD_ROOM} free bytes in front of it, and writes it. */
  private void writeFramed(ByteBuf buf) {
    int length = buf.readableBytes();
    int digits = Math.max(1, (35 - Integer.numberOfLeadingZeros(length)) >> 2);
    int head = buf.readerIndex() - digits - 2;
    int at = head;
    for (int shift = (digits - 1) << 2; shift >= 0; shift -= 4) {
      buf.setByte(at++, HEX[(length >>> shift) & 0xf]);
    }
    buf.setByte(at++, '\r').setByte(at, '\n');
    buf.readerIndex(head);
    buf.writeByte('\r').writeByte('\n');
    // The response's own count, as its write would have kept it (same thread: strict thread mode).
    BYTES_WRITTEN.set(response, (long) BYTES_WRITTEN.get(response) + length);
    VertxConnection conn = connection;
    conn.write(new Framed(buf), false, conn.voidPromise);
    if (Metrics.METRICS_ENABLED) {
      // Vert.x counts the messages it knows; this one is counted here, as its body bytes, as Vert.x would.
      conn.reportBytesWritten(length);
    }
  }

  /** The data of a lent buffer, on the heap, for Vert.x's own write; the lent buffer is released. */
  private static Buffer heapCopy(ByteBuf buf) {
    try {
      return Buffer.buffer(ByteBufUtil.getBytes(buf));
    } finally {
      buf.release();
    }
  }

  /** Once the head is out and the response is chunked, it stays so: asked until then. */
  private boolean framing() {
    if (!framing) {
      framing = response.headWritten() && response.isChunked();
    }
    return framing;
  }

  /**
   * The connection whose pipeline can take framed chunks, with the unwrapping handler in place; {@code null} when
   * the shortcut does not apply to this request.
   */
  private static VertxConnection framingConnection(HttpServerRequest request) {
    if (BYTES_WRITTEN == null || !BYTES_WRITTEN.varType().equals(long.class)
      || !BYTES_WRITTEN.coordinateTypes().get(0).isInstance(request.response())
      || request.version() != HttpVersion.HTTP_1_1 || request.method() == HttpMethod.HEAD) {
      return null;
    }
    HttpConnection connection = request.connection();
    if (!(connection instanceof VertxConnection conn) || !OutboundQueues.writesDirectly(conn)) {
      // Without strict thread mode, Vert.x queues writes while the channel is full: a write past it would jump
      // the queue.
      return null;
    }
    ChannelHandlerContext chctx = conn.channelHandlerContext();
    if (!chctx.executor().inEventLoop()) {
      return null;
    }
    ChannelPipeline pipeline = chctx.pipeline();
    if (pipeline.get(ENCODER) == null || pipeline.get(io.netty.handler.codec.http.HttpContentCompressor.class) != null
      || pipeline.get("deflater") != null) {
      return null;
    }
    if (pipeline.get(HANDLER_NAME) == null) {
      pipeline.addBefore(ENCODER, HANDLER_NAME, Unwrap.INSTANCE);
    }
    return conn;
  }

  private static VarHandle responseByteCount() {
    try {
      Class<?> type = Class.forName("io.vertx.core.http.impl.Http1xServerResponse");
      return MethodHandles.privateLookupIn(type, MethodHandles.lookup()).findVarHandle(type, "bytesWritten", long.class);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.log(System.Logger.Level.INFO, "server-sent events go through Vert.x's response encoder: this Vert.x "
        + "version keeps a response's byte count elsewhere (" + e + ")");
      return null;
    }
  }

  /** A framed chunk on its way through the encoder, which passes on what it does not know. */
  static final class Framed extends DefaultByteBufHolder {
    Framed(ByteBuf data) {
      super(data);
    }
  }

  /** Below the encoder: a framed chunk becomes the bytes it holds. */
  @ChannelHandler.Sharable
  static final class Unwrap extends ChannelOutboundHandlerAdapter {
    static final Unwrap INSTANCE = new Unwrap();

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      ctx.write(msg instanceof Framed framed ? framed.content() : msg, promise);
    }
  }
}
