package io.tokenlane.server;

import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the YAML configuration: parses it, substitutes {@code ${VAR}} and {@code ${VAR:-default}} in string
 * values from the environment, then applies {@code TOKENLANE_<SECTION>_<KEY>} environment overrides for the
 * scalar keys of the {@code http}, {@code plugins} and {@code shutdown} sections.
 *
 * <p>Substitution happens after parsing, in values only, so an environment value can never change the
 * structure of the file (a key containing a colon or a newline stays one string).
 */
final class ConfigLoader {

  static final String ENV_PREFIX = "TOKENLANE_";
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private ConfigLoader() {
  }

  /**
   * Reads a configuration file.
   *
   * @param file the YAML file
   * @param env the environment (a function so tests need not touch the real one)
   * @param problems where problems are added
   * @return the configuration tree, empty when the file could not be read
   */
  static JsonObject load(Path file, Function<String, String> env, List<String> problems) {
    String yaml;
    try {
      yaml = Files.readString(file);
    } catch (NoSuchFileException e) {
      problems.add(file + ": no such file");
      return new JsonObject();
    } catch (IOException e) {
      problems.add(file + ": cannot read: " + e.getMessage());
      return new JsonObject();
    }
    return parse(yaml, file.toString(), env, problems);
  }

  static JsonObject parse(String yaml, String source, Function<String, String> env, List<String> problems) {
    Object tree;
    try {
      tree = plain(yaml().load(yaml));
    } catch (MarkedYAMLException e) {
      // The problem and its position only: SnakeYAML's full message quotes the offending line, which may hold a key.
      problems.add(source + ": not valid YAML: " + e.getProblem()
        + (e.getProblemMark() == null ? "" : " (line " + (e.getProblemMark().getLine() + 1) + ", column "
        + (e.getProblemMark().getColumn() + 1) + ")"));
      return new JsonObject();
    } catch (YAMLException e) {
      problems.add(source + ": not valid YAML");
      return new JsonObject();
    }
    if (tree == null) {
      return new JsonObject();
    }
    if (!(tree instanceof JsonObject root)) {
      problems.add(source + ": the top level must be a mapping of sections (http, providers, models...)");
      return new JsonObject();
    }
    JsonObject substituted = (JsonObject) substitute(root, "", env, problems);
    applyOverrides(substituted, env);
    return substituted;
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(50);
    return new Yaml(new SafeConstructor(options));
  }

  /** Maps and lists as JSON containers; keys as strings; timestamps and other scalars as their text. */
  private static Object plain(Object node) {
    if (node instanceof Map<?, ?> map) {
      JsonObject object = new JsonObject();
      map.forEach((key, value) -> object.put(String.valueOf(key), plain(value)));
      return object;
    }
    if (node instanceof List<?> list) {
      JsonArray array = new JsonArray();
      list.forEach(item -> array.add(plain(item)));
      return array;
    }
    if (node == null || node instanceof String || node instanceof Boolean || node instanceof Integer
      || node instanceof Long || node instanceof Double) {
      return node;
    }
    if (node instanceof java.util.Date date) {
      // An unquoted YAML date or timestamp (expiresAt: 2027-01-31): ISO-8601, UTC.
      return date.toInstant().toString();
    }
    return node instanceof Number number ? (Object) number.doubleValue() : node.toString();
  }

  private static Object substitute(Object value, String path, Function<String, String> env, List<String> problems) {
    if (value instanceof JsonObject object) {
      JsonObject result = new JsonObject();
      for (String key : object.fieldNames()) {
        result.put(key, substitute(object.getValue(key), path.isEmpty() ? key : path + "." + key, env, problems));
      }
      return result;
    }
    if (value instanceof JsonArray array) {
      JsonArray result = new JsonArray();
      for (int i = 0; i < array.size(); i++) {
        result.add(substitute(array.getValue(i), path + "[" + i + "]", env, problems));
      }
      return result;
    }
    return value instanceof String text ? substituteText(text, path, env, problems) : value;
  }

  private static String substituteText(String text, String path, Function<String, String> env, List<String> problems) {
    Matcher matcher = VARIABLE.matcher(text);
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String value = env.apply(matcher.group(1));
      if (value == null || (value.isEmpty() && matcher.group(2) != null)) {
        value = matcher.group(2);
      }
      if (value == null) {
        problems.add(path + ": environment variable " + matcher.group(1) + " is not set (write ${"
          + matcher.group(1) + ":-} to make it optional)");
        value = "";
      }
      matcher.appendReplacement(result, Matcher.quoteReplacement(value));
    }
    return matcher.appendTail(result).toString();
  }

  /**
   * Environment overrides: {@code TOKENLANE_HTTP_PORT=9090} sets {@code http.port}; camel-case keys become
   * upper snake case ({@code http.maxBodyBytes} is {@code TOKENLANE_HTTP_MAX_BODY_BYTES}); lists are
   * comma-separated ({@code TOKENLANE_TRANSPORTS_ENABLED=sse,long-polling}).
   */
  private static void applyOverrides(JsonObject root, Function<String, String> env) {
    // The quick start's one key: TOKENLANE_API_KEY is auth.apiKey (TOKENLANE_AUTH_API_KEY works too).
    String apiKey = env.apply(ENV_PREFIX + "API_KEY");
    if (apiKey != null && !apiKey.isEmpty()) {
      Object existing = root.getValue("auth");
      root.put("auth", (existing instanceof JsonObject object ? object : new JsonObject()).put("apiKey", apiKey));
    }
    for (Map.Entry<String, ConfigSchema> section : TokenlaneConfig.OVERRIDABLE_SECTIONS.entrySet()) {
      for (ConfigField field : section.getValue().fields().values()) {
        String value = env.apply(envName(section.getKey(), field.name()));
        if (value != null && !value.isEmpty()) {
          // A nested section ("http.tls") lives in its parent's object.
          int dot = section.getKey().lastIndexOf('.');
          JsonObject parent = dot < 0 ? root : child(root, section.getKey().substring(0, dot));
          String name = section.getKey().substring(dot + 1);
          Object existing = parent.getValue(name);
          JsonObject target = existing instanceof JsonObject object ? object : new JsonObject();
          parent.put(name, target.put(field.name(), field.type() == ConfigField.Type.STRING_LIST
            ? new JsonArray(Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
            : value));
        }
      }
    }
  }

  private static JsonObject child(JsonObject root, String name) {
    if (!(root.getValue(name) instanceof JsonObject)) {
      root.put(name, new JsonObject());
    }
    return root.getJsonObject(name);
  }

  static String envName(String section, String key) {
    return ENV_PREFIX + section.replace('.', '_').toUpperCase(Locale.ROOT) + "_"
      + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }
}
