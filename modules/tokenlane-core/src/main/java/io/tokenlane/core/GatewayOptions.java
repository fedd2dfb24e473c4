package io.tokenlane.core;

import io.tokenlane.core.plugin.LoadedPlugin;
import io.tokenlane.core.plugin.PluginCatalog;
import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the gateway core runs: the plugins directory, the provider instances and the public models routed to them.
 *
 * <p>Read from the {@code plugins}, {@code providers} and {@code models} sections of the configuration with
 * {@link #fromJson}, which reports every problem at once, each prefixed with the path of the key it is about.
 */
public final class GatewayOptions {

  /** Where third-party plugin jars are looked for, relative to the working directory. */
  public static final String DEFAULT_PLUGINS_DIRECTORY = "plugins";
  /** Most verticle instances one provider may be deployed with. */
  public static final int MAX_PROVIDER_INSTANCES = 64;

  /** The schema of the {@code plugins} section. */
  public static final ConfigSchema PLUGINS_SCHEMA = ConfigSchema.of(
    ConfigField.string("directory").defaultValue(DEFAULT_PLUGINS_DIRECTORY)
      .description("folder of third-party plugin jars; a missing folder means none"));
  static final ConfigSchema PROVIDER_SCHEMA = ConfigSchema.of(
    ConfigField.string("type").required().description("the plugin id, such as mock or openai"),
    ConfigField.integer("instances").defaultValue(0L).min(0).max(MAX_PROVIDER_INSTANCES)
      .description("verticle instances to deploy; 0: one per event loop, so that each stream's upstream work runs"
        + " on its client's event loop (one for plugins that block)"),
    ConfigField.object("config").description("the plugin's own settings, checked against its schema"));
  static final ConfigSchema MODEL_SCHEMA = ConfigSchema.of(
    ConfigField.string("provider").required().description("the provider instance serving this model"),
    ConfigField.string("model").description("the model name sent upstream; defaults to the public name"),
    ConfigField.string("description").defaultValue("").description("shown in GET /v1/models"));

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]*");

  /**
   * One configured provider instance.
   *
   * @param name the instance name (the key under {@code providers:})
   * @param type the plugin id
   * @param instances how many verticles to deploy; 0 for one per event loop
   * @param config the plugin configuration; typed and defaulted once {@link #validatePlugins} accepted it
   */
  public record ProviderOptions(String name, String type, int instances, JsonObject config) {
  }

  /**
   * One public model.
   *
   * @param name the name clients ask for
   * @param provider the provider instance name
   * @param upstreamModel the name sent upstream
   * @param description a human description
   */
  public record ModelOptions(String name, String provider, String upstreamModel, String description) {
  }

  private String pluginsDirectory = DEFAULT_PLUGINS_DIRECTORY;
  private final Map<String, ProviderOptions> providers = new LinkedHashMap<>();
  private final Map<String, ModelOptions> models = new LinkedHashMap<>();
  /** Provider names written in the file, valid or not, so that a broken provider is reported once, not per model. */
  private final java.util.Set<String> declared = new java.util.HashSet<>();

  /**
   * Empty options: no provider, no model, the default plugins directory.
   */
  public GatewayOptions() {
  }

  /**
   * Reads the {@code plugins}, {@code providers} and {@code models} sections.
   *
   * @param root the whole configuration
   * @param problems where each problem is added, prefixed with its key path
   * @return the options (complete only when no problem was added)
   */
  public static GatewayOptions fromJson(JsonObject root, List<String> problems) {
    GatewayOptions options = new GatewayOptions();
    JsonObject plugins = section(root, "plugins", problems);
    ConfigSchema.Validation pluginsSection = PLUGINS_SCHEMA.validate(plugins);
    prefixed("plugins.", pluginsSection.problems(), problems);
    options.pluginsDirectory = pluginsSection.config().getString("directory", DEFAULT_PLUGINS_DIRECTORY);
    JsonObject providers = section(root, "providers", problems);
    options.declared.addAll(providers.fieldNames());
    for (String name : providers.fieldNames()) {
      options.readProvider(name, providers.getValue(name), problems);
    }
    JsonObject models = section(root, "models", problems);
    for (String name : models.fieldNames()) {
      options.readModel(name, models.getValue(name), problems);
    }
    if (models.isEmpty()) {
      problems.add("models: at least one model is required");
    }
    return options;
  }

  private void readProvider(String name, Object value, List<String> problems) {
    String path = "providers." + name;
    if (!checkName(path, name, value, problems)) {
      return;
    }
    ConfigSchema.Validation entry = PROVIDER_SCHEMA.validate((JsonObject) value);
    prefixed(path + ".", entry.problems(), problems);
    if (entry.isValid()) {
      JsonObject config = entry.config().getJsonObject("config", new JsonObject());
      providers.put(name, new ProviderOptions(name, entry.config().getString("type"),
        entry.config().getLong("instances").intValue(), config));
    }
  }

  private void readModel(String name, Object value, List<String> problems) {
    String path = "models." + name;
    if (!checkName(path, name, value, problems)) {
      return;
    }
    ConfigSchema.Validation entry = MODEL_SCHEMA.validate((JsonObject) value);
    prefixed(path + ".", entry.problems(), problems);
    if (!entry.isValid()) {
      return;
    }
    String provider = entry.config().getString("provider");
    if (!providers.containsKey(provider) && !declared.contains(provider)) {
      problems.add(path + ".provider: no provider named '" + provider + "' (configured: "
        + String.join(", ", providers.keySet()) + ")");
      return;
    }
    models.put(name, new ModelOptions(name, provider, entry.config().getString("model", name),
      entry.config().getString("description")));
  }

  private static boolean checkName(String path, String name, Object value, List<String> problems) {
    if (!NAME.matcher(name).matches()) {
      problems.add(path + ": invalid name (letters, digits and . _ : / -)");
      return false;
    }
    if (!(value instanceof JsonObject)) {
      problems.add(path + ": expected an object");
      return false;
    }
    return true;
  }

  private static JsonObject section(JsonObject root, String key, List<String> problems) {
    Object value = root.getValue(key);
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    problems.add(key + ": expected an object");
    return new JsonObject();
  }

  static void prefixed(String prefix, List<String> source, List<String> target) {
    for (String problem : source) {
      target.add(prefix + problem);
    }
  }

  /**
   * Checks every provider against its plugin: the plugin must be loaded, and the provider's {@code config} must
   * satisfy the plugin's schema. Replaces each accepted config by its typed, defaulted form.
   *
   * @param catalog the discovered plugins
   * @return one message per problem; empty when every provider can start
   */
  public List<String> validatePlugins(PluginCatalog catalog) {
    List<String> problems = new ArrayList<>();
    for (ProviderOptions provider : List.copyOf(providers.values())) {
      String path = "providers." + provider.name();
      Optional<LoadedPlugin> plugin = catalog.plugin(provider.type());
      if (plugin.isEmpty()) {
        String refused = catalog.refused().get(provider.type());
        problems.add(path + ".type: " + (refused != null ? refused : "no plugin '" + provider.type()
          + "' (available: " + String.join(", ", catalog.plugins().keySet()) + ")"));
        continue;
      }
      ConfigSchema.Validation config = plugin.get().factory().configSchema().validate(provider.config());
      prefixed(path + ".config.", config.problems(), problems);
      if (config.isValid()) {
        providers.put(provider.name(),
          new ProviderOptions(provider.name(), provider.type(), provider.instances(), config.config()));
      }
    }
    return problems;
  }

  /** @return the plugins directory */
  public String getPluginsDirectory() {
    return pluginsDirectory;
  }

  /**
   * Sets the plugins directory.
   *
   * @param directory the folder of third-party jars
   * @return this
   */
  public GatewayOptions setPluginsDirectory(String directory) {
    if (directory == null || directory.isBlank()) {
      throw new IllegalArgumentException("plugins directory must not be blank");
    }
    this.pluginsDirectory = directory;
    return this;
  }

  /**
   * Adds a provider instance.
   *
   * @param provider the provider
   * @return this
   */
  public GatewayOptions addProvider(ProviderOptions provider) {
    if (provider.instances() < 0 || provider.instances() > MAX_PROVIDER_INSTANCES) {
      throw new IllegalArgumentException("instances must be within 0.." + MAX_PROVIDER_INSTANCES);
    }
    providers.put(provider.name(), provider);
    return this;
  }

  /**
   * Adds a public model.
   *
   * @param model the model
   * @return this
   */
  public GatewayOptions addModel(ModelOptions model) {
    if (!providers.containsKey(model.provider())) {
      throw new IllegalArgumentException("no provider named " + model.provider());
    }
    models.put(model.name(), model);
    return this;
  }

  /** @return the providers by name */
  public Map<String, ProviderOptions> getProviders() {
    return Collections.unmodifiableMap(providers);
  }

  /** @return the models by public name */
  public Map<String, ModelOptions> getModels() {
    return Collections.unmodifiableMap(models);
  }
}
