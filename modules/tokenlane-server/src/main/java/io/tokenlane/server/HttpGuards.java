package io.tokenlane.server;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.tokenlane.transport.http.ErrorBodies;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.HashSet;
import java.util.Set;

/**
 * The {@link HttpGuard}s of one HTTP server instance: installs one on each new connection, checks their deadlines
 * on one timer (not one per connection or per request), and refuses, before routing, what is malformed or too
 * large: a request head the decoder rejected (400, 414 or 431), an HTTP/1.1 request without a valid {@code Host}
 * (400) and a {@code content-length} over the body limit (413), each with a JSON error and the connection closed.
 * Called on the server instance's event loop.
 */
final class HttpGuards implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(HttpGuards.class.getName());

  private final Vertx vertx;
  private final HttpLimits limits;
  private final Set<HttpGuard> guards = new HashSet<>();
  private final long timer;

  HttpGuards(Vertx vertx, HttpLimits limits) {
    this.vertx = vertx;
    this.limits = limits;
    this.timer = vertx.setPeriodic(limits.checkIntervalMs(), id -> check());
  }

  HttpLimits limits() {
    return limits;
  }

  /**
   * Puts a guard in a new connection's pipeline, in front of Vert.x's handler.
   *
   * @param connection the connection, just opened
   */
  void install(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base) || base.channelHandlerContext().pipeline().get("handler") == null
      || base.channelHandlerContext().pipeline().get("httpDecoder") == null) {
      return;
    }
    HttpGuard guard = new HttpGuard(this, (ContextInternal) vertx.getOrCreateContext());
    base.channelHandlerContext().pipeline().addBefore("handler", HttpGuard.NAME, guard);
    guards.add(guard);
  }

  void remove(HttpGuard guard) {
    guards.remove(guard);
  }

  /**
   * Checks a request before it is routed, and tells its connection's guard that the application has it.
   *
   * @param request the request
   * @return whether to route it; else it was refused
   */
  boolean admit(HttpServerRequest request) {
    HttpGuard guard = guardOf(request.connection());
    if (guard != null) {
      guard.handed(request);
    }
    if (request.version() != HttpVersion.HTTP_1_0 && request.authority() == null) {
      refuse(guard, request, 400, "invalid_host_header", "An HTTP/1.1 request needs a valid Host header.");
      return false;
    }
    if (contentLength(request) > limits.maxBodyBytes()) {
      refuse(guard, request, 413, "request_too_large", "The request body is larger than the configured limit.");
      return false;
    }
    return true;
  }

  /**
   * Answers a request whose head the decoder rejected: a bad request line or header (400), a request line too
   * long (414), headers too large (431). Vert.x's default answers with an empty body; a client deserves to know.
   *
   * @param request the rejected request
   */
  void invalid(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    LOG.log(System.Logger.Level.DEBUG, () -> "invalid request head: " + cause);
    HttpGuard guard = guardOf(request.connection());
    if (guard != null) {
      guard.handed(request);
    }
    if (cause instanceof TooLongHttpLineException) {
      refuse(guard, request, 414, "uri_too_long", "The request line is longer than the server accepts.");
    } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
      refuse(guard, request, 431, "headers_too_large", "The request headers are larger than the server accepts.");
    } else {
      refuse(guard, request, 400, "invalid_request", "The request line or headers are not valid HTTP/1.1.");
    }
  }

  private static void refuse(HttpGuard guard, HttpServerRequest request, int status, String code, String message) {
    if (guard != null) {
      guard.refuse(status, code, message);
    } else {
      request.response().setStatusCode(status).putHeader("content-type", "application/json")
        .putHeader("connection", "close")
        .end(ErrorBodies.forPath(request.path(), status, code, message).encode())
        .onComplete(written -> request.connection().close());
    }
  }

  /** @return the request's content-length, 0 without one (the decoder already refused values that are not numbers) */
  private static long contentLength(HttpServerRequest request) {
    String length = request.getHeader("content-length");
    try {
      return length == null ? 0 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static HttpGuard guardOf(HttpConnection connection) {
    return connection instanceof ConnectionBase base
      ? (HttpGuard) base.channelHandlerContext().pipeline().get(HttpGuard.NAME) : null;
  }

  private void check() {
    if (guards.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    // A check may close a connection, which removes its guard from the set.
    for (HttpGuard guard : guards.toArray(new HttpGuard[0])) {
      guard.check(now);
    }
  }

  /** Stops the timer. */
  @Override
  public void close() {
    vertx.cancelTimer(timer);
  }
}
