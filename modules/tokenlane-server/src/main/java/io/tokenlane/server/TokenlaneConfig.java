package io.tokenlane.server;

import io.tokenlane.cluster.ClusterOptions;
import io.tokenlane.core.GatewayOptions;
import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.transport.TransportOptions;
import io.tokenlane.core.stream.StreamHubOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
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
  /** Default validity of a session token: 24 hours. */
  public static final long DEFAULT_SESSION_TTL_MS = 24 * 3600_000L;

  static final ConfigSchema ROOT_SCHEMA = ConfigSchema.of(
    ConfigField.object("http").description("the HTTP server"),
    ConfigField.object("plugins").description("where third-party plugins are"),
    ConfigField.object("providers").description("provider instances by name"),
    ConfigField.object("models").description("public model names routed to providers"),
    ConfigField.object("shutdown").description("graceful shutdown"),
    ConfigField.object("sessions").description("session tokens of the native protocol"),
    ConfigField.object("streams").description("replay, resume and detach of native streams"),
    ConfigField.object("transports").description("the native transports offered to clients"),
    ConfigField.object("cluster").description("several gateway members sharing streams through Hazelcast"));
  static final ConfigSchema HTTP_SCHEMA = ConfigSchema.of(
    ConfigField.string("host").defaultValue("0.0.0.0").description("address to listen on"),
    ConfigField.integer("port").defaultValue((long) DEFAULT_PORT).min(0).max(65535)
      .description("port to listen on; 0 picks a free one"),
    ConfigField.integer("maxBodyBytes").defaultValue(TransportOptions.DEFAULT_MAX_BODY_BYTES).min(1)
      .description("largest request body; larger ones get 413"),
    ConfigField.integer("keepAliveMs").defaultValue(TransportOptions.DEFAULT_KEEP_ALIVE_MS).min(100)
      .description("silence after which an event stream gets a keep-alive comment"),
    ConfigField.integer("instances").defaultValue(0L).min(0).max(1024)
      .description("HTTP server instances sharing the port; 0: one per event loop, so every core serves clients"),
    ConfigField.integer("eventLoops").defaultValue(0L).min(0).max(1024)
      .description("event-loop threads of the standalone server; 0: one per CPU core (an embedding application's"
        + " Vert.x keeps its own)"));
  static final ConfigSchema SHUTDOWN_SCHEMA = ConfigSchema.of(
    ConfigField.integer("graceMs").defaultValue(DEFAULT_SHUTDOWN_GRACE_MS).min(0)
      .description("how long open streams may take to finish on SIGTERM"));
  static final ConfigSchema SESSIONS_SCHEMA = ConfigSchema.of(
    ConfigField.string("secret").defaultValue("").secret()
      .description("HMAC secret signing session tokens, at least 32 bytes; the same on every instance of a cluster."
        + " Empty: a random secret, so tokens are valid on this instance only"),
    ConfigField.integer("ttlMs").defaultValue(DEFAULT_SESSION_TTL_MS).min(1000)
      .description("how long a session token is valid"));
  static final ConfigSchema STREAMS_SCHEMA = ConfigSchema.of(
    ConfigField.integer("detachGraceMs").defaultValue(StreamHubOptions.DEFAULT_DETACH_GRACE_MS).min(1)
      .description("how long a stream with no client attached runs on before it is cancelled upstream"),
    ConfigField.integer("resumeWindowMs").defaultValue(StreamHubOptions.DEFAULT_RESUME_WINDOW_MS).min(1)
      .description("how long events are kept for resume, and ended streams stay resumable"),
    ConfigField.integer("replayCapacity").defaultValue((long) StreamHubOptions.DEFAULT_REPLAY_CAPACITY).min(2)
      .max(1_000_000).description("most events kept per stream for resume; older ones fold into the snapshot that a"
        + " client further behind gets"),
    ConfigField.integer("snapshotMaxBytes").defaultValue(StreamHubOptions.DEFAULT_SNAPSHOT_MAX_BYTES).min(0)
      .description("most bytes of an answer's evicted text and tool calls folded into its snapshot; past it, or at"
        + " 0, a client behind the replay buffer gets a reset"),
    ConfigField.integer("maxRunningPerSession").defaultValue((long) StreamHubOptions.DEFAULT_MAX_RUNNING_PER_SESSION)
      .min(1).max(100_000).description("most streams of one session running at once"),
    ConfigField.integer("maxStreams").defaultValue((long) StreamHubOptions.DEFAULT_MAX_STREAMS).min(1)
      .max(10_000_000).description("most streams one instance keeps, running or resumable; then 503 over_capacity"));
  static final ConfigSchema TRANSPORTS_SCHEMA = ConfigSchema.of(
    ConfigField.stringList("enabled").defaultValue(new JsonArray(TransportOptions.ALL_TRANSPORTS))
      .description("native transports offered, in order of preference: websocket, sse, long-polling"),
    ConfigField.integer("heartbeatMs").defaultValue(TransportOptions.DEFAULT_HEARTBEAT_MS).min(100)
      .description("heartbeat interval of WebSocket and SSE connections"),
    ConfigField.integer("maxFrameBytes").defaultValue((long) TransportOptions.DEFAULT_MAX_FRAME_BYTES).min(256)
      .max(16L * 1024 * 1024).description("largest WebSocket message accepted from a client"),
    ConfigField.integer("maxPollWaitMs").defaultValue(TransportOptions.DEFAULT_MAX_POLL_WAIT_MS).min(1)
      .max(300_000).description("longest wait a long-poll may ask for"),
    ConfigField.integer("pollLingerMs").defaultValue(TransportOptions.DEFAULT_POLL_LINGER_MS).min(0).max(1000)
      .description("how long a woken long-poll whose client has the answer's beginning waits for more events;"
        + " 0: answer at once"),
    ConfigField.bool("compression").defaultValue(false)
      .description("let WebSocket clients negotiate permessage-deflate; a message inflates only up to maxFrameBytes"
        + " (past it: close 1009)"));
  static final ConfigSchema CLUSTER_SCHEMA = ConfigSchema.of(
    ConfigField.bool("enabled").defaultValue(false)
      .description("join a cluster; also on when members or kubernetesServiceDns is set"),
    ConfigField.stringList("members").defaultValue(new JsonArray())
      .description("the members to join, host:port each (TOKENLANE_CLUSTER_MEMBERS=a:5701,b:5701 turns clustering on)"),
    ConfigField.string("kubernetesServiceDns").defaultValue("")
      .description("on Kubernetes: the headless service whose DNS names the members (instead of members)"),
    ConfigField.string("host").defaultValue("0.0.0.0").description("address Hazelcast and the event bus listen on"),
    ConfigField.string("publicHost").defaultValue("")
      .description("address the other members reach this one at; empty: the host's own"),
    ConfigField.integer("port").defaultValue((long) ClusterOptions.DEFAULT_PORT).min(1).max(65535)
      .description("Hazelcast's port on this member"),
    ConfigField.integer("eventBusPort").defaultValue(0L).min(0).max(65535)
      .description("port of the event bus between members; 0: any free one"),
    ConfigField.string("name").defaultValue("tokenlane").description("cluster name: members of other clusters are refused"),
    ConfigField.integer("batchMs").defaultValue(ClusterOptions.DEFAULT_BATCH_MS).min(0).max(1000)
      .description("longest a stream's events wait to cross to another member together (the first goes at once)"),
    ConfigField.integer("backupMs").defaultValue(ClusterOptions.DEFAULT_BACKUP_MS).min(0).max(10_000)
      .description("how often the events of a stream no other member follows are backed up (its end at once)"),
    ConfigField.integer("memberTimeoutMs").defaultValue(ClusterOptions.DEFAULT_MEMBER_TIMEOUT_MS).min(2000)
      .max(300_000).description("a member silent this long is dropped, and its streams end with owner_lost"),
    ConfigField.integer("rebalanceIntervalMs").defaultValue(ClusterOptions.DEFAULT_REBALANCE_INTERVAL_MS).min(0)
      .max(3_600_000).description("how often members compare open connections and the busiest shed some; 0: never"),
    ConfigField.number("rebalanceMargin").defaultValue(ClusterOptions.DEFAULT_REBALANCE_MARGIN).min(0).max(10)
      .description("how far above the cluster's mean (0.1 = 10%) a member's connections go before it sheds some"));
  static final Map<String, ConfigSchema> OVERRIDABLE_SECTIONS = new LinkedHashMap<>();

  static {
    OVERRIDABLE_SECTIONS.put("http", HTTP_SCHEMA);
    OVERRIDABLE_SECTIONS.put("plugins", GatewayOptions.PLUGINS_SCHEMA);
    OVERRIDABLE_SECTIONS.put("shutdown", SHUTDOWN_SCHEMA);
    OVERRIDABLE_SECTIONS.put("sessions", SESSIONS_SCHEMA);
    OVERRIDABLE_SECTIONS.put("streams", STREAMS_SCHEMA);
    OVERRIDABLE_SECTIONS.put("transports", TRANSPORTS_SCHEMA);
    OVERRIDABLE_SECTIONS.put("cluster", CLUSTER_SCHEMA);
  }

  private final String host;
  private final int port;
  private final int httpInstances;
  private final int eventLoops;
  private final TransportOptions transport;
  private final GatewayOptions gateway;
  private final long shutdownGraceMs;
  private final StreamHubOptions streams;
  private final byte[] sessionSecret;
  private final long sessionTtlMs;
  private ClusterOptions cluster = new ClusterOptions();

  private TokenlaneConfig(JsonObject http, TransportOptions transport, GatewayOptions gateway,
                          long shutdownGraceMs, StreamHubOptions streams, byte[] sessionSecret, long sessionTtlMs) {
    this.host = http.getString("host");
    this.port = http.getLong("port", 0L).intValue();
    this.httpInstances = http.getLong("instances", 0L).intValue();
    this.eventLoops = http.getLong("eventLoops", 0L).intValue();
    this.transport = transport;
    this.gateway = gateway;
    this.shutdownGraceMs = shutdownGraceMs;
    this.streams = streams;
    this.sessionSecret = sessionSecret;
    this.sessionTtlMs = sessionTtlMs;
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
    JsonObject sessions = section(root, "sessions", SESSIONS_SCHEMA, problems);
    JsonObject streamsJson = section(root, "streams", STREAMS_SCHEMA, problems);
    JsonObject transports = section(root, "transports", TRANSPORTS_SCHEMA, problems);
    byte[] secret = sessions.getString("secret", "").getBytes(StandardCharsets.UTF_8);
    if (secret.length > 0 && secret.length < 32) {
      problems.add("sessions.secret: must be at least 32 bytes (it signs session tokens)");
    }
    List<String> enabled = transports.getJsonArray("enabled", new JsonArray()).stream().map(String::valueOf).toList();
    if (enabled.isEmpty() || !TransportOptions.ALL_TRANSPORTS.containsAll(enabled)
      || enabled.stream().distinct().count() != enabled.size()) {
      problems.add("transports.enabled: must list distinct transports among " + TransportOptions.ALL_TRANSPORTS
        + ", got " + enabled);
    }
    List<String> gatewayProblems = new ArrayList<>();
    GatewayOptions gateway = GatewayOptions.fromJson(root, gatewayProblems);
    problems.addAll(gatewayProblems);
    TransportOptions transport = new TransportOptions();
    StreamHubOptions streams = new StreamHubOptions();
    if (problems.isEmpty()) {
      transport.setMaxBodyBytes(http.getLong("maxBodyBytes")).setKeepAliveMs(http.getLong("keepAliveMs"))
        .setTransports(enabled).setHeartbeatMs(transports.getLong("heartbeatMs"))
        .setMaxFrameBytes(transports.getLong("maxFrameBytes").intValue())
        .setMaxPollWaitMs(transports.getLong("maxPollWaitMs"))
        .setPollLingerMs(transports.getLong("pollLingerMs"))
        .setCompression(transports.getBoolean("compression", false));
      streams = new StreamHubOptions(streamsJson);
    }
    JsonObject clusterJson = section(root, "cluster", CLUSTER_SCHEMA, problems);
    TokenlaneConfig config = new TokenlaneConfig(http, transport, gateway,
      shutdown.getLong("graceMs", DEFAULT_SHUTDOWN_GRACE_MS), streams, secret,
      sessions.getLong("ttlMs", DEFAULT_SESSION_TTL_MS));
    if (problems.isEmpty()) {
      config.cluster = cluster(clusterJson, problems);
    }
    return config;
  }

  /** The cluster section: on when asked, or when members or a Kubernetes service are named. */
  private static ClusterOptions cluster(JsonObject json, List<String> problems) {
    JsonArray members = json.getJsonArray("members", new JsonArray());
    for (Object member : members) {
      if (!String.valueOf(member).matches("[^\\s:]+:\\d{1,5}")) {
        problems.add("cluster.members: each member is host:port, got '" + member + "'");
      }
    }
    boolean enabled = json.getBoolean("enabled", false) || !members.isEmpty()
      || !json.getString("kubernetesServiceDns", "").isEmpty();
    JsonObject options = json.copy().put("enabled", enabled);
    options.put("port", json.getLong("port", (long) ClusterOptions.DEFAULT_PORT).intValue());
    options.put("eventBusPort", json.getLong("eventBusPort", 0L).intValue());
    return new ClusterOptions(options);
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

  /** @return HTTP server instances, 0 for one per event loop */
  public int httpInstances() {
    return httpInstances;
  }

  /** @return event-loop threads of the standalone server, 0 for one per CPU core */
  public int eventLoops() {
    return eventLoops;
  }

  /** @return the transport settings */
  public TransportOptions transport() {
    return transport;
  }

  /** @return the gateway core settings */
  public GatewayOptions gateway() {
    return gateway;
  }

  /** @return replay, resume and detach settings of native streams */
  public StreamHubOptions streams() {
    return new StreamHubOptions(streams);
  }

  /** @return the configured session secret, empty when none was configured */
  byte[] sessionSecret() {
    return sessionSecret.clone();
  }

  /** @return how long a session token is valid, in ms */
  public long sessionTtlMs() {
    return sessionTtlMs;
  }

  /** @return how this member joins a cluster (off by default) */
  public ClusterOptions cluster() {
    return cluster;
  }

  /** @return the shutdown grace in ms */
  public long shutdownGraceMs() {
    return shutdownGraceMs;
  }
}
