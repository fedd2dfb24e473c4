package io.tokenlane.transport.streams;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.CodecException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionUtil;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.tokenlane.spi.internal.OutboundQueues;
import io.tokenlane.transport.TransportOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.stream.Collectors;

/**
 * Holds every client frame to RFC 6455 before Vert.x sees it, in the connection's Netty pipeline: text must be
 * UTF-8 (else 1007), reserved bits need a negotiated extension and fragments must follow the rules (else 1002), a
 * message over the limit, counted after inflation, gets 1009. Each failure sends a close frame with a reason and
 * closes the connection, whatever handlers the transport has set (the frame decoder's own violations included,
 * which Vert.x would otherwise swallow).
 *
 * <p>With {@link TransportOptions#isCompression()} the gateway negotiates {@code permessage-deflate} itself rather
 * than through Vert.x, whose inflater is unbounded (a 39 KB frame inflating to 40 MB held an event loop for
 * seconds): here each frame inflates into a buffer capped just above the message limit, so a bomb stops after
 * that many bytes and closes with 1009.
 */
final class WebSocketGuard extends ChannelInboundHandlerAdapter {

  private static final System.Logger LOG = System.getLogger(WebSocketGuard.class.getName());
  private static final String NAME = "tokenlaneWebSocketGuard";
  /** Vert.x's connection handler and Netty's frame decoder, by the names they have in the pipeline. */
  private static final String VERTX_HANDLER = "handler";
  private static final String FRAME_DECODER = "wsdecoder";
  private static final String PERMESSAGE_DEFLATE = "permessage-deflate";
  /** Slack above the message limit for one frame's inflation: the exact count is the guard's. */
  private static final int INFLATE_SLACK = 1024;

  private final Channel channel;
  private final WebSocketServerExtension deflate;
  private final TransportOptions options;
  private final int maxMessageBytes;
  private final Utf8Validator utf8 = new Utf8Validator();
  private boolean inMessage;
  private boolean textMessage;
  private long messageBytes;
  private boolean failed;

  private WebSocketGuard(Channel channel, WebSocketServerExtension deflate, TransportOptions options) {
    this.channel = channel;
    this.deflate = deflate;
    this.options = options;
    this.maxMessageBytes = options.getMaxFrameBytes();
  }

  /**
   * Before the upgrade, on the request's event loop: the guard of this connection, and when compression is on and
   * the client offers {@code permessage-deflate}, the extension with a bounded inflater, its parameters put in the
   * 101 answer's headers.
   *
   * @return the guard, to {@link #install()} once upgraded
   */
  static WebSocketGuard negotiate(HttpServerRequest request, TransportOptions options) {
    Channel channel = request.connection() instanceof ConnectionBase connection ? connection.channel() : null;
    String offered = request.getHeader("sec-websocket-extensions");
    WebSocketServerExtension deflate = null;
    if (options.isCompression() && offered != null) {
      PerMessageDeflateServerExtensionHandshaker handshaker = new PerMessageDeflateServerExtensionHandshaker(
        HttpServerOptions.DEFAULT_WEBSOCKET_COMPRESSION_LEVEL, ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(),
        PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, false, false,
        options.getMaxFrameBytes() + INFLATE_SLACK);
      for (WebSocketExtensionData offer : WebSocketExtensionUtil.extractExtensions(offered)) {
        deflate = PERMESSAGE_DEFLATE.equals(offer.name()) ? handshaker.handshakeExtension(offer) : null;
        if (deflate != null) {
          request.response().putHeader("sec-websocket-extensions", header(deflate.newReponseData()));
          break;
        }
      }
    }
    return new WebSocketGuard(channel, deflate, options);
  }

  private static String header(WebSocketExtensionData data) {
    return data.name() + data.parameters().entrySet().stream()
      .map(e -> "; " + e.getKey() + (e.getValue() == null ? "" : "=" + e.getValue())).collect(Collectors.joining());
  }

  /**
   * Right after the upgrade, on the connection's event loop, before any frame is read: puts the guard (and the
   * negotiated extension) in front of Vert.x's handler, and gives the connection a small outbound queue (4 KB less
   * per connection than Vert.x's, sized for 1,024 pending writes: {@link OutboundQueues}).
   */
  void install() {
    ChannelPipeline pipeline = channel == null ? null : channel.pipeline();
    if (pipeline == null || pipeline.get(VERTX_HANDLER) == null) {
      // Only if Vert.x changed its pipeline: say so rather than run unchecked in silence.
      LOG.log(System.Logger.Level.WARNING, "WebSocket frames are not checked: unexpected Netty pipeline "
        + (pipeline == null ? "(none)" : pipeline.names()));
      return;
    }
    if (deflate != null && pipeline.get(FRAME_DECODER) != null) {
      // Vert.x built the frame decoder refusing reserved bits (its own compression is off): RSV1 now marks a
      // compressed message.
      pipeline.replace(FRAME_DECODER, FRAME_DECODER, new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
        .allowExtensions(true).closeOnProtocolViolation(false).maxFramePayloadLength(maxFramePayload(options))
        .build()));
      pipeline.addBefore(VERTX_HANDLER, "tokenlaneDeflateDecoder", deflate.newExtensionDecoder());
      pipeline.addBefore(VERTX_HANDLER, "tokenlaneDeflateEncoder", deflate.newExtensionEncoder());
    }
    pipeline.addBefore(VERTX_HANDLER, NAME, this);
    OutboundQueues.trim(OutboundQueues.connectionOf(pipeline));
  }

  /**
   * The largest frame payload read (a frame is a piece of a message): never below Vert.x's default, so that
   * messages over the limit are refused by the message count, with its reason.
   */
  static int maxFramePayload(TransportOptions options) {
    return Math.max(options.getMaxFrameBytes(), HttpServerOptions.DEFAULT_MAX_WEBSOCKET_FRAME_SIZE);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (failed) {
      frame.release();
      return;
    }
    Violation violation = check(frame);
    if (violation != null) {
      frame.release();
      fail(ctx, violation.code(), violation.reason());
      return;
    }
    ctx.fireChannelRead(frame);
  }

  private Violation check(WebSocketFrame frame) {
    if (frame.rsv() != 0) {
      return new Violation(WebSocketCloseStatus.PROTOCOL_ERROR, "RSV bits set without a negotiated extension");
    }
    boolean data = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
    if (data || frame instanceof ContinuationWebSocketFrame) {
      return checkData(frame, data);
    }
    if (frame instanceof CloseWebSocketFrame && frame.content().readableBytes() >= 2) {
      ByteBuf reason = frame.content();
      if (!sendable(reason.getUnsignedShort(reason.readerIndex()))) {
        // Vert.x would echo it back: a code no endpoint may send (RFC 6455 7.4) is refused instead.
        return new Violation(WebSocketCloseStatus.PROTOCOL_ERROR, "invalid close code");
      }
      Utf8Validator closeReason = new Utf8Validator();
      if (!closeReason.feed(reason, reason.readerIndex() + 2, reason.writerIndex()) || !closeReason.complete()) {
        return new Violation(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "close reason is not valid UTF-8");
      }
    }
    return null;
  }

  /** @return whether an endpoint may send this close code (RFC 6455 7.4.1 and 7.4.2) */
  private static boolean sendable(int code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  }

  private Violation checkData(WebSocketFrame frame, boolean first) {
    if (first == inMessage) {
      // Netty's decoder refuses both already; kept so that the count below can rely on it.
      return new Violation(WebSocketCloseStatus.PROTOCOL_ERROR,
        first ? "a new message inside a fragmented one" : "continuation frame without a message to continue");
    }
    if (first) {
      inMessage = true;
      textMessage = frame instanceof TextWebSocketFrame;
      messageBytes = 0;
      utf8.reset();
    }
    ByteBuf content = frame.content();
    messageBytes += content.readableBytes();
    if (messageBytes > maxMessageBytes) {
      return tooBig();
    }
    if (textMessage && (!utf8.feed(content, content.readerIndex(), content.writerIndex())
      || (frame.isFinalFragment() && !utf8.complete()))) {
      return new Violation(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "text message is not valid UTF-8");
    }
    if (frame.isFinalFragment()) {
      inMessage = false;
    }
    return null;
  }

  private Violation tooBig() {
    return new Violation(WebSocketCloseStatus.MESSAGE_TOO_BIG, "message larger than " + maxMessageBytes + " bytes");
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Violation violation = violation(cause);
    if (violation == null) {
      ctx.fireExceptionCaught(cause);
    } else if (!failed) {
      fail(ctx, violation.code(), violation.reason());
    }
  }

  /** What a decoder in front of the guard threw, as a close code and reason, or {@code null}. */
  private Violation violation(Throwable cause) {
    for (Throwable e = cause; e != null; e = e.getCause()) {
      if (e instanceof CorruptedWebSocketFrameException corrupted) {
        WebSocketCloseStatus status = corrupted.closeStatus();
        if (status.code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()) {
          return tooBig();
        }
        return new Violation(status, reason(corrupted.getMessage(), status));
      }
      if (e instanceof DecompressionException decompression) {
        String message = String.valueOf(decompression.getMessage());
        return message.contains("maximum size") ? tooBig()
          : new Violation(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "compressed data is corrupt");
      }
    }
    if (cause instanceof CodecException) {
      // The deflate decoder's own complaints (a frame it cannot place).
      return new Violation(WebSocketCloseStatus.PROTOCOL_ERROR, "invalid compressed frame");
    }
    return null;
  }

  /** A decoder's message as a close reason: printable ASCII, within the 123 bytes a close frame allows. */
  private static String reason(String message, WebSocketCloseStatus status) {
    String text = message == null || message.isBlank() ? status.reasonText() : message;
    text = text.replaceAll("[^\\x20-\\x7e]", "?");
    return text.length() > 120 ? text.substring(0, 117) + "..." : text;
  }

  private void fail(ChannelHandlerContext ctx, WebSocketCloseStatus status, String reason) {
    failed = true;
    if (ctx.channel().isActive()) {
      // Failing the connection (RFC 6455 7.1.7): the close frame, then the TCP connection. Closed from here, in
      // front of Vert.x's handler, which would otherwise send a close frame of its own and wait for the client's.
      ctx.writeAndFlush(new CloseWebSocketFrame(status.code(), reason)).addListener(written -> ctx.close());
    }
  }

  private record Violation(WebSocketCloseStatus code, String reason) {
  }

  /** An incremental UTF-8 check (Bjoern Hoehrmann's DFA): pieces of a message may split a character. */
  static final class Utf8Validator {
    private static final int ACCEPT = 0;
    private static final int REJECT = 12;
    private static final byte[] TYPES = new byte[256];
    private static final byte[] STATES = {
      0, 12, 24, 36, 60, 96, 84, 12, 12, 12, 48, 72, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
      12, 0, 12, 12, 12, 12, 12, 0, 12, 0, 12, 12, 12, 24, 12, 12, 12, 12, 12, 24, 12, 24, 12, 12,
      12, 12, 12, 12, 12, 12, 12, 24, 12, 12, 12, 12, 12, 24, 12, 12, 12, 12, 12, 12, 12, 24, 12, 12,
      12, 12, 12, 12, 12, 12, 12, 36, 12, 36, 12, 12, 12, 36, 12, 12, 12, 12, 12, 36, 12, 36, 12, 12,
      12, 36, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12};

    static {
      fill(0x80, 0x8f, 1);
      fill(0x90, 0x9f, 9);
      fill(0xa0, 0xbf, 7);
      fill(0xc0, 0xc1, 8);
      fill(0xc2, 0xdf, 2);
      fill(0xe0, 0xe0, 10);
      fill(0xe1, 0xec, 3);
      fill(0xed, 0xed, 4);
      fill(0xee, 0xef, 3);
      fill(0xf0, 0xf0, 11);
      fill(0xf1, 0xf3, 6);
      fill(0xf4, 0xf4, 5);
      fill(0xf5, 0xff, 8);
    }

    private static void fill(int from, int to, int type) {
      for (int b = from; b <= to; b++) {
        TYPES[b] = (byte) type;
      }
    }

    private int state = ACCEPT;

    void reset() {
      state = ACCEPT;
    }

    /** @return false once the bytes so far cannot begin valid UTF-8 */
    boolean feed(ByteBuf bytes, int from, int to) {
      int s = state;
      for (int i = from; i < to && s != REJECT; i++) {
        s = STATES[s + TYPES[bytes.getByte(i) & 0xff]];
      }
      state = s;
      return s != REJECT;
    }

    /** @return whether the bytes so far end on a whole character */
    boolean complete() {
      return state == ACCEPT;
    }
  }
}
