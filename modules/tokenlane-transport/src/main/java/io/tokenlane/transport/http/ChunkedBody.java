package io.tokenlane.transport.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
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
import io.vertx.ext.web.RoutingContext;

/**
 * The body of a chunked HTTP/1.1 response after its head, written as chunks framed here: one pooled buffer per
 * write ({@code size CRLF data CRLF}), which passes Vert.x's response encoder untouched and is unwrapped just below
 * it. Vert.x's own path makes, per write, a response object and a promise, then the encoder's chunk-size buffer, a
 * trailing CRLF buffer and a promise combiner over the three, a direct copy of the heap data, three entries in the
 * channel's outbound buffer and three iovecs in the system call. Here it is one pooled direct buffer, one entry and
 * one iovec: for a token's event, 391 bytes allocated instead of 967 and about 0.9 µs less per write, socket write
 * included ({@code SseWriteBenchmark} in {@code modules/tokenlane-microbench}).
 *
 * <p>The head and the last chunk still go through Vert.x ({@code response.write} before the head is written,
 * {@code response.end}), so the response's state stays Vert.x's. Everything else Vert.x would do stays: the write
 * goes through the connection on its event loop (its flush batching, its byte metrics), in the pipeline's order
 * (TLS included), and the channel's writability is what {@code writeQueueFull} and the drain handler see. It needs
 * the connection in strict thread mode, as the gateway's server runs it: Vert.x then hands every write straight to
 * the channel, so a write made here keeps its place among Vert.x's own. Where the shortcut cannot be taken it is
 * not: HTTP/2 or HTTP/1.0, a compressing pipeline, a connection with Vert.x's write queue (no strict thread mode),
 * a write off the connection's event loop — then the data goes out through {@code response.write}, as before.
 *
 * <p>The bytes written here are not in {@link HttpServerResponse#bytesWritten()}: {@link #bytesWritten(RoutingContext)}
 * adds them, for the access log, and {@link #framedBytes(ChannelPipeline)} counts them per connection, for the
 * server's idle check.
 */
public final class ChunkedBody {

  /** The pipeline handler that unwraps framed chunks below the response encoder. */
  static final String HANDLER_NAME = "tokenlane-chunks";
  private static final String KEY = "tokenlane.chunkedBody";
  private static final String ENCODER = "httpEncoder";
  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final HttpServerResponse response;
  /** {@code null}: every write goes through {@code response.write}. */
  private final VertxConnection connection;
  private long bytes;
  private boolean headWritten;

  private ChunkedBody(HttpServerResponse response, VertxConnection connection) {
    this.response = response;
    this.connection = connection;
  }

  /**
   * The body of {@code ctx}'s response; remembered in the context, for {@link #bytesWritten(RoutingContext)}.
   *
   * @param ctx the request whose response is a chunked stream
   * @return its body writer (one that always writes through Vert.x where the shortcut does not apply)
   */
  public static ChunkedBody of(RoutingContext ctx) {
    ChunkedBody body = of(ctx.request());
    ctx.put(KEY, body);
    return body;
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
   * What the response of {@code ctx} sent as its body: Vert.x's count plus what went out framed here.
   *
   * @param ctx the request
   * @return body bytes written
   */
  public static long bytesWritten(RoutingContext ctx) {
    long vertx = ctx.response().bytesWritten();
    return ctx.get(KEY) instanceof ChunkedBody body ? vertx + body.bytes : vertx;
  }

  /**
   * Writes {@code data} as the next chunk of the body; the response must be chunked. Called on the connection's
   * event loop (elsewhere it goes through Vert.x).
   *
   * @param data the bytes, not retained: the caller may reuse them
   */
  public void write(Buffer data) {
    VertxConnection conn = connection;
    int length = data.length();
    if (conn == null || length == 0 || !headWritten() || response.ended()
      || !conn.channelHandlerContext().executor().inEventLoop() || !conn.channel().isActive()) {
      response.write(data);
      return;
    }
    ChannelHandlerContext chctx = conn.channelHandlerContext();
    ByteBuf framed = chctx.alloc().directBuffer(length + 12);
    int digits = Math.max(1, (35 - Integer.numberOfLeadingZeros(length)) >> 2);
    for (int shift = (digits - 1) << 2; shift >= 0; shift -= 4) {
      framed.writeByte(HEX[(length >>> shift) & 0xf]);
    }
    framed.writeByte('\r').writeByte('\n');
    // Vert.x's own buffers give their bytes without the duplicate getByteBuf() makes.
    ByteBuf source = data instanceof BufferImpl impl ? impl.byteBuf() : ((BufferInternal) data).getByteBuf();
    framed.writeBytes(source, source.readerIndex(), length);
    framed.writeByte('\r').writeByte('\n');
    bytes += length;
    conn.write(new Framed(framed), false, conn.voidPromise);
    if (Metrics.METRICS_ENABLED) {
      // Vert.x counts the messages it knows; this one is counted here, as its body bytes, as Vert.x would.
      conn.reportBytesWritten(length);
    }
  }

  private boolean headWritten() {
    if (!headWritten) {
      headWritten = response.headWritten();
    }
    return headWritten;
  }

  /**
   * The connection whose pipeline can take framed chunks, with the unwrapping handler in place; {@code null} when
   * the shortcut does not apply to this request.
   */
  private static VertxConnection framingConnection(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_1_1 || request.method() == HttpMethod.HEAD) {
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
      pipeline.addBefore(ENCODER, HANDLER_NAME, new Unwrap());
    }
    return conn;
  }

  /**
   * Bytes written framed on a connection so far, framing included: what an idle check adds to the response's byte
   * count, which does not see them. Call it on the connection's event loop.
   *
   * @param pipeline the connection's pipeline
   * @return the bytes, 0 when nothing was written framed on it
   */
  public static long framedBytes(ChannelPipeline pipeline) {
    return pipeline.get(HANDLER_NAME) instanceof Unwrap unwrap ? unwrap.bytes : 0;
  }

  /** A framed chunk on its way through the encoder, which passes on what it does not know. */
  static final class Framed extends DefaultByteBufHolder {
    Framed(ByteBuf data) {
      super(data);
    }
  }

  /** Below the encoder: a framed chunk becomes the bytes it holds, counted. One per connection, on its loop. */
  static final class Unwrap extends ChannelOutboundHandlerAdapter {
    private long bytes;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof Framed framed) {
        ByteBuf content = framed.content();
        bytes += content.readableBytes();
        ctx.write(content, promise);
      } else {
        ctx.write(msg, promise);
      }
    }
  }
}
