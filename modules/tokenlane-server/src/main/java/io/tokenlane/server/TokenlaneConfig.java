package io.tokenlane.server;

import io.tokenlane.core.GatewayOptions;
import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.transport.TransportOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.nio.file.Path;

/**
 * The whole gateway configuration, checked: the HTTP server, the transports, the gateway core and shutdown.
 *
 * <p>{@link #fromJson} reports every problem at once, each as {@code path.to.key: what is wrong}.
 */
public final class TokenlaneConfig {

  /** Default HTTP port. */
  public static final int DEFAULT_PORT = 8080;
  /** Default time open streams get to finish on shutdown. */
  public static final long DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

  static final ConfigSchema ROOT_SCHEMA = ConfigSchema.of(
    ConfigField.object("http").description("the HTTP server"),
    ConfigField.object("plugins").description("where third-party plugins are"),
    ConfigField.object("providers").description("provider instances by name"),
    ConfigField.object("models").description("public model names routed to providers"),
    ConfigField.object("shutdown").description("graceful shutdown"));
  static final ConfigSchema HTTP_SCHEMA = ConfigSchema.of(
    ConfigField.string("host").defaultValue("0.0.0.0").description("address to listen on"),
    ConfigField.integer("port").defaultValue((long) DEFAULT_PORT).min(0).max(65535)
      .description("port to listen on; 0 picks a free one"),
    ConfigField.integer("maxBodyBytes").defaultValue(TransportOptions.DEFAULT_MAX_BODY_BYTES).min(1)
      .description("largest request body; larger ones get 413"),
    ConfigField.integer("keepAliveMs").defaultValue(TransportOptions.DEFAULT_KEEP_ALIVE_MS).min(100)
      .description("silence after which an event stream gets a keep-alive comment"));
  static final ConfigSchema SHUTDOWN_SCHEMA = ConfigSchema.of(
    ConfigField.integer("graceMs").defaultValue(DEFAULT_SHUTDOWN_GRACE_MS).min(0)
      .description("how long open streams may take to finish on SIGTERM"));
  static final Map<String, ConfigSchema> OVERRIDABLE_SECTIONS = new LinkedHashMap<>();

  static {
    OVERRIDABLE_SECTIONS.put("http", HTTP_SCHEMA);
    OVERRIDABLE_SECTIONS.put("plugins", GatewayOptions.PLUGINS_SCHEMA);
    OVERRIDABLE_SECTIONS.put("shutdown", SHUTDOWN_SCHEMA);
  }

  private final String host;
  private final int port;
  private final TransportOptions transport;
  private final GatewayOptions gateway;
  private final long shutdownGraceMs;

  private TokenlaneConfig(String host, int port, TransportOptions transport, GatewayOptions gateway,
                          long shutdownGraceMs) {
    this.host = host;
    this.port = port;
    this.transport = transport;
    this.gateway = gateway;
    this.shutdownGraceMs = shutdownGraceMs;
  }

  /**
   * Reads and checks a YAML file, with environment substitution and overrides.
   *
   * @param file the file
   * @param env the environment
   * @param problems where problems are added
   * @return the configuration (complete only when no problem was added)
   */
  public static TokenlaneConfig load(Path file, Function<String, String> env, List<String> problems) {
    JsonObject root = ConfigLoader.load(file, env, problems);
    return problems.isEmpty() ? fromJson(root, problems) : null;
  }

  /**
   * Reads and checks YAML text, with environment substitution and overrides.
   *
   * @param yaml the YAML text
   * @param env the environment
   * @param problems where problems are added
   * @return the configuration (complete only when no problem was added)
   */
  public static TokenlaneConfig parse(String yaml, Function<String, String> env, List<String> problems) {
    JsonObject root = ConfigLoader.parse(yaml, "configuration", env, problems);
    return problems.isEmpty() ? fromJson(root, problems) : null;
  }

  /**
   * Checks a configuration tree.
   *
   * @param root the tree, as parsed from YAML
   * @param problems where problems are added
   * @return the configuration (complete only when no problem was added)
   */
  public static TokenlaneConfig fromJson(JsonObject root, List<String> problems) {
    problems.addAll(ROOT_SCHEMA.validate(root).problems());
    JsonObject http = section(root, "http", HTTP_SCHEMA, problems);
    JsonObject shutdown = section(root, "shutdown", SHUTDOWN_SCHEMA, problems);
    List<String> gatewayProblems = new ArrayList<>();
    GatewayOptions gateway = GatewayOptions.fromJson(root, gatewayProblems);
    problems.addAll(gatewayProblems);
    TransportOptions transport = new TransportOptions();
    if (problems.isEmpty()) {
      transport.setMaxBodyBytes(http.getLong("maxBodyBytes")).setKeepAliveMs(http.getLong("keepAliveMs"));
    }
    return new TokenlaneConfig(http.getString("host"), http.getLong("port", 0L).intValue(), transport, gateway,
      shutdown.getLong("graceMs", DEFAULT_SHUTDOWN_GRACE_MS));
  }

  private static JsonObject section(JsonObject root, String name, ConfigSchema schema, List<String> problems) {
    Object value = root.getValue(name);
    ConfigSchema.Validation validation = schema.validate(value instanceof JsonObject object ? object : null);
    for (String problem : validation.problems()) {
      problems.add(name + "." + problem);
    }
    return validation.config();
  }

  /** @return the address to listen on */
  public String host() {
    return host;
  }

  /** @return the port to listen on, 0 for any free port */
  public int port() {
    return port;
  }

  /** @return the transport settings */
  public TransportOptions transport() {
    return transport;
  }

  /** @return the gateway core settings */
  public GatewayOptions gateway() {
    return gateway;
  }

  /** @return the shutdown grace in ms */
  public long shutdownGraceMs() {
    return shutdownGraceMs;
  }
}
