package io.tokenlane.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tokenlane.transport.http.ErrorBodies;
import io.tokenlane.transport.openai.OpenAiErrors;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.TimeUnit;

/**
 * Guards one HTTP/1.1 connection against clients that hold it without finishing their requests: it sits in the
 * connection's pipeline between the HTTP decoder and Vert.x, sees each request head and body piece the client sends
 * (never what the gateway writes: tokens do not pass through it), and keeps the connection's state, which
 * {@link HttpGuards} checks against the deadlines on one timer per server instance.
 *
 * <ul>
 *   <li>A request head must arrive within {@code headerTimeoutMs} of the connection opening or of the previous
 *   response's end; else the connection is closed (slowloris, silent and idle keep-alive connections).</li>
 *   <li>A request body must arrive whole within {@code bodyTimeoutMs} of its head reaching the application; else
 *   408 and close.</li>
 *   <li>A body counted past {@code maxBodyBytes} gets 413 and close, on every route, whether or not the route
 *   reads its body.</li>
 *   <li>A body with broken framing (a chunk size that is not hexadecimal) gets 400 and close, instead of the
 *   decoder's exception reaching the application.</li>
 *   <li>A connection that neither read nor wrote a byte for {@code idleTimeoutMs} is closed. Reads are seen here;
 *   writes through the response's byte count at each check, so that the write path (every token) carries no idle
 *   handler, no timestamp and no listener per write, and a connection no timer of its own.</li>
 * </ul>
 *
 * <p>Once the connection is upgraded (a WebSocket), the guard leaves the pipeline: the WebSocket transport has its
 * own heartbeats. Everything here runs on the connection's event loop.
 */
final class HttpGuard extends ChannelInboundHandlerAdapter {

  /** The guard's name in the pipeline. */
  static final String NAME = "tokenlaneHttpGuard";
  /** How long a refused client may go on sending after its answer before the connection is closed regardless. */
  static final long LINGER_MS = 2000;

  private enum State {
    /** Waiting for a request head: the header clock runs. */
    HEAD,
    /** A head was read, its body is still arriving: the body clock runs once the application has the request. */
    BODY,
    /** The request was read whole; the gateway is answering (for as long as it takes: a stream). */
    RESPONSE,
    /** Closing, or no longer HTTP: input is dropped. */
    DONE
  }

  private final HttpGuards guards;
  private final ContextInternal context;
  private ChannelHandlerContext channel;
  private State state = State.HEAD;
  /** When the current clock started, in {@link System#nanoTime()}. */
  private long since = System.nanoTime();
  private long bodyBytes;
  /** Request heads read, and requests handed to the application: they differ while a pipelined one waits. */
  private int heads;
  private int handed;
  private HttpServerRequest current;
  /** When a byte was last seen going either way, as of the last check. */
  private long activeAt = since;
  /** Bytes arrived since the last check. */
  private boolean read;
  /** The current response's byte count at the last check: a change is output. */
  private long written = -1;

  HttpGuard(HttpGuards guards, ContextInternal context) {
    this.guards = guards;
    this.context = context;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    guards.remove(this);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    read = true;
    if (state == State.DONE) {
      ReferenceCountUtil.release(msg);
    } else if (msg instanceof HttpRequest head && unsupported(head.protocolVersion())) {
      // Vert.x would close the connection without a word (HTTP/2.0 or 9.9 on an HTTP/1 request line).
      state = State.DONE;
      ReferenceCountUtil.release(msg);
      // 400, not 505: the client's mistake, answered as one (the gateway's 5xx mean the gateway failed).
      byte[] body = OpenAiErrors.body("Only HTTP/1.0 and HTTP/1.1 are served here.", "invalid_request_error", null,
        "http_version_not_supported").encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      io.netty.handler.codec.http.FullHttpResponse response = new io.netty.handler.codec.http.DefaultFullHttpResponse(
        io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
        io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST,
        io.netty.buffer.Unpooled.wrappedBuffer(body));
      response.headers().set("content-type", "application/json").set("content-length", body.length)
        .set("connection", "close");
      // Through the whole pipeline (its encoder sits behind this handler), then closed.
      ctx.channel().writeAndFlush(response).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    } else if (msg instanceof HttpRequest) {
      heads++;
      bodyBytes = 0;
      state = msg instanceof LastHttpContent ? State.RESPONSE : State.BODY;
      ctx.fireChannelRead(msg);
    } else if (msg instanceof HttpContent content) {
      content(ctx, content);
    } else {
      // Not HTTP any more: the connection was upgraded.
      leave();
      ctx.fireChannelRead(msg);
    }
  }

  private static boolean unsupported(io.netty.handler.codec.http.HttpVersion version) {
    return version.majorVersion() != 1 || version.minorVersion() > 1;
  }

  private void content(ChannelHandlerContext ctx, HttpContent content) {
    if (content.decoderResult().isFailure()) {
      content.release();
      refuse(400, "invalid_framing", "The request body's HTTP framing is malformed (for example a chunk size that"
        + " is not hexadecimal).");
      return;
    }
    bodyBytes += content.content().readableBytes();
    if (bodyBytes > guards.limits().maxBodyBytes()) {
      content.release();
      refuse(413, "request_too_large", "The request body is larger than the configured limit.");
      return;
    }
    if (content instanceof LastHttpContent) {
      state = State.RESPONSE;
    }
    ctx.fireChannelRead(content);
  }

  /**
   * The application got a request of this connection (called before routing).
   *
   * @param request the request
   */
  void handed(HttpServerRequest request) {
    handed++;
    current = request;
    if (state == State.BODY) {
      // The body clock starts now: a pipelined request's body is not read while an earlier response is written.
      since = System.nanoTime();
    }
  }

  /**
   * Checks the deadlines; called by {@link HttpGuards}' timer.
   *
   * @param now {@link System#nanoTime()}
   */
  void check(long now) {
    if (channel.pipeline().get("httpDecoder") == null) {
      leave();
      return;
    }
    HttpLimits limits = guards.limits();
    if (idle(now, limits.idleTimeoutMs())) {
      close();
      return;
    }
    switch (state) {
      case RESPONSE -> {
        if (handed == heads && current.response().ended()) {
          if ("close".equalsIgnoreCase(current.response().headers().get("connection"))) {
            // The answer said so (Vert.x closes only when the request asked to).
            close();
          } else {
            state = State.HEAD;
            since = now;
          }
        }
      }
      case HEAD -> {
        if (limits.headerTimeoutMs() > 0 && now - since > limits.headerTimeoutMs() * 1_000_000L) {
          close();
        }
      }
      case BODY -> {
        if (limits.bodyTimeoutMs() > 0 && handed == heads && now - since > limits.bodyTimeoutMs() * 1_000_000L) {
          refuse(408, "request_timeout", "The request body did not arrive within " + limits.bodyTimeoutMs() + " ms.");
        }
      }
      default -> {
      }
    }
  }

  /**
   * Whether the connection passed {@code idleTimeoutMs} without a byte either way: input since the last check, or a
   * change in the current response's byte count, is activity.
   */
  private boolean idle(long now, long idleTimeoutMs) {
    long bytes = current == null ? -1 : current.response().bytesWritten();
    if (read || bytes != written) {
      read = false;
      written = bytes;
      activeAt = now;
      return false;
    }
    return idleTimeoutMs > 0 && now - activeAt > idleTimeoutMs * 1_000_000L;
  }

  /**
   * Answers the request in progress with an error, unless its answer has begun, and closes the connection.
   *
   * @param status the HTTP status
   * @param code the error code
   * @param message the error message
   */
  void refuse(int status, String code, String message) {
    state = State.DONE;
    HttpServerRequest request = handed == heads ? current : null;
    if (request == null || request.response().headWritten() || request.response().closed()) {
      close();
      return;
    }
    context.emit(request.response(), response -> answer(response, request.path(), status, code, message));
  }

  private void answer(HttpServerResponse response, String path, int status, String code, String message) {
    response.setStatusCode(status).putHeader("content-type", "application/json").putHeader("connection", "close")
      .end(ErrorBodies.forPath(path, status, code, message).encode())
      .onComplete(written -> linger());
  }

  /**
   * Closes after a refusal without losing the answer: closing a socket with unread input makes the kernel reset
   * the connection, and the client may lose the answer before reading it. So the output is shut (the client reads
   * the answer, then end of stream), what still arrives is dropped, and the connection is closed when the client
   * closes or after {@link #LINGER_MS}.
   */
  private void linger() {
    if (channel.channel() instanceof DuplexChannel duplex && duplex.isActive()) {
      duplex.shutdownOutput();
      channel.executor().schedule(this::close, LINGER_MS, TimeUnit.MILLISECONDS);
    } else {
      close();
    }
  }

  private void close() {
    state = State.DONE;
    channel.channel().close();
  }

  /** Leaves the pipeline: the connection is upgraded, its transport takes over. */
  private void leave() {
    state = State.DONE;
    if (channel.pipeline().context(this) != null) {
      channel.pipeline().remove(this);
    }
    guards.remove(this);
  }
}
