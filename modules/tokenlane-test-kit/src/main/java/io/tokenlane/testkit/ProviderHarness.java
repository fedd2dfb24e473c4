package io.tokenlane.testkit;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * Hosts one provider plugin the way the gateway does, without the rest of the gateway: checks the SPI version,
 * validates the configuration against the plugin's schema, deploys the verticle, and runs prompts on the
 * verticle's event loop with a {@link RecordedStream} as the sink.
 *
 * <pre>{@code
 * ProviderHarness.deploy(vertx, new MyFactory(), new JsonObject().put("baseUrl", upstream.baseUrl()))
 *   .compose(harness -> harness.run(ProviderHarness.prompt("my-model", "Hello")))
 *   .onSuccess(stream -> assertEquals("Hi there", stream.text()));
 * }</pre>
 *
 * @since 1.0
 */
public final class ProviderHarness {

  private final Vertx vertx;
  private final ProviderVerticle verticle;
  private final String deploymentId;

  private ProviderHarness(Vertx vertx, ProviderVerticle verticle, String deploymentId) {
    this.vertx = vertx;
    this.verticle = verticle;
    this.deploymentId = deploymentId;
  }

  /**
   * Validates {@code config}, creates the plugin's verticle and deploys it.
   *
   * @param vertx the Vert.x instance to deploy on
   * @param factory the plugin's factory
   * @param config the instance configuration, as a user would write it
   * @return the harness, or a failure listing every configuration problem or the SPI mismatch
   */
  public static Future<ProviderHarness> deploy(Vertx vertx, ProviderFactory factory, JsonObject config) {
    if (!SpiVersion.isCompatible(factory.spiVersion(), SpiVersion.CURRENT)) {
      return Future.failedFuture(new IllegalStateException("plugin " + factory.id() + " targets SPI "
        + factory.spiVersion() + ", this kit speaks " + SpiVersion.CURRENT));
    }
    ConfigSchema.Validation validation = factory.configSchema().validate(config);
    if (!validation.isValid()) {
      return Future.failedFuture(new IllegalArgumentException("invalid configuration for " + factory.id()
        + ": " + String.join("; ", validation.problems())));
    }
    ProviderVerticle verticle = factory.create(ProviderContext.of("test-" + factory.id(), validation.config()));
    return vertx.deployVerticle(verticle).map(id -> new ProviderHarness(vertx, verticle, id));
  }

  /**
   * A one-message user prompt.
   *
   * @param model the upstream model name
   * @param userText the user's message
   * @return the request
   */
  public static ChatRequest prompt(String model, String userText) {
    return prompt(new JsonObject()
      .put("model", model)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", userText))));
  }

  /**
   * A prompt from a full chat-completions body.
   *
   * @param body the body, with {@code model} and {@code messages}
   * @return the request
   */
  public static ChatRequest prompt(JsonObject body) {
    return ChatRequest.of(body, "req-" + UUID.randomUUID());
  }

  /**
   * Starts a stream on the plugin's event loop and returns at once.
   *
   * @param request the prompt
   * @return the recording sink; {@link RecordedStream#terminal()} completes when the plugin ends or fails it
   */
  public RecordedStream start(ChatRequest request) {
    return start(request, recorded -> { });
  }

  /**
   * Starts a stream on the plugin's event loop, after letting the test arm the recording.
   *
   * <p>{@code beforeStart} runs on the calling thread before the plugin sees the prompt, so what it registers
   * cannot miss an early chunk. For example, to cancel the way a client does right after the first token:
   * {@code harness.start(request, s -> s.textChunksReceived(1).onSuccess(RecordedStream::cancel))}.
   *
   * @param request the prompt
   * @param beforeStart called with the recording before the stream starts
   * @return the recording sink
   */
  public RecordedStream start(ChatRequest request, Handler<RecordedStream> beforeStart) {
    RecordedStream recorded = new RecordedStream(verticle.providerContext());
    beforeStart.handle(recorded);
    verticle.providerContext().runOnContext(v -> {
      recorded.started();
      try {
        recorded.attach(verticle.stream(request, recorded));
      } catch (RuntimeException e) {
        recorded.thrown(e);
      }
    });
    return recorded;
  }

  /**
   * Runs a stream to its terminal call.
   *
   * @param request the prompt
   * @return the recording, once the plugin called {@code end} or {@code fail}
   */
  public Future<RecordedStream> run(ChatRequest request) {
    return start(request).terminal();
  }

  /**
   * The deployed verticle.
   *
   * @return the verticle
   */
  public ProviderVerticle verticle() {
    return verticle;
  }

  /**
   * The Vert.x instance the plugin runs on.
   *
   * @return the instance
   */
  public Vertx vertx() {
    return vertx;
  }

  /**
   * The id of the plugin's deployment.
   *
   * @return the deployment id
   */
  public String deploymentId() {
    return deploymentId;
  }

  /**
   * Undeploys the plugin.
   *
   * @return completes once the verticle stopped
   */
  public Future<Void> undeploy() {
    return vertx.undeploy(deploymentId);
  }
}
