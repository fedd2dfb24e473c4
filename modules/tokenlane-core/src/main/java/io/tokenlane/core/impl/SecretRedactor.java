package io.tokenlane.core.impl;

import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Replaces configured secret values (fields a plugin's schema marks secret, such as API keys) by {@code ***} in
 * text that leaves the gateway: error messages to clients and log lines. Defence in depth, for plugins that
 * echo an upstream's error text containing the key.
 */
final class SecretRedactor {

  private static final int MIN_SECRET_LENGTH = 4;
  private final List<String> secrets = new ArrayList<>();

  void addSecrets(ConfigSchema schema, JsonObject config) {
    for (ConfigField field : schema.fields().values()) {
      Object value = config.getValue(field.name());
      if (field.isSecret() && value instanceof String text && text.length() >= MIN_SECRET_LENGTH) {
        secrets.add(text);
      }
    }
  }

  String redact(String text) {
    if (text == null) {
      return null;
    }
    String result = text;
    for (String secret : secrets) {
      if (result.contains(secret)) {
        result = result.replace(secret, "***");
      }
    }
    return result;
  }
}
