package io.tokenlane.spi;

/**
 * One running upstream generation, as returned by {@link ProviderVerticle#stream}.
 *
 * @since 1.0
 */
@FunctionalInterface
public interface ProviderStream {

  /**
   * Aborts the generation. Called by the gateway on the provider verticle's event loop, at most once, and only
   * before the plugin reported a terminal chunk. The plugin closes its upstream request (so the upstream stops
   * generating and billing) and makes no further {@link StreamSink} call; the gateway emits the terminal
   * {@code cancelled} event itself.
   */
  void cancel();
}
