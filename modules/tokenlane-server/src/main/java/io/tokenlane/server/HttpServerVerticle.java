package io.tokenlane.server;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.function.IntConsumer;

/**
 * One HTTP server instance in front of a shared {@link Tokenlane}. {@link TokenlaneVerticle} deploys one per event
 * loop on the same port: Vert.x hands each new connection to the next instance, so every core serves clients, and
 * a connection, the streams it opens and (with one provider verticle per loop) their upstream requests all stay on
 * that instance's event loop.
 */
final class HttpServerVerticle extends VerticleBase {

  private final Tokenlane tokenlane;
  private final HttpServerOptions options;
  private final String host;
  private final int port;
  private final IntConsumer listening;
  private final HttpLimits limits;
  private HttpGuards guards;
  private HttpServer server;

  /**
   * @param port the port; instances that share a negative port share one random port, as Vert.x does
   * @param listening told the port once this instance listens
   * @param limits the connection and request limits its guards enforce
   */
  HttpServerVerticle(Tokenlane tokenlane, HttpServerOptions options, String host, int port, IntConsumer listening,
                     HttpLimits limits) {
    this.tokenlane = tokenlane;
    this.options = options;
    this.host = host;
    this.port = port;
    this.listening = listening;
    this.limits = limits;
  }

  @Override
  public Future<?> start() {
    // A router per instance: routing state is not shared between event loops.
    Router router = tokenlane.router();
    guards = new HttpGuards(vertx, limits);
    server = vertx.createHttpServer(options)
      .connectionHandler(guards::install)
      .invalidRequestHandler(guards::invalid)
      .requestHandler(request -> {
        if (guards.admit(request)) {
          router.handle(request);
        }
      });
    return server.listen(port, host).onSuccess(listen -> listening.accept(listen.actualPort()));
  }

  @Override
  public Future<?> stop() {
    if (guards != null) {
      guards.close();
    }
    return server == null ? Future.succeededFuture() : server.close();
  }
}
