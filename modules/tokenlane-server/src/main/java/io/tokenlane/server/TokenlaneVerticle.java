package io.tokenlane.server;

import io.tokenlane.core.Gateway;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tokenlane as a verticle: starts the gateway and serves its HTTP API on the configured host and port, with one
 * HTTP server instance per event loop ({@code http.instances}). Deploy it in an existing Vert.x application with
 * {@code vertx.deployVerticle(new TokenlaneVerticle(config))}; undeploying it stops gracefully.
 */
public final class TokenlaneVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(TokenlaneVerticle.class.getName());

  private final TokenlaneConfig config;
  private final AtomicInteger actualPort = new AtomicInteger();
  private Tokenlane tokenlane;

  /**
   * Creates the verticle.
   *
   * @param config a checked configuration
   */
  public TokenlaneVerticle(TokenlaneConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    int instances = config.httpInstances() > 0 ? config.httpInstances() : Gateway.eventLoops(vertx);
    return loadTls().compose(tls -> Tokenlane.start(vertx, config))
      .compose(started -> {
        tokenlane = started;
        HttpServerOptions options = hardened(config, serverOptions(config));
        // Port 0 asks for a free port: as -1, all instances share the one Vert.x picks, instead of one each.
        int port = config.port() == 0 ? -1 : config.port();
        return vertx.deployVerticle(() -> new HttpServerVerticle(started, options, config.host(), port,
          actualPort::set, config.httpLimits()), new DeploymentOptions().setInstances(instances));
      })
      .onSuccess(servers -> warnIfOpen(config))
      .onSuccess(servers -> LOG.log(System.Logger.Level.INFO, "Tokenlane listening on "
        + (config.tlsCertPath() != null ? "https://" : "http://") + config.host() + ":"
        + actualPort.get() + " (" + instances + " HTTP server instances on " + Gateway.eventLoops(vertx)
        + " event loops) with models " + String.join(", ", config.gateway().getModels().keySet())))
      .recover(failure -> (tokenlane == null ? Future.<Void>succeededFuture() : tokenlane.close())
        .transform(ignored -> Future.failedFuture(failure)));
  }

  /** Anyone who reaches a port beyond this machine could spend the upstream keys: say so, loudly. */
  private static void warnIfOpen(TokenlaneConfig config) {
    if (config.auth().isRequired()) {
      LOG.log(System.Logger.Level.INFO, "authentication required: " + config.auth().keys().size() + " API keys"
        + (config.auth().jwt() != null ? ", JWT from " + config.auth().jwt().jwksUri() : ""));
      return;
    }
    String host = config.host();
    boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    if (!loopback) {
      LOG.log(System.Logger.Level.WARNING, "Tokenlane listens on " + host + " WITHOUT authentication: anyone who"
        + " reaches this port can use its models and spend their upstream API keys. Set TOKENLANE_API_KEY, or"
        + " configure auth.keys (java -jar tokenlane.jar keys create), or listen on 127.0.0.1 (docs/security.md).");
    }
  }

  private static HttpServerOptions serverOptions(TokenlaneConfig config) {
    // Messages over the limit are refused by the transport with 1009 and a reason; frames (pieces of a message)
    // get Netty's own, larger limit.
    int maxMessage = config.transport().getMaxFrameBytes();
    // Strict thread mode: the gateway writes to a connection only on that connection's event loop (transports,
    // followers, heartbeats and keep-alives all run there), so Vert.x writes straight to the channel instead of
    // through a cross-thread queue per connection: less CPU per write, about 5 KB less heap per connection.
    // No WebSocket compression: tokens are a few bytes (deflate buys nothing but CPU per frame), and without it no
    // extension handler sits in every connection's pipeline.
    return new HttpServerOptions().setCompressionSupported(false).setStrictThreadMode(true)
      .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false)
      .setMaxWebSocketFrameSize(Math.max(maxMessage, HttpServerOptions.DEFAULT_MAX_WEBSOCKET_FRAME_SIZE))
      .setMaxWebSocketMessageSize(maxMessage);
  }

  /**
   * The connection limits and TLS (docs/security.md), apart from the WebSocket settings above.
   *
   * <p>No HTTP/2 over cleartext: with it, Vert.x sets a connection up only once its first bytes tell HTTP/1.1 from
   * HTTP/2, so a client that sends nothing (or a byte at a time) would hold a connection no guard watches.
   */
  private static HttpServerOptions hardened(TokenlaneConfig config, HttpServerOptions options) {
    options.setHttp2ClearTextEnabled(false);
    // No Vert.x idle timeout: HttpGuard keeps http.idleTimeoutMs on the guards' timer, without a handler that
    // stamps every write and a timer per connection; a WebSocket's heartbeats watch it once upgraded.
    if (config.tlsCertPath() != null) {
      options.setSsl(true).setKeyCertOptions(pem(config));
    }
    return options;
  }

  private static PemKeyCertOptions pem(TokenlaneConfig config) {
    return new PemKeyCertOptions().setCertPath(config.tlsCertPath().toString())
      .setKeyPath(config.tlsKeyPath().toString());
  }

  /**
   * Loads the PEM pair once before anything starts (on a worker: it reads files): Vert.x listens with files that
   * are not PEM and fails each handshake instead, which would leave a gateway that looks up but serves nobody.
   */
  private Future<Void> loadTls() {
    if (config.tlsCertPath() == null) {
      return Future.succeededFuture();
    }
    PemKeyCertOptions pem = pem(config);
    return vertx.executeBlocking(() -> pem.getKeyManagerFactory(vertx)).<Void>mapEmpty()
      .recover(e -> Future.failedFuture(new ConfigurationException(List.of("http.tls: cannot load the key pair "
        + config.tlsCertPath() + " and " + config.tlsKeyPath() + " as PEM: " + e.getMessage()))));
  }

  /** @return the port the server listens on (useful with port 0) */
  public int actualPort() {
    return actualPort.get();
  }

  /** @return the running Tokenlane */
  public Tokenlane tokenlane() {
    return tokenlane;
  }

  /**
   * Graceful stop, what SIGTERM runs: readiness turns false and new streams get 503 at once, open streams get
   * the configured grace to finish (the rest end with a {@code shutting_down} error event), the providers are
   * undeployed, then this verticle.
   *
   * <p>A plain {@code vertx.undeploy} is not graceful: Vert.x undeploys the provider and HTTP server verticles
   * (this verticle's children) before {@link #stop()} runs, so open streams end at once with an
   * {@code upstream_unavailable} error event.
   *
   * @return completes once undeployed
   */
  public Future<Void> shutdown() {
    return tokenlane.close().eventually(() -> vertx.undeploy(deploymentID()));
  }

  @Override
  public Future<?> stop() {
    return tokenlane.close();
  }
}
