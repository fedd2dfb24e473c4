package io.tokenlane.server;

import io.tokenlane.cluster.ClusterOptions;
import io.tokenlane.core.auth.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code java -jar tokenlane.jar [--config FILE]}: starts the gateway, stops it gracefully on SIGTERM.
 *
 * <p>Exit codes: 1 when startup failed, 2 for a bad command line or configuration, 0 for {@code --help}; after
 * SIGTERM the JVM reports the signal (143) once the graceful stop has run.
 */
public final class Main {

  /** The configuration file used when none is named and {@code TOKENLANE_CONFIG} is not set. */
  public static final String DEFAULT_CONFIG = "conf/tokenlane.yaml";
  /** The configuration inside the jar, used when no file is named and the default file is absent. */
  static final String EMBEDDED_CONFIG = "/io/tokenlane/server/default/tokenlane.yaml";

  private Main() {
  }

  /**
   * Starts the gateway.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    int code = run(args, System::getenv, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  static int run(String[] args, Function<String, String> env, PrintStream out, PrintStream err) {
    if (args.length > 0 && "keys".equals(args[0])) {
      return keys(args, out, err);
    }
    String configFile = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config", "-c" -> {
          if (i + 1 >= args.length) {
            err.println("tokenlane: --config needs a file");
            return 2;
          }
          configFile = args[++i];
        }
        case "--help", "-h" -> {
          out.println("usage: java -jar tokenlane.jar [--config FILE]\n"
            + "  FILE defaults to $TOKENLANE_CONFIG, then " + DEFAULT_CONFIG + ", then the embedded default.\n"
            + "       java -jar tokenlane.jar keys create [--id ID] [--owner OWNER] [--models a,b]\n"
            + "  prints a new gateway API key and the lines that configure it (auth.keys).");
          return 0;
        }
        default -> {
          err.println("tokenlane: unknown argument '" + args[i] + "' (try --help)");
          return 2;
        }
      }
    }
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = loadConfig(configFile, env, problems);
    if (!problems.isEmpty()) {
      return printProblems(err, problems);
    }
    if (err == System.err) {
      // The standalone server: a non-blocking log handler (an event loop never waits for the log), text or JSON.
      io.tokenlane.server.logging.LogSetup.install(config.jsonLogs());
    }
    return serve(config, err);
  }

  /** {@code keys create}: a new random key, and its configuration entry (the hash, never the key). */
  static int keys(String[] args, PrintStream out, PrintStream err) {
    if (args.length < 2 || !"create".equals(args[1])) {
      err.println("tokenlane: usage: keys create [--id ID] [--owner OWNER] [--models a,b]");
      return 2;
    }
    String id = "key-" + java.time.LocalDate.now(java.time.ZoneOffset.UTC);
    String owner = "";
    String models = "";
    for (int i = 2; i < args.length; i++) {
      if (i + 1 >= args.length) {
        err.println("tokenlane: " + args[i] + " needs a value");
        return 2;
      }
      switch (args[i]) {
        case "--id" -> id = args[++i];
        case "--owner" -> owner = args[++i];
        case "--models" -> models = args[++i];
        default -> {
          err.println("tokenlane: unknown argument '" + args[i] + "' (try --help)");
          return 2;
        }
      }
    }
    if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
      err.println("tokenlane: --id is 1 to 64 letters, digits, '.', '_' or '-'");
      return 2;
    }
    String key = ApiKeys.generate();
    out.println("# API key " + id + " (shown once: hand it to its user, keep it in a secret store):");
    out.println("#   " + key);
    out.println("# Configure it in tokenlane.yaml (the hash only):");
    out.println("auth:");
    out.println("  keys:");
    out.println("    " + id + ":");
    out.println("      hash: " + ApiKeys.hash(key));
    if (!owner.isEmpty()) {
      out.println("      owner: \"" + owner.replace("\"", "'") + "\"");
    }
    if (!models.isEmpty()) {
      out.println("      models: [" + models + "]");
    }
    out.println("      # expiresAt: 2027-12-31");
    out.println("      # limits: {requestsPerMinute: 60, concurrentStreams: 4, tokensPerMinute: 100000, tokenBudget: 5000000, budgetPeriod: month}");
    return 0;
  }

  private static TokenlaneConfig loadConfig(String configFile, Function<String, String> env, List<String> problems) {
    String file = configFile != null ? configFile : env.apply("TOKENLANE_CONFIG");
    if (file == null && Files.exists(Path.of(DEFAULT_CONFIG))) {
      file = DEFAULT_CONFIG;
    }
    if (file != null) {
      return TokenlaneConfig.load(Path.of(file), env, problems);
    }
    try (InputStream in = Main.class.getResourceAsStream(EMBEDDED_CONFIG)) {
      if (in == null) {
        problems.add("the embedded default configuration is missing from the jar");
        return null;
      }
      return TokenlaneConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), env, problems);
    } catch (IOException e) {
      problems.add("cannot read the embedded default configuration: " + e.getMessage());
      return null;
    }
  }

  private static int printProblems(PrintStream err, List<String> problems) {
    err.println("tokenlane: invalid configuration, " + problems.size() + (problems.size() == 1 ? " problem:" : " problems:"));
    for (String problem : problems) {
      err.println("  - " + problem);
    }
    return 2;
  }

  private static int serve(TokenlaneConfig config, PrintStream err) {
    Vertx vertx;
    try {
      vertx = vertx(config);
    } catch (Exception e) {
      err.println("tokenlane: cannot join the cluster: " + (e.getMessage() != null ? e.getMessage() : e));
      return 1;
    }
    TokenlaneVerticle verticle = new TokenlaneVerticle(config);
    try {
      vertx.deployVerticle(verticle).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof ConfigurationException invalid) {
          return printProblems(err, invalid.problems());
        }
      }
      err.println("tokenlane: failed to start: " + (e.getMessage() != null ? e.getMessage() : e));
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(vertx, verticle, config), "tokenlane-shutdown"));
    return 0;
  }

  /** A plain Vert.x, or a clustered one (Hazelcast) when the configuration asks for a cluster. */
  static Vertx vertx(TokenlaneConfig config) throws Exception {
    VertxOptions options = vertxOptions(config);
    ClusterOptions cluster = config.cluster();
    if (!cluster.isEnabled()) {
      return Vertx.builder().with(options).build();
    }
    if (!"0.0.0.0".equals(cluster.getHost())) {
      options.getEventBusOptions().setHost(cluster.getHost());
    }
    if (!cluster.getPublicHost().isEmpty()) {
      options.getEventBusOptions().setClusterPublicHost(cluster.getPublicHost());
    }
    options.getEventBusOptions().setPort(cluster.getEventBusPort());
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(
        cluster.hazelcastConfig(config.streams().getResumeWindowMs())))
      .buildClustered().await(120, TimeUnit.SECONDS);
  }

  /**
   * Thread per core, as nginx and Envoy run their workers: one event loop per core by default, and the native
   * epoll transport where the platform has it (Vert.x falls back to NIO elsewhere).
   */
  static VertxOptions vertxOptions(TokenlaneConfig config) {
    int eventLoops = config.eventLoops() > 0 ? config.eventLoops() : Runtime.getRuntime().availableProcessors();
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(eventLoops).setPreferNativeTransport(true);
    if (config.metricsEnabled()) {
      // Vert.x's own meters (HTTP server, event bus, pools, JVM) in a Prometheus registry of this instance's
      // (its name unique, so that instances in one JVM keep apart); Tokenlane adds the gateway's to it. Not its HTTP
      // client's: they looked up and recorded several meters per upstream request, 9% of the gateway's CPU at 50
      // tokens a stream, for what the gateway's own meters say per model and provider.
      options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
        .setRegistryName("tokenlane-" + java.util.UUID.randomUUID())
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    }
    return options;
  }

  /** SIGTERM: undeploy gracefully (streams get the grace period), then close Vert.x, bounded in time. */
  private static void stop(Vertx vertx, TokenlaneVerticle verticle, TokenlaneConfig config) {
    try {
      verticle.shutdown().eventually(vertx::close).await(config.shutdownGraceMs() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      System.err.println("tokenlane: shutdown did not complete cleanly: " + e);
    }
  }
}
