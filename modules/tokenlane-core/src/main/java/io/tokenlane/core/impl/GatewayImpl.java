package io.tokenlane.core.impl;

import io.netty.util.concurrent.EventExecutor;
import io.tokenlane.core.Gateway;
import io.tokenlane.core.ClientValues;
import io.tokenlane.core.GatewayException;
import io.tokenlane.core.GatewayOptions;
import io.tokenlane.core.GatewayOptions.ModelOptions;
import io.tokenlane.core.GatewayOptions.ProviderOptions;
import io.tokenlane.core.RouteOptions;
import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.metrics.Meters;
import io.tokenlane.core.plugin.LoadedPlugin;
import io.tokenlane.core.plugin.PluginCatalog;
import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The gateway core behind {@link Gateway}.
 */
public final class GatewayImpl implements Gateway {

  private static final System.Logger LOG = System.getLogger(Gateway.class.getName());

  private final Vertx vertx;
  private final GatewayOptions options;
  private final SecretRedactor redactor = new SecretRedactor();
  private final Map<String, ProviderInstance> providers = new HashMap<>();
  private final List<String> deployments = new ArrayList<>();
  private final Set<StreamBridge> active = ConcurrentHashMap.newKeySet();
  private final List<ModelInfo> models;
  /** Each configured model's meters, resolved once: a stream looks its own up when it opens, never per token. */
  private final Map<String, Meters.ModelMeters> modelMeters = new HashMap<>();
  /** The models routed over several targets; a model served by one provider has no entry and no router. */
  private final Map<String, Route> routes = new HashMap<>();
  private final Promise<Void> drained = Promise.promise();
  private volatile boolean ready;
  private volatile boolean closing;
  private volatile long routeLoadTimer = -1;

  private GatewayImpl(Vertx vertx, GatewayOptions options, Meters meters) {
    this.vertx = vertx;
    this.options = options;
    for (ModelOptions model : options.getModels().values()) {
      if (model.route() == null) {
        modelMeters.put(model.name(), meters.model(model.name(), model.provider()));
        continue;
      }
      modelMeters.put(model.name(), meters.routedModel(model.name()));
      List<RouteOptions.Target> targets = model.route().targets();
      Meters.UpstreamMeters[] upstream = new Meters.UpstreamMeters[targets.size()];
      for (int i = 0; i < upstream.length; i++) {
        upstream[i] = meters.upstream(model.name(), targets.get(i).provider());
      }
      routes.put(model.name(), new Route(new Router(model.name(), model.route(),
        () -> System.nanoTime() / 1_000_000, () -> ThreadLocalRandom.current().nextDouble()), upstream));
    }
    meters.gauge(Meters.STREAMS_ACTIVE, active::size);
    this.models = options.getModels().values().stream()
      .map(model -> new ModelInfo(model.name(), model.provider(), model.description()))
      .toList();
  }

  /**
   * Deploys the providers; see {@link Gateway#start}.
   *
   * @param vertx the Vert.x instance
   * @param options validated options
   * @param catalog the plugins
   * @param meters where the meters go
   * @return the running gateway
   */
  public static Future<Gateway> start(Vertx vertx, GatewayOptions options, PluginCatalog catalog, Meters meters) {
    GatewayImpl gateway = new GatewayImpl(vertx, options, meters);
    List<Future<?>> started = new ArrayList<>();
    for (ProviderOptions provider : options.getProviders().values()) {
      started.add(gateway.deploy(provider, catalog));
    }
    return Future.join(started)
      .<Gateway>map(all -> {
        gateway.ready = true;
        return gateway;
      })
      .recover(failure -> gateway.undeployAll().transform(ignored -> Future.failedFuture(failure)));
  }

  private Future<Void> deploy(ProviderOptions provider, PluginCatalog catalog) {
    LoadedPlugin plugin = catalog.plugin(provider.type()).orElse(null);
    if (plugin == null) {
      return Future.failedFuture("provider '" + provider.name() + "': no plugin '" + provider.type() + "'");
    }
    ProviderFactory factory = plugin.factory();
    ThreadingModel threading = threadingOf(factory);
    int instances = provider.instances() > 0 ? provider.instances()
      : threading == ThreadingModel.EVENT_LOOP ? eventLoops(vertx) : 1;
    List<ProviderVerticle> verticles = new ArrayList<>();
    List<Future<Thread>> deployed = new ArrayList<>();
    // The plugin's class loader as context class loader, so libraries a plugin bundles can find its resources.
    DeploymentOptions deployment = new DeploymentOptions().setClassLoader(factory.getClass().getClassLoader())
      .setThreadingModel(threading);
    try {
      redactor.addSecrets(factory.configSchema(), provider.config());
      for (int i = 0; i < instances; i++) {
        ProviderVerticle verticle = factory.create(ProviderContext.of(provider.name(), provider.config()));
        verticles.add(verticle);
        deployed.add(vertx.deployVerticle(verticle, deployment)
          .onSuccess(this::recordDeployment)
          .compose(id -> threading == ThreadingModel.EVENT_LOOP ? threadOf(verticle) : Future.succeededFuture()));
      }
    } catch (RuntimeException e) {
      deployed.add(Future.failedFuture(e));
    }
    return Future.join(deployed)
      .<Void>map(all -> {
        Map<Thread, ProviderVerticle> byEventLoop = new HashMap<>();
        for (int i = 0; i < verticles.size(); i++) {
          Thread thread = all.resultAt(i);
          if (thread != null) {
            byEventLoop.putIfAbsent(thread, verticles.get(i));
          }
        }
        ProviderInstance instance = new ProviderInstance(provider.name(), verticles, byEventLoop);
        synchronized (providers) {
          providers.put(provider.name(), instance);
        }
        LOG.log(System.Logger.Level.INFO, "provider " + provider.name() + " (plugin " + factory.id() + " from "
          + plugin.source() + ") deployed, " + instances + " instance(s)" + (threading == ThreadingModel.EVENT_LOOP
          ? " on " + instance.eventLoops() + " of " + eventLoops(vertx) + " event loops" : ", " + threading));
        return null;
      })
      // No cause attached: its message, from the plugin, could hold a secret the redactor does not know about.
      .recover(e -> Future.failedFuture(new IllegalStateException("provider '" + provider.name() + "' (plugin "
        + factory.id() + ") failed to start: " + redactor.redact(String.valueOf(e.getMessage())))));
  }

  private static ThreadingModel threadingOf(ProviderFactory factory) {
    try {
      ThreadingModel model = factory.threadingModel();
      return model == ThreadingModel.WORKER ? ThreadingModel.WORKER : ThreadingModel.EVENT_LOOP;
    } catch (AbstractMethodError e) {
      // Not possible with a 1.0 plugin (the method is a default one), but a plugin compiled oddly must not stop us.
      return ThreadingModel.EVENT_LOOP;
    }
  }

  /** The event-loop thread a verticle was deployed on, as seen from inside its context. */
  private static Future<Thread> threadOf(ProviderVerticle verticle) {
    Promise<Thread> thread = Promise.promise();
    verticle.providerContext().runOnContext(v -> thread.complete(Thread.currentThread()));
    return thread.future();
  }

  /**
   * The number of event loops of a Vert.x instance: one provider verticle per loop lets every stream stay on its
   * client's loop.
   *
   * @param vertx the instance
   * @return its event-loop count
   */
  public static int eventLoops(Vertx vertx) {
    if (vertx instanceof VertxInternal internal) {
      int count = 0;
      for (EventExecutor ignored : internal.nettyEventLoopGroup()) {
        count++;
      }
      return count;
    }
    return VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
  }

  private synchronized void recordDeployment(String id) {
    deployments.add(id);
  }

  @Override
  public List<ModelInfo> models() {
    return models;
  }

  @Override
  public ActiveStream open(JsonObject body, String streamId, StreamObserver observer, StreamLabels labels) {
    if (closing) {
      throw shuttingDown();
    }
    Object model = body.getValue("model");
    ModelOptions route = model instanceof String name ? options.getModels().get(name) : null;
    if (route == null) {
      throw new GatewayException(404, "invalid_request_error", "model_not_found", "model",
        "The model " + ClientValues.quote(model) + " does not exist. GET /v1/models lists the available models.");
    }
    Route routed = routes.get(route.name());
    if (routed != null) {
      return openRouted(route.name(), routed, body, streamId, observer, labels);
    }
    return launch(route.name(), route.provider(), route.upstreamModel(), body, streamId, observer, labels,
      modelMeters.get(route.name()).open(), null, 0);
  }

  /** A stream of a model with several targets: attempts, each launched like a stream of one provider. */
  private ActiveStream openRouted(String model, Route routed, JsonObject body, String streamId,
                                  StreamObserver observer, StreamLabels labels) {
    RoutedStream stream = new RoutedStream(streamId, routed.router(), modelMeters.get(model), routed.upstream(),
      new RoutedStream.Launcher() {
        @Override
        public StreamBridge launch(RouteOptions.Target target, Meters.StreamMeter meter,
                                   StreamBridge.Failover failover, int attempt) {
          return GatewayImpl.this.launch(model, target.provider(), target.upstreamModel(), body, streamId, observer,
            labels, meter, failover, attempt);
        }

        @Override
        public boolean closing() {
          return closing;
        }
      });
    stream.start();
    return stream;
  }

  /** Starts a stream (or one attempt of a routed one) on a verticle of the provider, on this event loop if it can. */
  private StreamBridge launch(String model, String providerName, String upstreamModel, JsonObject body,
                              String streamId, StreamObserver observer, StreamLabels labels, Meters.StreamMeter meter,
                              StreamBridge.Failover failover, int attempt) {
    ProviderInstance provider;
    synchronized (providers) {
      provider = providers.get(providerName);
    }
    ProviderInstance.Pick pick = provider.pick();
    ProviderVerticle verticle = pick.verticle();
    // A shallow copy: the nested messages are shared, never changed, and not copied on the way upstream.
    JsonObject upstreamBody = new JsonObject(new LinkedHashMap<>(body.getMap())).put("model", upstreamModel);
    // The client's X-Request-Id goes upstream, so one id follows the request through every log; else the stream id.
    ChatRequest request = ChatRequest.adopt(upstreamBody, labels.requestId() == null ? streamId : labels.requestId());
    StreamBridge bridge = new StreamBridge(streamId, vertx.getOrCreateContext(), verticle.providerContext(),
      pick.sameThread(), observer, redactor, this::ended, meter);
    bridge.labels(model, providerName, labels);
    bridge.promptEstimate(io.tokenlane.core.auth.Admissions.estimatePromptTokens(body));
    if (failover != null) {
      bridge.failover(failover, attempt);
    }
    active.add(bridge);
    if (closing) {
      // close() started between the first check and the add: it may have seen no stream and begun undeploying.
      ended(bridge);
      throw shuttingDown();
    }
    bridge.start(verticle, request);
    return bridge;
  }

  /** A routed model's router and the upstream meters of its targets, by target index. */
  private record Route(Router router, Meters.UpstreamMeters[] upstream) {
  }

  private static GatewayException shuttingDown() {
    return new GatewayException(503, "server_error", "shutting_down", null,
      "the gateway is shutting down; retry on another instance");
  }

  private void ended(StreamBridge bridge) {
    active.remove(bridge);
    if (closing && active.isEmpty()) {
      drained.tryComplete();
    }
  }

  @Override
  public void shareRouteLoad(StreamDirectory directory, long periodMs) {
    Map<String, Router> leastBusy = new HashMap<>();
    routes.forEach((model, route) -> {
      if (route.router().options().strategy() == RouteOptions.Strategy.LEAST_BUSY) {
        leastBusy.put(model, route.router());
      }
    });
    if (directory.clustered() && !leastBusy.isEmpty()) {
      // A member that left stops counting at once (only live members are read); one alive that stops publishing
      // (stuck, or partitioned away) after ten periods. Fewer let a busy member's counts lapse between two of its
      // publications when its event loop runs late, and the others would route to the target it keeps busy.
      routeLoadTimer = vertx.setPeriodic(periodMs, timer -> exchangeRouteLoad(directory, leastBusy, 10 * periodMs));
    }
  }

  /** One exchange: this member's streams in flight per target out, the other members' sums in. */
  private static void exchangeRouteLoad(StreamDirectory directory, Map<String, Router> routers, long ttlMs) {
    Map<String, Integer> mine = new HashMap<>();
    routers.forEach((model, router) -> router.targets()
      .forEach(target -> mine.put(model + "#" + target.index, target.inFlight.get())));
    directory.shareRouteLoad(mine, ttlMs)
      .onSuccess(others -> routers.forEach((model, router) -> router.targets()
        .forEach(target -> target.elsewhere = others.getOrDefault(model + "#" + target.index, 0))))
      .onFailure(e -> LOG.log(System.Logger.Level.DEBUG, "route load exchange failed: " + e.getMessage()));
  }

  @Override
  public boolean isReady() {
    return ready && !closing;
  }

  @Override
  public int activeStreams() {
    return active.size();
  }

  @Override
  public Future<Void> close(long graceMs) {
    if (closing) {
      return drained.future().compose(v -> undeployAll());
    }
    closing = true;
    vertx.cancelTimer(routeLoadTimer);
    if (active.isEmpty()) {
      drained.tryComplete();
    }
    long timer = vertx.setTimer(Math.max(1, graceMs), t -> {
      ProviderError error = new ProviderError("shutting_down", "the gateway is shutting down", 503);
      for (StreamBridge bridge : List.copyOf(active)) {
        bridge.abortFromAnyThread(StreamEnd.failed(error));
      }
    });
    return drained.future()
      .eventually(() -> {
        vertx.cancelTimer(timer);
        return Future.succeededFuture();
      })
      .compose(v -> undeployAll());
  }

  private Future<Void> undeployAll() {
    List<String> ids;
    synchronized (this) {
      ids = List.copyOf(deployments);
      deployments.clear();
    }
    List<Future<Void>> undeployed = new ArrayList<>();
    for (String id : ids) {
      // A provider deployed from a verticle is its child: undeploying that verticle already undeployed it.
      if (vertx.deploymentIDs().contains(id)) {
        // ...and may do so while this undeploy runs: a deployment gone either way is what was asked.
        undeployed.add(vertx.undeploy(id)
          .recover(e -> vertx.deploymentIDs().contains(id) ? Future.failedFuture(e) : Future.succeededFuture()));
      }
    }
    ready = false;
    return Future.join(undeployed).mapEmpty();
  }
}
