/**
 * The provider plugin contract of Tokenlane.
 *
 * <p>A plugin is a jar with a {@code META-INF/services/io.tokenlane.spi.ProviderFactory} entry. The gateway
 * discovers the {@link io.tokenlane.spi.ProviderFactory}, checks its {@link io.tokenlane.spi.SpiVersion},
 * validates the instance configuration against its {@link io.tokenlane.spi.ConfigSchema}, then deploys the
 * {@link io.tokenlane.spi.ProviderVerticle} it creates. From then on the gateway calls
 * {@link io.tokenlane.spi.ProviderVerticle#stream} on that verticle's event loop for every prompt routed to it,
 * and the plugin reports chunks back through a {@link io.tokenlane.spi.StreamSink} on the same event loop.
 *
 * <p>Threads: nothing in this package blocks, and every call the gateway makes into a plugin after deployment
 * happens on the plugin verticle's own event loop, so a plugin needs no locks.
 *
 * @since 1.0
 */
package io.tokenlane.spi;
