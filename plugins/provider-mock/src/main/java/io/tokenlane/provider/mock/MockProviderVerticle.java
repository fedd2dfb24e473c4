package io.tokenlane.provider.mock;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.StreamSink;
import io.vertx.core.Future;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Runs simulated generations for one configured mock provider instance. */
final class MockProviderVerticle extends ProviderVerticle {

  private final MockOptions options;
  // Only touched on this verticle's event loop.
  private final Set<MockStream> open = new HashSet<>();

  MockProviderVerticle(MockOptions options) {
    this.options = options;
  }

  @Override
  public ProviderStream stream(ChatRequest request, StreamSink sink) {
    MockStream stream = new MockStream(context, options, request, sink, open::remove);
    open.add(stream);
    stream.start();
    return stream;
  }

  @Override
  public Future<?> stop() {
    // Every stream ends with a terminal call, even one whose provider goes away under it.
    List.copyOf(open).forEach(MockStream::providerStopped);
    return Future.succeededFuture();
  }
}
