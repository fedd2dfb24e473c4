package io.tokenlane.provider.gemini;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.UpstreamHttp;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One configured Gemini upstream: a pooled HTTP client, and a {@link GeminiStream} per prompt.
 */
final class GeminiProviderVerticle extends ProviderVerticle {

  private final ProviderContext instance;
  private final Set<GeminiStream> open = new HashSet<>();
  private GeminiConfig config;
  private HttpClientAgent client;

  GeminiProviderVerticle(ProviderContext instance) {
    this.instance = instance;
  }

  @Override
  public Future<?> start() {
    try {
      config = GeminiConfig.from(instance.instanceName(), instance.config());
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

  /** A request Gemini cannot express fails at once, before anything is sent. */
  @Override
  public ProviderStream stream(ChatRequest request, StreamSink sink) {
    Buffer body;
    try {
      body = RequestMapper.toGemini(request.toJson()).toBuffer();
    } catch (RequestMapper.Unsupported e) {
      sink.fail(new ProviderError(ProviderError.INVALID_REQUEST, e.getMessage(), 400));
      return () -> { };
    }
    GeminiStream stream = new GeminiStream(vertx, client, config, sink, open::remove);
    open.add(stream);
    stream.start(request.model(), request.requestId(), body);
    return stream;
  }

  @Override
  public String toString() {
    return "GeminiProviderVerticle[" + (config != null ? config : instance.instanceName()) + "]";
  }
}
