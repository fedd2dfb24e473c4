package io.tokenlane.spi;

import io.vertx.core.json.JsonObject;

/**
 * What the gateway tells a plugin about one configured provider instance.
 *
 * <p>Implemented by the gateway; immutable and safe to read from any thread.
 *
 * @since 1.0
 */
public interface ProviderContext {

  /**
   * The instance name from the configuration (the key under {@code providers:}), such as {@code openai-eu}.
   *
   * @return the instance name
   */
  String instanceName();

  /**
   * The instance configuration, already validated against the plugin's {@link ConfigSchema} and with its
   * defaults filled in. Values of fields marked secret are present here and nowhere else.
   *
   * @return a copy the plugin may keep
   */
  JsonObject config();

  /**
   * A context with the given values, for tests and for hosts that embed a plugin.
   *
   * @param instanceName the instance name
   * @param config the validated configuration
   * @return an immutable context
   */
  static ProviderContext of(String instanceName, JsonObject config) {
    JsonObject copy = config.copy();
    return new ProviderContext() {
      @Override
      public String instanceName() {
        return instanceName;
      }

      @Override
      public JsonObject config() {
        return copy.copy();
      }

      @Override
      public String toString() {
        return "ProviderContext[" + instanceName + "]";
      }
    };
  }
}
