package io.tokenlane.core.plugin;

import io.tokenlane.spi.ProviderFactory;

/**
 * A provider plugin that passed discovery and the SPI version check.
 *
 * @param factory the plugin's factory
 * @param source where it came from: {@code classpath} or the jar's path
 */
public record LoadedPlugin(ProviderFactory factory, String source) {

  /** @return the plugin id */
  public String id() {
    return factory.id();
  }
}
