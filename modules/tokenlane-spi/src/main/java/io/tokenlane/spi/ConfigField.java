package io.tokenlane.spi;

import java.util.List;
import java.util.Objects;

/**
 * One key of a {@link ConfigSchema}: its type, whether it is required, its default and its bounds.
 *
 * <p>Immutable: each fluent method returns a new field. Built once, when the plugin's schema is built.
 *
 * @since 1.0
 */
public final class ConfigField {

  /**
   * The value types a configuration key may have. Numbers and booleans also accept their text form, so a value
   * substituted from an environment variable ({@code timeoutMs: ${TIMEOUT_MS}}) validates as a number.
   */
  public enum Type {
    /** Text. */
    STRING,
    /** A whole number (a {@code long}). */
    INTEGER,
    /** Any number (a {@code double}). */
    NUMBER,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** One of a fixed list of strings. */
    ENUM,
    /** A list of strings. */
    STRING_LIST,
    /** An object whose values are strings, such as extra HTTP headers. */
    STRING_MAP,
    /** A nested object, validated by whoever reads it (for example with a schema of its own). */
    OBJECT
  }

  private final String name;
  private final Type type;
  private final boolean required;
  private final Object defaultValue;
  private final String description;
  private final boolean secret;
  private final Double min;
  private final Double max;
  private final List<String> allowed;

  private ConfigField(String name, Type type, boolean required, Object defaultValue, String description,
                      boolean secret, Double min, Double max, List<String> allowed) {
    this.name = name;
    this.type = type;
    this.required = required;
    this.defaultValue = defaultValue;
    this.description = description;
    this.secret = secret;
    this.min = min;
    this.max = max;
    this.allowed = allowed;
  }

  private static ConfigField of(String name, Type type) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("field name must not be blank");
    }
    return new ConfigField(name, type, false, null, "", false, null, null, List.of());
  }

  /**
   * A text field.
   *
   * @param name the key
   * @return the field
   */
  public static ConfigField string(String name) {
    return of(name, Type.STRING);
  }

  /**
   * A whole-number field.
   *
   * @param name the key
   * @return the field
   */
  public static ConfigField integer(String name) {
    return of(name, Type.INTEGER);
  }

  /**
   * A number field.
   *
   * @param name the key
   * @return the field
   */
  public static ConfigField number(String name) {
    return of(name, Type.NUMBER);
  }

  /**
   * A boolean field.
   *
   * @param name the key
   * @return the field
   */
  public static ConfigField bool(String name) {
    return of(name, Type.BOOLEAN);
  }

  /**
   * A field whose value is one of {@code values}.
   *
   * @param name the key
   * @param values the allowed values
   * @return the field
   */
  public static ConfigField oneOf(String name, String... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("an enum field needs at least one value");
    }
    of(name, Type.ENUM);
    return new ConfigField(name, Type.ENUM, false, null, "", false, null, null, List.of(values));
  }

  /**
   * A list-of-strings field.
   *
   * @param name the key
   * @return the field
   */
  public static ConfigField stringList(String name) {
    return of(name, Type.STRING_LIST);
  }

  /**
   * A string-to-string map field.
   *
   * @param name the key
   * @return the field
   */
  public static ConfigField stringMap(String name) {
    return of(name, Type.STRING_MAP);
  }

  /**
   * A nested-object field.
   *
   * @param name the key
   * @return the field
   */
  public static ConfigField object(String name) {
    return of(name, Type.OBJECT);
  }

  /**
   * This field, required: a configuration without it is refused.
   *
   * @return the new field
   */
  public ConfigField required() {
    return new ConfigField(name, type, true, defaultValue, description, secret, min, max, allowed);
  }

  /**
   * This field with a default, used when the key is absent.
   *
   * @param value the default, of the field's type
   * @return the new field
   */
  public ConfigField defaultValue(Object value) {
    return new ConfigField(name, type, required, Objects.requireNonNull(value), description, secret, min, max, allowed);
  }

  /**
   * This field with a description, shown in docs and error messages.
   *
   * @param text the description
   * @return the new field
   */
  public ConfigField description(String text) {
    return new ConfigField(name, type, required, defaultValue, Objects.requireNonNull(text), secret, min, max, allowed);
  }

  /**
   * This field, marked secret: its value never appears in logs, errors, metrics or the config dump.
   *
   * @return the new field
   */
  public ConfigField secret() {
    return new ConfigField(name, type, required, defaultValue, description, true, min, max, allowed);
  }

  /**
   * This numeric field with a lower bound (inclusive).
   *
   * @param bound the smallest allowed value
   * @return the new field
   */
  public ConfigField min(double bound) {
    return new ConfigField(name, type, required, defaultValue, description, secret, bound, max, allowed);
  }

  /**
   * This numeric field with an upper bound (inclusive).
   *
   * @param bound the largest allowed value
   * @return the new field
   */
  public ConfigField max(double bound) {
    return new ConfigField(name, type, required, defaultValue, description, secret, min, bound, allowed);
  }

  /** @return the key */
  public String name() {
    return name;
  }

  /** @return the type */
  public Type type() {
    return type;
  }

  /** @return whether the key must be present */
  public boolean isRequired() {
    return required;
  }

  /** @return the default, or {@code null} */
  public Object defaultValue() {
    return defaultValue;
  }

  /** @return the description, possibly empty */
  public String description() {
    return description;
  }

  /** @return whether the value is a secret */
  public boolean isSecret() {
    return secret;
  }

  /** @return the lower bound, or {@code null} */
  public Double min() {
    return min;
  }

  /** @return the upper bound, or {@code null} */
  public Double max() {
    return max;
  }

  /** @return the allowed values of an {@link Type#ENUM} field, else empty */
  public List<String> allowed() {
    return allowed;
  }
}
