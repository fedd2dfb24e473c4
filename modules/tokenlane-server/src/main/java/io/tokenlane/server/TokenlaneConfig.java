package io.tokenlane.server;

import io.tokenlane.cluster.ClusterOptions;
import io.tokenlane.core.GatewayOptions;
import io.tokenlane.core.auth.ApiKeys;
import io.tokenlane.core.auth.Limits;
import io.tokenlane.core.session.SessionTokens;
import io.tokenlane.transport.auth.AuthOptions;
import io.tokenlane.transport.auth.JwtOptions;
import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.transport.BrowserPolicy;
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
    ConfigField.object("cluster").description("several gateway members sharing streams through Hazelcast"),
    ConfigField.object("auth").description("who may call the gateway (API keys, JWT) and what each may spend"),
    ConfigField.object("browser").description("which web pages may call the API: WebSocket origin check and CORS"),
    ConfigField.object("logging").description("log format and the access log"),
    ConfigField.object("metrics").description("Prometheus metrics (docs/operations.md, \"Metrics\")"));

  static final ConfigSchema LOGGING_SCHEMA = ConfigSchema.of(
    ConfigField.oneOf("format", "text", "json").defaultValue("text")
      .description("text lines, or one JSON object per line (for log collectors)"),
    ConfigField.bool("accessLog").defaultValue(true)
      .description("one line per HTTP request (logger io.tokenlane.access): method, path, status, duration, bytes,"
        + " client, request id"),
    ConfigField.bool("prompts").defaultValue(false)
      .description("log each stream's messages as it opens (logger io.tokenlane.prompts): for debugging only, prompts"
        + " may hold personal data"));
  static final ConfigSchema HTTP_SCHEMA = ConfigSchema.of(
    ConfigField.string("host").defaultValue("127.0.0.1")
      .description("address to listen on; 0.0.0.0 for every interface (then configure auth)"),
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
        + " Vert.x keeps its own)"),
    // Connection hardening (docs/security.md).
    ConfigField.integer("headerTimeoutMs").defaultValue(HttpLimits.DEFAULT_HEADER_TIMEOUT_MS).min(0)
      .description("most time a request head may take, from the connection's opening or the previous response's"
        + " end; then the connection is closed (slowloris, silent connections); 0: off"),
    ConfigField.integer("bodyTimeoutMs").defaultValue(HttpLimits.DEFAULT_BODY_TIMEOUT_MS).min(0)
      .description("most time a request body may take to arrive whole; then 408 and the connection closed; 0: off"),
    ConfigField.integer("idleTimeoutMs").defaultValue(HttpLimits.DEFAULT_IDLE_TIMEOUT_MS).min(0)
      .description("a connection with no byte read or written this long is closed; above the transports'"
        + " heartbeats and long-poll wait; 0: off"),
    ConfigField.object("tls").description("TLS on the gateway's own listener (PEM files), for deployments without a"
      + " terminating proxy"));
  static final ConfigSchema TLS_SCHEMA = ConfigSchema.of(
    ConfigField.bool("enabled").defaultValue(false)
      .description("serve HTTPS and WSS; also on when certPath and keyPath are set"),
    ConfigField.string("certPath").defaultValue("").description("PEM file of the certificate (chain)"),
    ConfigField.string("keyPath").defaultValue("").description("PEM file of the private key (PKCS#8 or PKCS#1)"));
  static final ConfigSchema SHUTDOWN_SCHEMA = ConfigSchema.of(
    ConfigField.integer("graceMs").defaultValue(DEFAULT_SHUTDOWN_GRACE_MS).min(0)
      .description("how long open streams may take to finish on SIGTERM"));
  static final ConfigSchema SESSIONS_SCHEMA = ConfigSchema.of(
    ConfigField.string("secret").defaultValue("").secret()
      .description("HMAC secret signing session tokens, at least 32 bytes; the same on every instance of a cluster."
        + " Empty: a random secret, so tokens are valid on this instance only"),
    ConfigField.integer("ttlMs").defaultValue(DEFAULT_SESSION_TTL_MS).min(1000)
      .description("how long a session token is valid"),
    ConfigField.integer("urlTokenTtlMs").defaultValue(SessionTokens.DEFAULT_URL_TTL_MS).min(1000).max(3_600_000)
      .description("how long a URL token (WebSocket and EventSource URLs) opens connections"),
    ConfigField.bool("multiDevice").defaultValue(false)
      .description("any session of the same principal may follow, resume and cancel a stream by its id"));
  static final ConfigSchema AUTH_SCHEMA = ConfigSchema.of(
    ConfigField.string("required").defaultValue("auto")
      .description("whether clients need a credential; auto: when keys or jwt are configured"),
    ConfigField.string("apiKey").defaultValue("").secret()
      .description("one key in plain, every model (TOKENLANE_API_KEY); for a quick start and tests"),
    ConfigField.object("keys").description("API keys by id: hash, owner, models, expiresAt, limits"),
    ConfigField.string("keysFile").defaultValue("")
      .description("a YAML or JSON file of more keys, in the shape of keys (a mounted Kubernetes Secret)"),
    ConfigField.object("defaultLimits").description("limits of keys that set none"),
    ConfigField.object("jwt").description("JWT validation: jwksUri, issuer, audience, models, limits"));
  static final ConfigSchema JWT_SCHEMA = ConfigSchema.of(
    ConfigField.string("jwksUri").required().description("the identity provider's JWKS URL"),
    ConfigField.string("issuer").defaultValue("").description("the iss every token must carry; empty: any"),
    ConfigField.string("audience").defaultValue("").description("the aud every token must carry; empty: any"),
    ConfigField.stringList("models").defaultValue(new JsonArray())
      .description("public models JWT principals may use; empty: every model"),
    ConfigField.object("limits").description("limits of each JWT subject; absent: auth.defaultLimits"),
    ConfigField.integer("refreshMs").defaultValue(600_000L).min(10_000).description("how often the JWKS is fetched again"),
    ConfigField.integer("leewaySeconds").defaultValue(30L).min(0).max(600)
      .description("clock skew allowed on exp and nbf"));
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
      .max(10_000_000).description("most streams one instance keeps, running or resumable; then 503 over_capacity"),
    ConfigField.integer("maxReadersPerStream").defaultValue((long) StreamHubOptions.DEFAULT_MAX_READERS_PER_STREAM).min(1)
      .max(100_000).description("most connections reading one stream at once on this member (WebSocket and SSE"
        + " followers, waiting long-polls); then 429 too_many_readers"));
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
      .description("longest a stream's events wait to cross to another member, with those of the other streams on"
        + " its event loop"),
    ConfigField.integer("backupMs").defaultValue(ClusterOptions.DEFAULT_BACKUP_MS).min(0).max(10_000)
      .description("how often the events of a stream no other member follows are backed up (its end with the"
        + " next batch)"),
    ConfigField.integer("urgentMs").defaultValue(ClusterOptions.DEFAULT_URGENT_MS).min(0).max(1000)
      .description("shortest time between an event loop's cluster writes when one carries a first token (or an end)"
        + " another member waits for"),
    ConfigField.integer("memberTimeoutMs").defaultValue(ClusterOptions.DEFAULT_MEMBER_TIMEOUT_MS).min(2000)
      .max(300_000).description("a member silent this long is dropped, and its streams end with owner_lost"),
    ConfigField.integer("rebalanceIntervalMs").defaultValue(ClusterOptions.DEFAULT_REBALANCE_INTERVAL_MS).min(0)
      .max(3_600_000).description("how often members compare open connections and the busiest shed some; 0: never"),
    ConfigField.number("rebalanceMargin").defaultValue(ClusterOptions.DEFAULT_REBALANCE_MARGIN).min(0).max(10)
      .description("how far above the cluster's mean (0.1 = 10%) a member's connections go before it sheds some"),
    ConfigField.bool("reissue").defaultValue(false)
      .description("when a member is lost mid-stream, another runs the prompt again and the stream goes on after a"
        + " restart event (the upstream is paid twice); false: the stream ends with owner_lost"));
  static final ConfigSchema BROWSER_SCHEMA = ConfigSchema.of(
    ConfigField.stringList("allowedOrigins").defaultValue(new JsonArray())
      .description("origins of web pages allowed to call the API besides the gateway's own, each"
        + " scheme://host[:port] (https://app.example.com), or * for any; empty: the gateway's own origin only"),
    ConfigField.integer("maxAgeSeconds").defaultValue(BrowserPolicy.DEFAULT_MAX_AGE_SECONDS).min(0).max(86_400)
      .description("how long a browser may cache the answer to a CORS preflight"));
  static final ConfigSchema METRICS_SCHEMA = ConfigSchema.of(
    ConfigField.bool("enabled").defaultValue(true)
      .description("serve the gateway's and Vert.x's meters in Prometheus text format"),
    ConfigField.string("path").defaultValue("/metrics")
      .description("where the router serves them; an absolute path"));
  static final Map<String, ConfigSchema> OVERRIDABLE_SECTIONS = new LinkedHashMap<>();

  static {
    OVERRIDABLE_SECTIONS.put("http", HTTP_SCHEMA);
    OVERRIDABLE_SECTIONS.put("http.tls", TLS_SCHEMA);
    OVERRIDABLE_SECTIONS.put("plugins", GatewayOptions.PLUGINS_SCHEMA);
    OVERRIDABLE_SECTIONS.put("shutdown", SHUTDOWN_SCHEMA);
    OVERRIDABLE_SECTIONS.put("sessions", SESSIONS_SCHEMA);
    OVERRIDABLE_SECTIONS.put("streams", STREAMS_SCHEMA);
    OVERRIDABLE_SECTIONS.put("transports", TRANSPORTS_SCHEMA);
    OVERRIDABLE_SECTIONS.put("cluster", CLUSTER_SCHEMA);
    OVERRIDABLE_SECTIONS.put("auth", AUTH_SCHEMA);
    OVERRIDABLE_SECTIONS.put("browser", BROWSER_SCHEMA);
    OVERRIDABLE_SECTIONS.put("logging", LOGGING_SCHEMA);
    OVERRIDABLE_SECTIONS.put("metrics", METRICS_SCHEMA);
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
  private final long urlTokenTtlMs;
  private ClusterOptions cluster = new ClusterOptions();
  private AuthOptions auth = AuthOptions.none();
  private BrowserPolicy browser = BrowserPolicy.sameOriginOnly();
  private boolean jsonLogs;
  private boolean accessLog = true;
  private boolean logPrompts;
  private HttpLimits httpLimits = new HttpLimits(HttpLimits.DEFAULT_HEADER_TIMEOUT_MS,
    HttpLimits.DEFAULT_BODY_TIMEOUT_MS, HttpLimits.DEFAULT_IDLE_TIMEOUT_MS, TransportOptions.DEFAULT_MAX_BODY_BYTES);
  private boolean metricsEnabled = true;
  private String metricsPath = "/metrics";
  private Path tlsCertPath;
  private Path tlsKeyPath;

  private TokenlaneConfig(JsonObject http, TransportOptions transport, GatewayOptions gateway,
                          long shutdownGraceMs, StreamHubOptions streams, byte[] sessionSecret, long sessionTtlMs,
                          long urlTokenTtlMs) {
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
    this.urlTokenTtlMs = urlTokenTtlMs;
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
    JsonObject tls = section(http, "http.tls", "tls", TLS_SCHEMA, problems);
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
      streams = new StreamHubOptions(streamsJson).setAcrossSessions(sessions.getBoolean("multiDevice", false));
    }
    JsonObject clusterJson = section(root, "cluster", CLUSTER_SCHEMA, problems);
    TokenlaneConfig config = new TokenlaneConfig(http, transport, gateway,
      shutdown.getLong("graceMs", DEFAULT_SHUTDOWN_GRACE_MS), streams, secret,
      sessions.getLong("ttlMs", DEFAULT_SESSION_TTL_MS),
      sessions.getLong("urlTokenTtlMs", SessionTokens.DEFAULT_URL_TTL_MS));
    JsonObject authJson = section(root, "auth", AUTH_SCHEMA, problems);
    if (problems.isEmpty()) {
      config.cluster = cluster(clusterJson, problems);
      config.auth = auth(authJson, problems);
      config.httpLimits = httpLimits(http, transport, problems);
      config.tls(tls, problems);
    }
    JsonObject logging = section(root, "logging", LOGGING_SCHEMA, problems);
    config.jsonLogs = "json".equals(logging.getString("format", "text"));
    config.accessLog = logging.getBoolean("accessLog", true);
    config.logPrompts = logging.getBoolean("prompts", false);
    JsonObject browserJson = section(root, "browser", BROWSER_SCHEMA, problems);
    if (problems.isEmpty()) {
      config.browser = browser(browserJson, problems);
    }
    JsonObject metricsJson = section(root, "metrics", METRICS_SCHEMA, problems);
    if (problems.isEmpty()) {
      config.metricsEnabled = metricsJson.getBoolean("enabled", true);
      config.metricsPath = metricsJson.getString("path", "/metrics");
      if (!config.metricsPath.matches("/[A-Za-z0-9._~/-]*")) {
        problems.add("metrics.path: an absolute path of letters, digits and . _ ~ - /, got '"
          + io.tokenlane.core.ClientValues.bounded(config.metricsPath) + "'");
      }
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

  /** The auth section; the keys file is read here (configuration loads off the event loop). */
  private static AuthOptions auth(JsonObject json, List<String> problems) {
    Limits defaults = Limits.fromJson(json.getJsonObject("defaultLimits"), Limits.NONE, "auth.defaultLimits", problems);
    JsonObject keys = json.getJsonObject("keys", new JsonObject()).copy();
    String keysFile = json.getString("keysFile", "");
    if (!keysFile.isEmpty()) {
      List<String> fileProblems = new ArrayList<>();
      JsonObject fromFile = ConfigLoader.load(Path.of(keysFile), name -> null, fileProblems);
      fileProblems.forEach(problem -> problems.add("auth.keysFile: " + problem));
      if (fromFile != null) {
        for (String id : fromFile.fieldNames()) {
          if (keys.containsKey(id)) {
            problems.add("auth.keysFile: key '" + id + "' is also in auth.keys");
          }
          keys.put(id, fromFile.getValue(id));
        }
      }
    }
    ApiKeys apiKeys = ApiKeys.fromJson(keys, json.getString("apiKey", ""), defaults, "auth.keys", problems);
    JwtOptions jwt = null;
    if (json.getValue("jwt") instanceof JsonObject jwtJson) {
      ConfigSchema.Validation validation = JWT_SCHEMA.validate(jwtJson);
      validation.problems().forEach(problem -> problems.add("auth.jwt." + problem));
      if (validation.problems().isEmpty()) {
        JsonObject checked = validation.config();
        jwt = new JwtOptions(checked.getString("jwksUri"), checked.getString("issuer"), checked.getString("audience"),
          new java.util.HashSet<>(checked.getJsonArray("models").stream().map(String::valueOf).toList()),
          Limits.fromJson(checked.getJsonObject("limits"), defaults, "auth.jwt.limits", problems),
          checked.getLong("refreshMs"), checked.getLong("leewaySeconds").intValue());
      }
    }
    String required = String.valueOf(json.getValue("required", "auto"));
    if (!List.of("auto", "true", "false").contains(required)) {
      problems.add("auth.required: must be auto, true or false, got '" + io.tokenlane.core.ClientValues.bounded(required) + "'");
      required = "true";
    }
    AuthOptions options = new AuthOptions("auto".equals(required) ? null : Boolean.valueOf(required), apiKeys, jwt);
    if (Boolean.TRUE.equals(options.required()) && apiKeys.isEmpty() && jwt == null) {
      problems.add("auth.required: true, but no key (auth.keys, auth.keysFile, TOKENLANE_API_KEY) and no jwt is configured");
    }
    return options;
  }

  /** The browser section: every allowed origin checked, so a typo is refused rather than silently never matching. */
  private static BrowserPolicy browser(JsonObject json, List<String> problems) {
    List<String> origins = json.getJsonArray("allowedOrigins", new JsonArray()).stream().map(String::valueOf).toList();
    try {
      return BrowserPolicy.create(origins, json.getLong("maxAgeSeconds", BrowserPolicy.DEFAULT_MAX_AGE_SECONDS));
    } catch (IllegalArgumentException e) {
      problems.add("browser.allowedOrigins: " + e.getMessage());
      return BrowserPolicy.sameOriginOnly();
    }
  }

  private static JsonObject section(JsonObject root, String name, ConfigSchema schema, List<String> problems) {
    return section(root, name, name, schema, problems);
  }

  private static JsonObject section(JsonObject parent, String path, String key, ConfigSchema schema,
                                    List<String> problems) {
    Object value = parent.getValue(key);
    ConfigSchema.Validation validation = schema.validate(value instanceof JsonObject object ? object : null);
    for (String problem : validation.problems()) {
      problems.add(path + "." + problem);
    }
    return validation.config();
  }

  /** The connection limits; the idle timeout must let every legitimate silence pass. */
  private static HttpLimits httpLimits(JsonObject http, TransportOptions transport, List<String> problems) {
    long idle = http.getLong("idleTimeoutMs");
    long longestSilence = Math.max(transport.getMaxPollWaitMs(),
      Math.max(transport.getHeartbeatMs(), transport.getKeepAliveMs()));
    if (idle > 0 && idle <= longestSilence + 1000) {
      problems.add("http.idleTimeoutMs: must be over " + (longestSilence + 1000) + " (the longest silence of a healthy"
        + " connection: transports.maxPollWaitMs, transports.heartbeatMs and http.keepAliveMs, plus a second), got "
        + idle);
    }
    return new HttpLimits(http.getLong("headerTimeoutMs"), http.getLong("bodyTimeoutMs"), idle,
      transport.getMaxBodyBytes());
  }

  /** TLS: on when asked, or when both files are named; each file must be readable now, not at the first client. */
  private void tls(JsonObject tls, List<String> problems) {
    String cert = tls.getString("certPath", "");
    String key = tls.getString("keyPath", "");
    if (!tls.getBoolean("enabled", false) && cert.isEmpty() && key.isEmpty()) {
      return;
    }
    tlsCertPath = readable("http.tls.certPath", cert, problems);
    tlsKeyPath = readable("http.tls.keyPath", key, problems);
  }

  private static Path readable(String name, String file, List<String> problems) {
    if (file.isEmpty()) {
      problems.add(name + ": required when TLS is on (http.tls.enabled, or the other PEM file set)");
      return null;
    }
    Path path = Path.of(file);
    if (!java.nio.file.Files.isRegularFile(path)) {
      problems.add(name + ": no such file: " + path.toAbsolutePath());
    } else if (!java.nio.file.Files.isReadable(path)) {
      problems.add(name + ": cannot read " + path.toAbsolutePath() + " (permissions)");
    }
    return path;
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

  /** @return the connection and request limits of the HTTP server */
  HttpLimits httpLimits() {
    return httpLimits;
  }

  /** @return the PEM certificate file when TLS is on, else {@code null} */
  public Path tlsCertPath() {
    return tlsCertPath;
  }

  /** @return the PEM private key file when TLS is on, else {@code null} */
  public Path tlsKeyPath() {
    return tlsKeyPath;
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

  /** @return how long a URL token opens connections, in ms */
  public long urlTokenTtlMs() {
    return urlTokenTtlMs;
  }

  /** @return whether log lines are JSON objects */
  public boolean jsonLogs() {
    return jsonLogs;
  }

  /** @return whether every HTTP request gets an access-log line */
  public boolean accessLog() {
    return accessLog;
  }

  /** @return whether each stream's prompt is logged ({@code logging.prompts}, off by default) */
  public boolean logPrompts() {
    return logPrompts;
  }

  /** @return how clients authenticate (none by default) */
  public AuthOptions auth() {
    return auth;
  }

  /** @return how long a session token is valid, in ms */
  public long sessionTtlMs() {
    return sessionTtlMs;
  }

  /** @return how this member joins a cluster (off by default) */
  public ClusterOptions cluster() {
    return cluster;
  }

  /** @return which web pages may call the API (origin check and CORS) */
  public BrowserPolicy browser() {
    return browser;
  }

  /** @return whether the router serves metrics */
  public boolean metricsEnabled() {
    return metricsEnabled;
  }

  /** @return where the router serves the metrics */
  public String metricsPath() {
    return metricsPath;
  }

  /** @return the shutdown grace in ms */
  public long shutdownGraceMs() {
    return shutdownGraceMs;
  }
}
