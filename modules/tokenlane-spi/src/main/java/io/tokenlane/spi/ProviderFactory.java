package io.tokenlane.spi;

import io.vertx.core.ThreadingModel;

/**
 * The entry point of a provider plugin, discovered with {@link java.util.ServiceLoader}.
 *
 * <p>List the implementation in {@code META-INF/services/io.tokenlane.spi.ProviderFactory}. The gateway
 * instantiates it once per plugin with the public no-arg constructor while it starts, on a worker thread, before
 * any event loop runs plugin code; {@link #create} is then called on the thread that deploys the providers. Its
 * methods must not block and must not keep state between calls.
 *
 * @since 1.0
 */
public interface ProviderFactory {

  /**
   * The plugin's id, the value of {@code type:} in a provider's configuration, such as {@code openai}.
   * Lower-case letters, digits and dashes. Two plugins with the same id refuse to load together.
   *
   * @return the id
   */
  String id();

  /**
   * The SPI version this plugin was built for: return {@link SpiVersion#CURRENT}, whose value the compiler
   * copies into the plugin.
   *
   * @return {@code major.minor}
   */
  String spiVersion();

  /**
   * What a provider instance of this plugin may be configured with. The gateway validates each instance's
   * {@code config:} against it, and fills in defaults, before {@link #create} is called.
   *
   * @return the schema, as data
   */
  ConfigSchema configSchema();

  /**
   * A short human description, shown in logs and {@code GET /v1/models} owner data.
   *
   * @return a description
   */
  default String description() {
    return id();
  }

  /**
   * How the gateway runs this plugin's verticles.
   *
   * <p>{@link ThreadingModel#EVENT_LOOP} (the default) is for plugins that never block: the gateway deploys one
   * verticle per event loop (unless the provider's {@code instances} says otherwise) and calls each stream on the
   * verticle that shares the client connection's event loop, so a token goes from the upstream connection to the
   * client without a thread hop. {@link ThreadingModel#WORKER} is for plugins built on a blocking SDK: their
   * verticles run on worker threads (one instance unless configured), and the gateway carries their chunks to
   * each client's event loop.
   *
   * @return the threading model
   * @since 1.1
   */
  default ThreadingModel threadingModel() {
    return ThreadingModel.EVENT_LOOP;
  }

  /**
   * Creates one verticle for one configured provider instance. Called once per verticle instance the gateway
   * deploys (a provider instance configured with {@code instances: 4} gets four calls).
   *
   * @param context the instance name and its validated configuration
   * @return a new, not yet deployed verticle
   */
  ProviderVerticle create(ProviderContext context);
}
