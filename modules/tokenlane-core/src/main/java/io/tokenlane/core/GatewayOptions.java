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
    ConfigField.string("provider").description("the provider instance serving this model (or targets)"),
    ConfigField.string("model").description("the model name sent upstream; defaults to the public name"),
    ConfigField.string("description").defaultValue("").description("shown in GET /v1/models"),
    // "targets" is a list of objects, which a schema cannot describe: readRoute checks it.
    ConfigField.oneOf("strategy", RouteOptions.Strategy.wireNames())
      .description("with targets: how a stream's target is chosen"),
    ConfigField.integer("maxAttempts").min(1).max(RouteOptions.MAX_TARGETS)
      .description("with targets: most targets one stream tries before its first token; default: all"),
    ConfigField.integer("failoverTimeoutMs").min(0)
      .description("with targets: no failover starts once the stream is this old"),
    ConfigField.integer("failureThreshold").min(1).max(1000)
      .description("with targets: consecutive failures that put a target in cooldown"),
    ConfigField.integer("cooldownMs").min(1).description("with targets: how long a target in cooldown is skipped"));
  static final ConfigSchema TARGET_SCHEMA = ConfigSchema.of(
    ConfigField.string("provider").required().description("the provider instance of this target"),
    ConfigField.string("model").description("the model name sent to it; defaults to the public name"),
    ConfigField.integer("weight").defaultValue(1L).min(1).max(1_000_000)
      .description("its share of streams under strategy weighted"));
  /** The keys that only a model with targets may have. */
  private static final List<String> ROUTE_KEYS =
    List.of("strategy", "maxAttempts", "failoverTimeoutMs", "failureThreshold", "cooldownMs");

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
   * One public model: served by one provider, or routed over several targets.
   *
   * @param name the name clients ask for
   * @param provider the provider instance name (of the first target, for a routed model)
   * @param upstreamModel the name sent upstream (to the first target, for a routed model)
   * @param description a human description
   * @param route how the model is spread over its targets, or {@code null} for a model served by one provider
   */
  public record ModelOptions(String name, String provider, String upstreamModel, String description,
                             RouteOptions route) {

    /**
     * A model served by one provider.
     *
     * @param name the name clients ask for
     * @param provider the provider instance name
     * @param upstreamModel the name sent upstream
     * @param description a human description
     */
    public ModelOptions(String name, String provider, String upstreamModel, String description) {
      this(name, provider, upstreamModel, description, null);
    }

    /**
     * A model routed over several targets.
     *
     * @param name the name clients ask for
     * @param description a human description
     * @param route the targets and how to choose between them
     * @return the model
     */
    public static ModelOptions routed(String name, String description, RouteOptions route) {
      RouteOptions.Target first = route.targets().get(0);
      return new ModelOptions(name, first.provider(), first.upstreamModel(), description, route);
    }
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
    JsonObject written = (JsonObject) value;
    Object targets = written.getValue("targets");
    JsonObject rest = written.copy();
    rest.remove("targets");
    ConfigSchema.Validation entry = MODEL_SCHEMA.validate(rest);
    // The schema cannot hold targets (a list of objects), but a typo's message must still name it.
    prefixed(path + ".", entry.problems().stream()
      .map(problem -> problem.replace("(known keys: provider, model, description, ",
        "(known keys: provider, model, description, targets, "))
      .toList(), problems);
    if (!entry.isValid()) {
      return;
    }
    JsonObject config = entry.config();
    String description = config.getString("description");
    if (targets != null || written.containsKey("targets")) {
      if (config.containsKey("provider") || config.containsKey("model")) {
        problems.add(path + ": set either provider (and model) or targets, not both");
        return;
      }
      ModelOptions routed = readRouted(path, name, targets, config, problems);
      if (routed != null) {
        models.put(name, routed);
      }
      return;
    }
    String provider = config.getString("provider");
    if (provider == null) {
      problems.add(path + ": provider (one provider) or targets (several) is required");
      return;
    }
    for (String key : ROUTE_KEYS) {
      if (config.containsKey(key)) {
        problems.add(path + "." + key + ": only a model with targets may set it");
      }
    }
    if (knownProvider(path + ".provider", provider, problems)) {
      models.put(name, new ModelOptions(name, provider, config.getString("model", name), description));
    }
  }

  /** A model with {@code targets} and the routing keys, or {@code null} after adding its problems. */
  private ModelOptions readRouted(String path, String name, Object value, JsonObject config, List<String> problems) {
    if (!(value instanceof io.vertx.core.json.JsonArray list)) {
      problems.add(path + ".targets: expected a list of {provider, model, weight}");
      return null;
    }
    if (list.isEmpty() || list.size() > RouteOptions.MAX_TARGETS) {
      problems.add(path + ".targets: expected 1 to " + RouteOptions.MAX_TARGETS + " targets, got " + list.size());
      return null;
    }
    int before = problems.size();
    List<RouteOptions.Target> read = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = path + ".targets[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject target)) {
        problems.add(at + ": expected an object {provider, model, weight}");
        continue;
      }
      ConfigSchema.Validation entry = TARGET_SCHEMA.validate(target);
      prefixed(at + ".", entry.problems(), problems);
      String provider = entry.config().getString("provider");
      if (entry.isValid() && knownProvider(at + ".provider", provider, problems)) {
        read.add(new RouteOptions.Target(provider, entry.config().getString("model", name),
          entry.config().getLong("weight").intValue()));
      }
    }
    int maxAttempts = config.getLong("maxAttempts", (long) list.size()).intValue();
    if (maxAttempts > list.size()) {
      problems.add(path + ".maxAttempts: must be at most the number of targets (" + list.size() + "), got "
        + maxAttempts);
    }
    if (problems.size() > before) {
      return null;
    }
    if (read.size() == 1) {
      // One target is a plain model: nothing to choose between, nothing to fail over to.
      RouteOptions.Target only = read.get(0);
      return new ModelOptions(name, only.provider(), only.upstreamModel(), config.getString("description"));
    }
    RouteOptions route = new RouteOptions(RouteOptions.Strategy.of(config.getString("strategy", "ordered")), read,
      maxAttempts, config.getLong("failoverTimeoutMs", RouteOptions.DEFAULT_FAILOVER_TIMEOUT_MS),
      config.getLong("failureThreshold", (long) RouteOptions.DEFAULT_FAILURE_THRESHOLD).intValue(),
      config.getLong("cooldownMs", RouteOptions.DEFAULT_COOLDOWN_MS));
    return ModelOptions.routed(name, config.getString("description"), route);
  }

  private boolean knownProvider(String path, String provider, List<String> problems) {
    if (providers.containsKey(provider) || declared.contains(provider)) {
      return true;
    }
    problems.add(path + ": no provider named '" + provider + "' (configured: "
      + String.join(", ", providers.keySet()) + ")");
    return false;
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
    List<String> used = model.route() == null ? List.of(model.provider())
      : model.route().targets().stream().map(RouteOptions.Target::provider).toList();
    for (String provider : used) {
      if (!providers.containsKey(provider)) {
        throw new IllegalArgumentException("no provider named " + provider);
      }
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
