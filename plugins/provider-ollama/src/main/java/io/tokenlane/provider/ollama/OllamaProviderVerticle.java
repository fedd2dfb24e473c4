package io.tokenlane.provider.ollama;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderContext;
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
 * One configured Ollama server: a pooled HTTP client, and an {@link OllamaStream} per prompt.
 */
final class OllamaProviderVerticle extends ProviderVerticle {

  private final ProviderContext instance;
  private final Set<OllamaStream> open = new HashSet<>();
  private OllamaConfig config;
  private HttpClientAgent client;

  OllamaProviderVerticle(ProviderContext instance) {
    this.instance = instance;
  }

  @Override
  public Future<?> start() {
    try {
      config = OllamaConfig.from(instance.instanceName(), instance.config());
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
    OllamaStream stream = new OllamaStream(vertx, client, config, sink, open::remove);
    Buffer body;
    try {
      body = RequestMapper.body(request, config).toBuffer();
    } catch (RequestMapper.InvalidRequest e) {
      stream.reject(e.getMessage());
      return stream;
    }
    open.add(stream);
    stream.start(request.requestId(), body);
    return stream;
  }

  @Override
  public String toString() {
    return "OllamaProviderVerticle[" + (config != null ? config : instance.instanceName()) + "]";
  }
}
