package io.tokenlane.transport;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The first handler of the gateway's router: every request gets a request id and, when it ends, one access-log line.
 *
 * <ul>
 *   <li>An inbound {@code X-Request-Id} is kept when it is 1 to 128 characters of {@code A-Z a-z 0-9 . _ : -};
 *   otherwise (absent, too long, other characters) a new one replaces it, so a client cannot inject text into logs.
 *   It is echoed on the response and available to handlers as {@link #requestId(RoutingContext)}.</li>
 *   <li>The access line, logger {@code io.tokenlane.access} at INFO: method, path (never the query string, which may
 *   hold a URL token), status, duration, bytes sent, the client's address, the request id and the user agent
 *   (bounded). A WebSocket handshake logs its 101 when upgraded.</li>
 * </ul>
 */
public final class AccessLog implements Handler<RoutingContext> {

  /** The header carrying the request id, in and out. */
  public static final String HEADER = "x-request-id";
  /** The logger of access lines. */
  public static final String LOGGER = "io.tokenlane.access";

  private static final String KEY = "tokenlane.requestId";
  private static final String ENABLED_KEY = "tokenlane.accessLog";
  private static final System.Logger LOG = System.getLogger(LOGGER);

  private final boolean enabled;

  /**
   * @param enabled whether to write access lines (request ids are handled either way)
   */
  public AccessLog(boolean enabled) {
    this.enabled = enabled;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String requestId = valid(request.getHeader(HEADER)) ? request.getHeader(HEADER) : newId();
    ctx.put(KEY, requestId);
    ctx.response().putHeader(HEADER, requestId);
    if (enabled && LOG.isLoggable(System.Logger.Level.INFO)) {
      long start = System.nanoTime();
      ctx.put(ENABLED_KEY, start);
      // Not called for a request upgraded to a WebSocket: the transport logs those (upgraded, connectionEnd).
      ctx.addEndHandler(done -> LOG.log(System.Logger.Level.INFO, () -> line(ctx, requestId, start)));
    }
    ctx.next();
  }

  /**
   * @param ctx a request routed through this handler
   * @return its request id, or {@code null} when it did not pass here
   */
  public static String requestId(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  /**
   * The access line of a connection that outlives its request (a WebSocket), taken while the request is at hand:
   * what it returns keeps the request id and whether the access log is on for it, not the request's routing context.
   *
   * @param ctx the request that opens the connection
   * @return logs the connection's end: what to log, then the request id
   */
  public static java.util.function.Consumer<java.util.function.Supplier<String>> connectionEnd(RoutingContext ctx) {
    if (ctx.get(ENABLED_KEY) == null) {
      return line -> { };
    }
    String requestId = requestId(ctx);
    return line -> {
      if (LOG.isLoggable(System.Logger.Level.INFO)) {
        LOG.log(System.Logger.Level.INFO, () -> line.get() + " requestId=" + requestId);
      }
    };
  }

  /**
   * Logs a request's upgrade to a WebSocket (its access line, status 101), when the access log is on for it.
   *
   * @param ctx the upgraded request
   */
  public static void upgraded(RoutingContext ctx) {
    if (ctx.get(ENABLED_KEY) instanceof Long start && LOG.isLoggable(System.Logger.Level.INFO)) {
      LOG.log(System.Logger.Level.INFO, () -> line(ctx, requestId(ctx), start));
    }
  }

  static boolean valid(String id) {
    if (id == null || id.isEmpty() || id.length() > 128) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':'
          || c == '-')) {
        return false;
      }
    }
    return true;
  }

  private static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }

  private static String line(RoutingContext ctx, String requestId, long startNanos) {
    HttpServerRequest request = ctx.request();
    String agent = request.getHeader("user-agent");
    return request.method() + " " + io.tokenlane.core.ClientValues.bounded(request.path())
      + " " + ctx.response().getStatusCode()
      + " " + (System.nanoTime() - startNanos) / 1_000_000 + "ms"
      + " " + ctx.response().bytesWritten() + "B"
      + " client=" + (request.remoteAddress() == null ? "-" : request.remoteAddress().hostAddress())
      + " requestId=" + requestId
      + " agent=\"" + (agent == null ? "-" : io.tokenlane.core.ClientValues.bounded(agent).replace('"', '\'')) + "\"";
  }
}
