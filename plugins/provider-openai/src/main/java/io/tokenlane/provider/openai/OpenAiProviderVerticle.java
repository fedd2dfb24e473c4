package io.tokenlane.provider.openai;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.UpstreamHttp;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One configured OpenAI-compatible upstream: a pooled HTTP client, and a {@link OpenAiStream} per prompt.
 */
final class OpenAiProviderVerticle extends ProviderVerticle {

  private final ProviderContext instance;
  private final Set<OpenAiStream> open = new HashSet<>();
  private OpenAiConfig config;
  private HttpClientAgent client;

  OpenAiProviderVerticle(ProviderContext instance) {
    this.instance = instance;
  }

  @Override
  public Future<?> start() {
    try {
      config = OpenAiConfig.from(instance.instanceName(), instance.config());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("provider " + instance.instanceName() + ": " + e.getMessage()));
    }
    client = UpstreamHttp.client(vertx, config.clientOptions(), config.poolOptions());
    return Future.succeededFuture();
  }

  /** Fails the streams still open (a host undeploying without cancelling them first), then closes the pool. */
  @Override
  public Future<?> stop() {
    List.copyOf(open).forEach(stream -> stream.shutdown("provider " + instance.instanceName() + " stopped"));
    return client == null ? Future.succeededFuture() : client.close();
  }

  @Override
  public ProviderStream stream(ChatRequest request, StreamSink sink) {
    OpenAiStream stream = new OpenAiStream(vertx, client, config, sink, open::remove);
    open.add(stream);
    stream.start(request.requestId(), upstreamBody(request, config.includeUsage()));
    return stream;
  }

  /**
   * The client's body as it came (tools, response_format and vendor fields untouched), made to stream, and to
   * report usage at the end; other {@code stream_options} the client set are kept.
   */
  static Buffer upstreamBody(ChatRequest request, boolean includeUsage) {
    JsonObject overrides = new JsonObject().put("stream", true);
    if (includeUsage) {
      Object given = request.field("stream_options");
      JsonObject options = given instanceof JsonObject object ? object : new JsonObject();
      overrides.put("stream_options", options.put("include_usage", true));
    }
    // Encoded once from the request itself: the conversation is not copied on its way upstream.
    return request.toBuffer(overrides);
  }

  @Override
  public String toString() {
    return "OpenAiProviderVerticle[" + (config != null ? config : instance.instanceName()) + "]";
  }
}
