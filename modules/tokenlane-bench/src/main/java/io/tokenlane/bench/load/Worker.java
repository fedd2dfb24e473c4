package io.tokenlane.bench.load;

import io.tokenlane.bench.target.Endpoint;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;

/**
 * One event loop of the load generator with its own HTTP and WebSocket clients and its own recorder, so that
 * nothing is shared between loops while a run lasts. Connections opened from this loop stay on it.
 */
final class Worker {

  final Context context;
  final HttpClientAgent http;
  final WebSocketClient webSockets;
  /**
   * Fan-out followers: a connection of their own each, never one a prompt left in the pool, and closed with their
   * response, as every browser tab has its own. Their memory is then counted whole.
   */
  final HttpClientAgent followers;
  /** One per client group of the running closed loop (local and cross-member followers are two groups). */
  java.util.List<Recorder> recorders = java.util.List.of(new Recorder(0, 0));

  Worker(Vertx vertx, Context context, int maxConnections) {
    this.context = context;
    // A pooled connection is dropped after 5 s unused, as the OpenAI SDK's HTTP client (httpx) does: servers close
    // idle keep-alive connections (the gateway after http.headerTimeoutMs, 10 s; nginx after 75 s), and a request
    // sent on a connection the server is closing fails with "Connection was closed".
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setKeepAliveTimeout(5).setIdleTimeout(0),
      new PoolOptions().setHttp1MaxSize(maxConnections).setMaxWaitQueueSize(-1));
    this.followers = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setTcpNoDelay(true)
        .setIdleTimeout(0),
      new PoolOptions().setHttp1MaxSize(maxConnections).setMaxWaitQueueSize(-1));
    this.webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(maxConnections)
      .setTcpNoDelay(true));
  }

  StreamClient client(Clients kind) {
    Endpoint endpoint = kind.prompts();
    return switch (kind.path().transport()) {
      case OPENAI_SSE -> new OpenAiSseClient(http, endpoint, Prompt.openAi(kind.path()));
      case NATIVE_SSE -> new NativeSseClient(http, endpoint, kind.reads());
      case WEBSOCKET -> new WebSocketStreamClient(http, webSockets, endpoint);
      case LONG_POLL -> new LongPollClient(http, endpoint);
    };
  }
}
