package io.tokenlane.spi;

import io.vertx.core.Context;
import io.vertx.core.VerticleBase;

/**
 * A verticle that talks to one upstream LLM service and turns each prompt into a stream of chunks.
 *
 * <p>The gateway deploys it, then calls {@link #stream} on this verticle's event loop once per prompt. A
 * plugin sets up its HTTP clients in {@link #start()} and may deploy helper verticles there. On shutdown the
 * gateway first ends or cancels every stream it opened (each gets {@link ProviderStream#cancel()}), then
 * undeploys the verticle: {@link #stop()} runs after the last stream, and no {@code stream} call follows it. A
 * plugin that is undeployed with streams still open (another host) should fail them with
 * {@link ProviderError#UNAVAILABLE} in {@code stop()}.
 *
 * <p>"This verticle's event loop" means the thread, not the {@link Context} object: Vert.x 5 runs timer and
 * HTTP client callbacks on duplicates of the verticle's context, on the same thread, and calling the sink from
 * those is correct.
 *
 * @since 1.0
 */
public abstract class ProviderVerticle extends VerticleBase {

  /**
   * Starts one streaming completion. Called on this verticle's event loop; must not block.
   *
   * <p>The plugin reports what the upstream produces through {@code sink}, always from this event loop, and
   * finishes with exactly one of {@link StreamSink#end} or {@link StreamSink#fail}. An exception thrown from
   * here is reported to the client as an {@code upstream_error}.
   *
   * @param request the prompt, with {@link ChatRequest#model()} already mapped to the upstream's model name
   * @param sink where the chunks go
   * @return a handle the gateway calls, on this event loop, to abort the stream (client cancel or disconnect);
   *     after it is called the plugin closes the upstream request and reports nothing more. Never {@code null},
   *     even for a stream that failed at once (return {@code () -> { }})
   */
  public abstract ProviderStream stream(ChatRequest request, StreamSink sink);

  /**
   * The context this verticle was deployed on; the gateway runs {@link #stream} and
   * {@link ProviderStream#cancel()} on it. Valid once deployed.
   *
   * @return the deployment context
   */
  public final Context providerContext() {
    return context;
  }
}
