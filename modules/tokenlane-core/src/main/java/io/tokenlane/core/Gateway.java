package io.tokenlane.core;

import io.tokenlane.core.impl.GatewayImpl;
import io.tokenlane.core.metrics.Meters;
import io.tokenlane.core.plugin.PluginCatalog;
import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.StreamObserver;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The gateway core: deployed provider plugins and the routing of public model names to them. Transports open
 * streams through it and never see a provider.
 */
public interface Gateway {

  /**
   * Deploys every configured provider and returns once all are deployed.
   *
   * @param vertx the Vert.x instance
   * @param options validated options ({@link GatewayOptions#validatePlugins} returned no problem)
   * @param catalog the plugins the options refer to
   * @return the running gateway, or the first deployment failure (the providers deployed so far are undeployed)
   */
  static Future<Gateway> start(Vertx vertx, GatewayOptions options, PluginCatalog catalog) {
    return GatewayImpl.start(vertx, options, catalog, Meters.none());
  }

  /**
   * Deploys every configured provider and returns once all are deployed; its streams are metered.
   *
   * @param vertx the Vert.x instance
   * @param options validated options ({@link GatewayOptions#validatePlugins} returned no problem)
   * @param catalog the plugins the options refer to
   * @param meters where the streams' and upstream requests' meters go
   * @return the running gateway, or the first deployment failure (the providers deployed so far are undeployed)
   */
  static Future<Gateway> start(Vertx vertx, GatewayOptions options, PluginCatalog catalog, Meters meters) {
    return GatewayImpl.start(vertx, options, catalog, meters);
  }

  /**
   * How many event loops a Vert.x instance has: the default number of HTTP server and provider verticle
   * instances, one per loop.
   *
   * @param vertx the Vert.x instance
   * @return its event-loop count
   */
  static int eventLoops(Vertx vertx) {
    return GatewayImpl.eventLoops(vertx);
  }

  /**
   * A public model.
   *
   * @param id the public name
   * @param provider the provider instance serving it
   * @param description a human description
   */
  record ModelInfo(String id, String provider, String description) {
  }

  /** @return the public models, in configuration order */
  List<ModelInfo> models();

  /**
   * Opens a stream: routes the model, and runs the prompt on one of the provider's verticles.
   *
   * <p>Call on an event loop: the observer is called back on that event loop's context.
   *
   * @param body a chat-completions body whose {@code model} is a public model name and whose {@code messages}
   *     is a non-empty array
   * @param streamId the gateway's id for the stream
   * @param observer where the stream goes
   * @return the stream, to cancel it
   * @throws GatewayException with 404 {@code model_not_found} for an unknown model, 503 while shutting down
   */
  default ActiveStream open(JsonObject body, String streamId, StreamObserver observer) {
    return open(body, streamId, observer, StreamLabels.NONE);
  }

  /**
   * Opens a stream, with what its end-of-stream log line names besides the model and provider.
   *
   * @param body as {@link #open(JsonObject, String, StreamObserver)}
   * @param streamId the gateway's id for the stream
   * @param observer where the stream goes
   * @param labels the transport, request id and session the stream's log line names
   * @return the stream, to cancel it
   */
  ActiveStream open(JsonObject body, String streamId, StreamObserver observer, StreamLabels labels);

  /**
   * What a stream's end-of-stream log line names besides the model and provider (logger {@code io.tokenlane.streams}).
   *
   * @param transport {@code openai} or {@code native} (a native stream may be read over several transports)
   * @param requestId the {@code X-Request-Id} of the HTTP request (or WebSocket upgrade) that carried the prompt, or
   *     {@code null}: sent upstream as the request's id (the stream id when {@code null}) and logged
   * @param sessionId the native session, or {@code null}
   */
  record StreamLabels(String transport, String requestId, String sessionId) {
    /** Nothing known. */
    public static final StreamLabels NONE = new StreamLabels("-", null, null);
  }

  /**
   * Lets least-busy routing count the streams in flight on the other members of a cluster: every
   * {@code periodMs} this member's counts per target are published through the directory and the others' read
   * back. Does nothing unless the directory is clustered and a model routes least-busy.
   *
   * @param directory the cluster's directory
   * @param periodMs how often counts are exchanged
   */
  default void shareRouteLoad(io.tokenlane.core.cluster.StreamDirectory directory, long periodMs) {
  }

  /** @return whether every provider is deployed and the gateway is not draining */
  boolean isReady();

  /** @return how many streams are open */
  int activeStreams();

  /**
   * Stops accepting streams ({@link #open} answers 503 and {@link #isReady} turns false), waits up to
   * {@code graceMs} for open streams to end, cancels the rest (their clients receive an error end with code
   * {@code shutting_down}), then undeploys the providers.
   *
   * @param graceMs how long open streams may take to finish
   * @return completes once the providers are undeployed
   */
  Future<Void> close(long graceMs);
}
