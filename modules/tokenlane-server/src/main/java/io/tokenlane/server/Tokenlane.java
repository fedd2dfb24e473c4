package io.tokenlane.server;

import io.tokenlane.core.Gateway;
import io.tokenlane.core.plugin.PluginCatalog;
import io.tokenlane.core.session.SessionTokens;
import io.tokenlane.core.stream.StreamHub;
import io.tokenlane.transport.openai.OpenAiApi;
import io.tokenlane.transport.streams.StreamsApi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
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
  private final StreamHub hub;
  private final StreamsApi streams;

  private Tokenlane(Vertx vertx, TokenlaneConfig config, Gateway gateway, PluginCatalog catalog) {
    this.vertx = vertx;
    this.config = config;
    this.gateway = gateway;
    this.catalog = catalog;
    this.openAi = OpenAiApi.create(vertx, gateway, config.transport());
    this.hub = StreamHub.create(vertx, gateway, config.streams());
    byte[] secret = config.sessionSecret();
    if (secret.length == 0) {
      LOG.log(System.Logger.Level.INFO, "sessions.secret is not set: session tokens are signed with a random key"
        + " and valid on this instance only");
      secret = SessionTokens.randomSecret();
    }
    this.streams = StreamsApi.create(vertx, hub,
      new SessionTokens(secret, config.sessionTtlMs(), System::currentTimeMillis), config.transport());
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
    return vertx.executeBlocking(() -> loadPlugins(config))
      .compose(catalog -> Gateway.start(vertx, config.gateway(), catalog)
        .map(gateway -> new Tokenlane(vertx, config, gateway, catalog))
        .onFailure(e -> catalog.close()));
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
   * The HTTP API: {@code /livez}, {@code /readyz}, the native streaming protocol and the OpenAI-compatible API under
   * {@code /v1}, the JavaScript client at {@code /client/tokenlane.js} and the demo page at {@code /demo/}.
   *
   * @return a new router, to serve or to mount under a path
   */
  public Router router() {
    Router router = Router.router(vertx);
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
      ctx.json(new JsonObject().put("status", ready ? "UP" : "DOWN").put("activeStreams", gateway.activeStreams()));
    });
    router.route("/v1/*").subRouter(streams.router());
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
    return gateway.close(config.shutdownGraceMs()).eventually(() -> {
      streams.close();
      hub.close();
      catalog.close();
      return Future.succeededFuture();
    });
  }

  /** @return the native streams */
  public StreamHub streams() {
    return hub;
  }
}
