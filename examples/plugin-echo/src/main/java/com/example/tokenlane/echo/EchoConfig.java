package com.example.tokenlane.echo;

import io.vertx.core.json.JsonObject;

/**
 * The settings of one echo provider instance.
 *
 * @param prefix text streamed before the first word
 * @param delayMs pause between two words, {@code 0} for none
 * @param uppercase whether to upper-case the echoed words
 */
record EchoConfig(String prefix, long delayMs, boolean uppercase) {

  /**
   * Reads a configuration the gateway already validated against the schema: every key is present, with its
   * default when the user left it out, and typed (a {@code "250"} from an environment variable is a number here).
   *
   * @param config the validated configuration
   * @return the settings
   */
  static EchoConfig from(JsonObject config) {
    return new EchoConfig(config.getString("prefix"), config.getLong("delayMs"), config.getBoolean("uppercase"));
  }
}
