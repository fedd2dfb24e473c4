package io.tokenlane.provider.anthropic;

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
 * One configured Anthropic upstream: a pooled HTTP client, and an {@link AnthropicStream} per prompt.
 */
final class AnthropicProviderVerticle extends ProviderVerticle {

  private final ProviderContext instance;
  private final Set<AnthropicStream> open = new HashSet<>();
  private AnthropicConfig config;
  private HttpClientAgent client;

  AnthropicProviderVerticle(ProviderContext instance) {
    this.instance = instance;
  }

  @Override
  public Future<?> start() {
    try {
      config = AnthropicConfig.from(instance.instanceName(), instance.config());
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

  /** A request Anthropic cannot take is refused here, before any upstream call, as the client's mistake. */
  @Override
  public ProviderStream stream(ChatRequest request, StreamSink sink) {
    Buffer body;
    try {
      body = RequestMapper.body(request, config.maxTokens()).toBuffer();
    } catch (RequestMapper.Refused refused) {
      sink.fail(new ProviderError(ProviderError.INVALID_REQUEST, refused.getMessage(), 400));
      return () -> { };
    }
    AnthropicStream stream = new AnthropicStream(vertx, client, config, sink, open::remove);
    open.add(stream);
    stream.start(request.requestId(), body);
    return stream;
  }

  @Override
  public String toString() {
    return "AnthropicProviderVerticle[" + (config != null ? config : instance.instanceName()) + "]";
  }
}
