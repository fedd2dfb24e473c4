package io.tokenlane.spi;

import io.tokenlane.spi.internal.OutboundQueues;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

/**
 * The HTTP client a provider plugin talks to its upstream with: Vert.x's own client, as
 * {@code vertx.createHttpClient(options, pool)} builds it, with less memory per connection.
 *
 * <p>An open stream holds one upstream connection for as long as the model generates, so what a connection costs
 * is paid per open stream: each HTTP/1.x connection this client opens gets a small outbound queue instead of
 * Vert.x's 1,024-slot one (4 KB less heap per connection; the queue is otherwise the same: lock-free, unbounded).
 * HTTP/2 connections, and clients of a plugin deployed on worker threads (whose connect handler does not run on
 * the connection's event loop), keep Vert.x's. Everything else (pooling, TLS, proxies, HTTP/2, timeouts) is
 * Vert.x's, configured by {@code options} and {@code pool}.
 *
 * <p>Like any Vert.x client, create one per verticle instance in {@code start()} and close it in {@code stop()}:
 * its connections then live on that verticle's event loop, which is the loop its streams run on.
 *
 * @since 1.4
 */
public final class UpstreamHttp {

  private UpstreamHttp() {
  }

  /**
   * Builds a client.
   *
   * @param vertx the verticle's Vert.x instance
   * @param options the client's options
   * @param pool the connection pool's options
   * @return the client
   */
  public static HttpClientAgent client(Vertx vertx, HttpClientOptions options, PoolOptions pool) {
    return vertx.httpClientBuilder()
      .with(options)
      .with(pool)
      .withConnectHandler(OutboundQueues::trim)
      .build();
  }
}
