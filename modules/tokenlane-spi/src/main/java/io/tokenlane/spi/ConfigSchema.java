package io.tokenlane.spi;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration a provider plugin accepts, as data.
 *
 * <p>The gateway validates each provider instance's {@code config:} against the schema before the plugin
 * starts, and refuses to start with one clear message per problem: a missing required key, a value of the
 * wrong type or out of bounds, or an unknown key (a typo must not be silently ignored). Immutable.
 *
 * @since 1.0
 */
public final class ConfigSchema {

  private final Map<String, ConfigField> fields;
  private final Map<String, Object> defaults = new LinkedHashMap<>();

  private ConfigSchema(Map<String, ConfigField> fields) {
    this.fields = Collections.unmodifiableMap(fields);
    // Defaults go through the same conversion as configured values, so a reader sees one Java type per field
    // (Long for INTEGER, Double for NUMBER) and a default outside its own bounds fails when the plugin loads.
    for (ConfigField field : fields.values()) {
      if (field.defaultValue() != null) {
        List<String> problems = new ArrayList<>();
        Object converted = convert(field, field.defaultValue(), problems);
        if (!problems.isEmpty()) {
          throw new IllegalArgumentException("invalid default: " + String.join("; ", problems));
        }
        defaults.put(field.name(), converted);
      }
    }
  }

  /**
   * A schema with the given fields.
   *
   * @param fields the fields, each with a distinct name
   * @return the schema
   */
  public static ConfigSchema of(ConfigField... fields) {
    Map<String, ConfigField> byName = new LinkedHashMap<>();
    for (ConfigField field : fields) {
      if (byName.put(field.name(), field) != null) {
        throw new IllegalArgumentException("duplicate field " + field.name());
      }
    }
    return new ConfigSchema(byName);
  }

  /**
   * The fields, in declaration order.
   *
   * @return the fields by name
   */
  public Map<String, ConfigField> fields() {
    return fields;
  }

  /**
   * Validates a configuration and fills in defaults.
   *
   * @param config the configuration as written (may be {@code null} for an empty one)
   * @return the problems, one message per problem, and the typed configuration with defaults
   */
  public Validation validate(JsonObject config) {
    JsonObject input = config == null ? new JsonObject() : config;
    List<String> problems = new ArrayList<>();
    JsonObject typed = new JsonObject();
    for (String key : input.fieldNames()) {
      if (!fields.containsKey(key)) {
        problems.add(key + ": unknown key (known keys: " + String.join(", ", fields.keySet()) + ")");
      }
    }
    for (ConfigField field : fields.values()) {
      Object value = input.getValue(field.name());
      if (value == null) {
        if (field.isRequired()) {
          problems.add(field.name() + ": required" + describe(field));
        } else if (defaults.containsKey(field.name())) {
          Object fallback = defaults.get(field.name());
          typed.put(field.name(), fallback instanceof JsonObject object ? object.copy()
            : fallback instanceof JsonArray array ? array.copy() : fallback);
        }
        continue;
      }
      Object converted = convert(field, value, problems);
      if (converted != null) {
        typed.put(field.name(), converted);
      }
    }
    return new Validation(List.copyOf(problems), typed);
  }

  /**
   * A copy of a configuration with the values of secret fields replaced by {@code "***"}, for logs and dumps.
   *
   * @param config the configuration
   * @return the redacted copy
   */
  public JsonObject redact(JsonObject config) {
    JsonObject copy = config.copy();
    for (ConfigField field : fields.values()) {
      if (field.isSecret() && copy.containsKey(field.name())) {
        copy.put(field.name(), "***");
      }
    }
    return copy;
  }

  /**
   * The schema as JSON Schema (draft 2020-12 keywords), for docs and tooling.
   *
   * @return the JSON Schema object
   */
  public JsonObject toJson() {
    JsonObject properties = new JsonObject();
    JsonArray required = new JsonArray();
    for (ConfigField field : fields.values()) {
      properties.put(field.name(), fieldJson(field));
      if (field.isRequired()) {
        required.add(field.name());
      }
    }
    return new JsonObject()
      .put("type", "object")
      .put("additionalProperties", false)
      .put("properties", properties)
      .put("required", required);
  }

  private JsonObject fieldJson(ConfigField field) {
    JsonObject json = new JsonObject().put("description", field.description());
    switch (field.type()) {
      case STRING -> json.put("type", "string");
      case INTEGER -> json.put("type", "integer");
      case NUMBER -> json.put("type", "number");
      case BOOLEAN -> json.put("type", "boolean");
      case ENUM -> json.put("type", "string").put("enum", new JsonArray(new ArrayList<>(field.allowed())));
      case STRING_LIST -> json.put("type", "array").put("items", new JsonObject().put("type", "string"));
      case STRING_MAP -> json.put("type", "object")
        .put("additionalProperties", new JsonObject().put("type", "string"));
      case OBJECT -> json.put("type", "object");
    }
    if (field.min() != null) {
      json.put("minimum", field.min());
    }
    if (field.max() != null) {
      json.put("maximum", field.max());
    }
    if (field.defaultValue() != null) {
      json.put("default", defaults.get(field.name()));
    }
    if (field.isSecret()) {
      json.put("writeOnly", true);
    }
    return json;
  }

  private static String describe(ConfigField field) {
    return field.description().isEmpty() ? "" : " (" + field.description() + ")";
  }

  private static Object convert(ConfigField field, Object value, List<String> problems) {
    String name = field.name();
    switch (field.type()) {
      case STRING:
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
          return value.toString();
        }
        return wrongType(name, "a string", value, field, problems);
      case INTEGER: {
        Number number = asNumber(value);
        if (number == null || number.doubleValue() != Math.rint(number.doubleValue())) {
          return wrongType(name, "a whole number", value, field, problems);
        }
        return inBounds(field, number.longValue(), problems) ? number.longValue() : null;
      }
      case NUMBER: {
        Number number = asNumber(value);
        if (number == null) {
          return wrongType(name, "a number", value, field, problems);
        }
        return inBounds(field, number.doubleValue(), problems) ? number.doubleValue() : null;
      }
      case BOOLEAN:
        if (value instanceof Boolean) {
          return value;
        }
        if ("true".equals(value) || "false".equals(value)) {
          return Boolean.valueOf((String) value);
        }
        return wrongType(name, "true or false", value, field, problems);
      case ENUM:
        if (value instanceof String text && field.allowed().contains(text)) {
          return text;
        }
        problems.add(name + ": expected one of " + String.join(", ", field.allowed()) + ", got " + shown(value, field));
        return null;
      case STRING_LIST:
        if (value instanceof JsonArray array && array.stream().allMatch(item -> item instanceof String)) {
          return array.copy();
        }
        return wrongType(name, "a list of strings", value, field, problems);
      case STRING_MAP:
        if (value instanceof JsonObject object && object.stream().allMatch(entry -> entry.getValue() instanceof String)) {
          return object.copy();
        }
        return wrongType(name, "a map of strings to strings", value, field, problems);
      case OBJECT:
        return value instanceof JsonObject object ? object.copy() : wrongType(name, "an object", value, field, problems);
      default:
        throw new IllegalStateException(field.type().name());
    }
  }

  private static Number asNumber(Object value) {
    if (value instanceof Number number) {
      return number;
    }
    if (value instanceof String text) {
      try {
        return Double.parseDouble(text.trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static boolean inBounds(ConfigField field, double value, List<String> problems) {
    String got = field.isSecret() ? "a number (value hidden: secret)" : format(value);
    if (field.min() != null && value < field.min()) {
      problems.add(field.name() + ": must be at least " + format(field.min()) + ", got " + got);
      return false;
    }
    if (field.max() != null && value > field.max()) {
      problems.add(field.name() + ": must be at most " + format(field.max()) + ", got " + got);
      return false;
    }
    return true;
  }

  private static String format(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  private static Object wrongType(String name, String expected, Object value, ConfigField field, List<String> problems) {
    problems.add(name + ": expected " + expected + ", got " + shown(value, field));
    return null;
  }

  private static String shown(Object value, ConfigField field) {
    if (field.isSecret()) {
      return "a " + kind(value) + " (value hidden: secret)";
    }
    return value instanceof String ? "\"" + value + "\"" : kind(value) + " " + value;
  }

  private static String kind(Object value) {
    if (value instanceof JsonObject) {
      return "object";
    }
    if (value instanceof JsonArray) {
      return "list";
    }
    if (value instanceof Number) {
      return "number";
    }
    return value instanceof Boolean ? "boolean" : "string";
  }

  /**
   * The outcome of {@link #validate}.
   *
   * @param problems one message per problem, each starting with the key it is about; empty when valid
   * @param config the typed configuration with defaults filled in (meaningful only when valid)
   */
  public record Validation(List<String> problems, JsonObject config) {

    /** @return whether the configuration is valid */
    public boolean isValid() {
      return problems.isEmpty();
    }
  }
}
