package io.tokenlane.server;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenlane.cluster.HazelcastDirectory;
import io.tokenlane.core.Gateway;
import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.metrics.EventLoopDelay;
import io.tokenlane.core.metrics.Meters;
import io.tokenlane.core.plugin.PluginCatalog;
import io.tokenlane.core.session.SessionTokens;
import io.tokenlane.core.stream.StreamHub;
import io.tokenlane.transport.AccessLog;
import io.tokenlane.transport.auth.Access;
import io.tokenlane.transport.anthropic.MessagesApi;
import io.tokenlane.transport.openai.OpenAiApi;
import io.tokenlane.transport.responses.ResponsesApi;
import io.tokenlane.transport.streams.StreamsApi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.impl.MicrometerMetrics;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A running Tokenlane inside a Vert.x application: the gateway core with its providers deployed, and a router
 * that serves its HTTP API. {@link TokenlaneVerticle} puts it behind its own HTTP server; an application with
 * a server of its own mounts {@link #router()} under a path instead:
 *
 * <pre>{@code
 * Tokenlane.start(vertx, config).onSuccess(tokenlane ->
 *   appRouter.route("/llm/*").subRouter(tokenlane.router()));
 * }</pre>
 */
public final class Tokenlane {

  private static final System.Logger LOG = System.getLogger(Tokenlane.class.getName());

  private final Vertx vertx;
  private final TokenlaneConfig config;
  private final Gateway gateway;
  private final PluginCatalog catalog;
  private final OpenAiApi openAi;
  private final ResponsesApi responses;
  private final MessagesApi messages;
  private final StreamHub hub;
  private final StreamsApi streams;
  private final StreamDirectory directory;
  private final Rebalancer rebalancer;
  private final Access access;
  private final Meters meters;
  /** The event loops' delay, while metrics are on; else {@code null}. */
  private final EventLoopDelay loopDelay;

  private Tokenlane(Vertx vertx, TokenlaneConfig config, Gateway gateway, PluginCatalog catalog,
                    StreamDirectory directory, byte[] secret, Meters meters) {
    this.vertx = vertx;
    this.meters = meters;
    this.config = config;
    this.gateway = gateway;
    this.catalog = catalog;
    this.directory = directory;
    this.access = Access.create(vertx, config.auth(), directory);
    this.openAi = OpenAiApi.create(vertx, gateway, config.transport(), access);
    this.responses = ResponsesApi.create(vertx, gateway, config.transport(), access);
    this.messages = MessagesApi.create(vertx, gateway, config.transport(), access);
    this.hub = StreamHub.create(vertx, gateway, config.streams(), directory, meters);
    // A prompt re-issued here after its member was lost counts against the same principal.
    hub.readmitWith(access::readmit);
    this.streams = StreamsApi.create(vertx, hub,
      new SessionTokens(secret, config.sessionTtlMs(), config.urlTokenTtlMs(), System::currentTimeMillis),
      config.transport(), access);
    // Least-busy routing counts the whole cluster's streams in flight (docs/configuration.md, "Routing").
    gateway.shareRouteLoad(directory, io.tokenlane.core.RouteOptions.LOAD_SHARE_PERIOD_MS);
    this.rebalancer = directory instanceof HazelcastDirectory cluster
      ? new Rebalancer(vertx, cluster, streams, config.cluster()) : null;
    // Gauges read on scrape, from the scraping thread: each reads a concurrent set's size, nothing blocks.
    meters.connections(Meters.WEBSOCKET, () -> streams.openConnections(Meters.WEBSOCKET));
    meters.connections(Meters.SSE, () -> streams.openConnections(Meters.SSE));
    meters.connections(Meters.LONG_POLLING, () -> streams.openConnections(Meters.LONG_POLLING));
    meters.connections(Meters.OPENAI_SSE, openAi::openConnections);
    meters.connections(Meters.RESPONSES_SSE, responses::openConnections);
    meters.connections(Meters.MESSAGES_SSE, messages::openConnections);
    meters.gauge(Meters.CLUSTER_MEMBERS, () -> directory instanceof HazelcastDirectory cluster
      ? cluster.status().getInteger("members", 1) : 1);
    this.loopDelay = config.metricsEnabled()
      ? new EventLoopDelay(vertx, meters, EventLoopDelay.DEFAULT_PERIOD) : null;
  }

  /**
   * Loads the plugins (on a worker thread: it reads the plugins directory), checks every provider's
   * configuration against its plugin, and deploys the providers.
   *
   * @param vertx the Vert.x instance
   * @param config a checked configuration
   * @return the running Tokenlane, or a failure listing every problem
   */
  public static Future<Tokenlane> start(Vertx vertx, TokenlaneConfig config) {
    Meters meters = meters(vertx, config);
    return vertx.executeBlocking(() -> loadPlugins(config))
      .compose(catalog -> Gateway.start(vertx, config.gateway(), catalog, meters)
        .map(gateway -> config.logPrompts() ? new io.tokenlane.server.logging.PromptLog(gateway) : gateway)
        .compose(gateway -> directory(vertx, config)
          .compose(directory -> secret(config, directory)
            .map(secret -> new Tokenlane(vertx, config, gateway, catalog, directory, secret, meters)))
          .onFailure(e -> gateway.close(0)))
        .onFailure(e -> catalog.close()))
      .onFailure(e -> meters.close());
  }

  /**
   * The gateway's meters: in the Prometheus registry of the Vert.x instance's own metrics when it has them (the
   * standalone server: {@link Main#vertxOptions}), so that one scrape gives both; else in a registry of this
   * Tokenlane's (an embedding application's Vert.x without metrics).
   */
  private static Meters meters(Vertx vertx, TokenlaneConfig config) {
    if (!config.metricsEnabled()) {
      return Meters.none();
    }
    if (((VertxInternal) vertx).metrics() instanceof MicrometerMetrics metrics
        && metrics.registry() instanceof PrometheusMeterRegistry registry) {
      return new Meters(registry);
    }
    return new Meters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** On a clustered Vert.x, the cluster's directory; else this node's, in memory. */
  private static Future<StreamDirectory> directory(Vertx vertx, TokenlaneConfig config) {
    if (vertx.isClustered() && ((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager manager) {
      return HazelcastDirectory.start(vertx, manager, config.cluster(), config.streams()).map(d -> d);
    }
    return Future.succeededFuture(StreamDirectory.local());
  }

  /** The configured secret; else one shared by the cluster's members; else a random one for this instance. */
  private static Future<byte[]> secret(TokenlaneConfig config, StreamDirectory directory) {
    byte[] configured = config.sessionSecret();
    if (configured.length > 0) {
      return Future.succeededFuture(configured);
    }
    if (directory instanceof HazelcastDirectory cluster) {
      return cluster.sharedSecret(SessionTokens.randomSecret());
    }
    LOG.log(System.Logger.Level.INFO, "sessions.secret is not set: session tokens are signed with a random key"
      + " and valid on this instance only");
    return Future.succeededFuture(SessionTokens.randomSecret());
  }

  /**
   * Discovers the plugins and checks the providers against them. Blocking (reads the file system).
   *
   * @param config the configuration
   * @return the catalog
   * @throws ConfigurationException listing every problem
   */
  static PluginCatalog loadPlugins(TokenlaneConfig config) {
    PluginCatalog catalog = PluginCatalog.load(Tokenlane.class.getClassLoader(),
      Path.of(config.gateway().getPluginsDirectory()));
    List<String> problems = new ArrayList<>(catalog.problems());
    problems.addAll(config.gateway().validatePlugins(catalog));
    if (!problems.isEmpty()) {
      catalog.close();
      throw new ConfigurationException(problems);
    }
    return catalog;
  }

  /**
   * The HTTP API: {@code /livez}, {@code /readyz}, {@code /metrics} (Prometheus; path and switch in the
   * {@code metrics} section), the native streaming protocol, the OpenAI-compatible API (chat completions and
   * Responses) and Anthropic's Messages API under {@code /v1}, the JavaScript client at
   * {@code /client/tokenlane.js} and the demo page at {@code /demo/}.
   *
   * @return a new router, to serve or to mount under a path
   */
  public Router router() {
    Router router = Router.router(vertx);
    // A request id for every request (kept from X-Request-Id when valid), and its access-log line.
    router.route().handler(new AccessLog(config.accessLog()));
    // Browser safety (docs/security.md): first, so that a page of a foreign origin is refused before a
    // WebSocket upgrade or any side effect, and CORS preflights are answered before any credential check.
    router.route("/v1/*").handler(config.browser());
    router.route("/client/*").handler(config.browser());
    router.get("/").handler(ctx -> ctx.redirect("demo/"));
    router.get("/client/*").handler(StaticHandler.create("META-INF/tokenlane/client")
      .setCachingEnabled(false).setDirectoryListing(false));
    // "/demo" also matches "/demo/": only the path without the slash is redirected (relative, so it works mounted).
    router.get("/demo").handler(ctx -> {
      if (ctx.request().path().endsWith("/")) {
        ctx.next();
      } else {
        ctx.redirect("demo/");
      }
    });
    router.get("/demo/*").handler(StaticHandler.create("META-INF/tokenlane/demo")
      .setCachingEnabled(false).setDirectoryListing(false));
    router.get("/livez").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/readyz").handler(ctx -> {
      boolean ready = gateway.isReady();
      ctx.response().setStatusCode(ready ? 200 : 503);
      JsonObject status = new JsonObject().put("status", ready ? "UP" : "DOWN")
        .put("activeStreams", gateway.activeStreams()).put("openConnections", streams.openConnections());
      if (directory instanceof HazelcastDirectory cluster) {
        status.put("cluster", cluster.status());
      }
      ctx.json(status);
    });
    if (config.metricsEnabled() && meters.registry() instanceof PrometheusMeterRegistry registry) {
      router.get(config.metricsPath()).handler(PrometheusScrapingHandler.create(registry));
    }
    router.route("/v1/*").subRouter(streams.router());
    router.route("/v1/*").subRouter(responses.router());
    router.route("/v1/*").subRouter(messages.router());
    // Last: a request no router serves gets the status of the last one's miss (404 or 405), as before.
    router.route("/v1/*").subRouter(openAi.router());
    OpenAiApi.installErrorHandlers(router);
    return router;
  }

  /** @return the gateway core */
  public Gateway gateway() {
    return gateway;
  }

  /** @return the configuration */
  public TokenlaneConfig config() {
    return config;
  }

  /**
   * Stops: new streams are refused, open ones get the configured grace to finish, then providers are undeployed
   * and plugin class loaders closed.
   *
   * @return completes when stopped
   */
  public Future<Void> close() {
    openAi.close();
    responses.close();
    messages.close();
    if (rebalancer != null) {
      rebalancer.close();
    }
    if (directory.clustered()) {
      // Other members serve this member's clients while its streams finish: they resume there from mirrors.
      streams.drain();
    } else {
      // Open connections carry on through the grace; nothing new starts here.
      streams.refuseNew();
    }
    access.close();
    return gateway.close(config.shutdownGraceMs()).eventually(() -> {
      streams.close();
      hub.close();
      return directory.close();
    }).eventually(() -> {
      catalog.close();
      if (loopDelay != null) {
        loopDelay.close();
      }
      meters.close();
      return Future.succeededFuture();
    });
  }

  /** @return the native streams */
  public StreamHub streams() {
    return hub;
  }
}
