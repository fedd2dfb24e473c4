package io.tokenlane.core;

import java.util.List;
import java.util.Locale;

/**
 * How one public model is spread over several provider targets, and how a stream fails over between them before
 * its first token.
 *
 * @param strategy how the first target of a stream is chosen (and the next one after a failure)
 * @param targets the targets, in configuration order (at least two)
 * @param maxAttempts most targets one stream tries, 1 to the number of targets
 * @param failoverTimeoutMs no new attempt starts once the stream is this old; its last error reaches the client
 * @param failureThreshold consecutive failures that put a target in cooldown
 * @param cooldownMs how long a target is skipped once in cooldown; then one stream probes it
 */
public record RouteOptions(Strategy strategy, List<Target> targets, int maxAttempts, long failoverTimeoutMs,
                           int failureThreshold, long cooldownMs) {

  /** Most targets one model may have. */
  public static final int MAX_TARGETS = 64;
  /** A stream stops failing over 30 s after it opened. */
  public static final long DEFAULT_FAILOVER_TIMEOUT_MS = 30_000;
  /** Three failures in a row put a target in cooldown. */
  public static final int DEFAULT_FAILURE_THRESHOLD = 3;
  /** A target in cooldown is skipped for 30 s. */
  public static final long DEFAULT_COOLDOWN_MS = 30_000;
  /** Members of a cluster exchange their least-busy counts every second. */
  public static final long LOAD_SHARE_PERIOD_MS = 1_000;

  /** How a target is chosen. */
  public enum Strategy {
    /** At random, in proportion to the targets' weights. */
    WEIGHTED("weighted"),
    /** The first healthy target in configuration order: a failover chain. */
    ORDERED("ordered"),
    /** The target with the fewest streams in flight (cluster-wide when clustered). */
    LEAST_BUSY("least-busy"),
    /** The target with the lowest moving average of time to first token, exploring the others now and then. */
    LOWEST_LATENCY("lowest-latency");

    private final String wireName;

    Strategy(String wireName) {
      this.wireName = wireName;
    }

    /** @return the name used in the configuration */
    public String wireName() {
      return wireName;
    }

    /** @return the names used in the configuration, in declaration order */
    public static String[] wireNames() {
      Strategy[] all = values();
      String[] names = new String[all.length];
      for (int i = 0; i < all.length; i++) {
        names[i] = all[i].wireName;
      }
      return names;
    }

    /**
     * @param name a configuration name such as {@code least-busy}
     * @return the strategy
     * @throws IllegalArgumentException for an unknown name
     */
    public static Strategy of(String name) {
      for (Strategy strategy : values()) {
        if (strategy.wireName.equals(name.toLowerCase(Locale.ROOT))) {
          return strategy;
        }
      }
      throw new IllegalArgumentException("unknown strategy '" + name + "' (one of: "
        + String.join(", ", wireNames()) + ")");
    }
  }

  /**
   * One place a routed model's streams may go.
   *
   * @param provider the provider instance name
   * @param upstreamModel the model name sent to it
   * @param weight its share under {@link Strategy#WEIGHTED}, at least 1
   */
  public record Target(String provider, String upstreamModel, int weight) {
    /** Checks the fields. */
    public Target {
      if (provider == null || provider.isBlank() || upstreamModel == null || upstreamModel.isBlank()) {
        throw new IllegalArgumentException("a target needs a provider and an upstream model");
      }
      if (weight < 1) {
        throw new IllegalArgumentException("weight must be at least 1, got " + weight);
      }
    }
  }

  /** Checks the fields. */
  public RouteOptions {
    if (strategy == null) {
      throw new IllegalArgumentException("strategy must not be null");
    }
    targets = List.copyOf(targets);
    if (targets.size() < 2 || targets.size() > MAX_TARGETS) {
      throw new IllegalArgumentException("a route has 2 to " + MAX_TARGETS + " targets, got " + targets.size());
    }
    if (maxAttempts < 1 || maxAttempts > targets.size()) {
      throw new IllegalArgumentException("maxAttempts must be within 1.." + targets.size() + ", got " + maxAttempts);
    }
    if (failoverTimeoutMs < 0 || failureThreshold < 1 || cooldownMs < 1) {
      throw new IllegalArgumentException("failoverTimeoutMs must be >= 0, failureThreshold and cooldownMs >= 1");
    }
  }

  /**
   * A route with the default budgets: every target may be tried, within {@link #DEFAULT_FAILOVER_TIMEOUT_MS}.
   *
   * @param strategy the strategy
   * @param targets the targets
   * @return the route
   */
  public static RouteOptions of(Strategy strategy, List<Target> targets) {
    return new RouteOptions(strategy, targets, targets.size(), DEFAULT_FAILOVER_TIMEOUT_MS,
      DEFAULT_FAILURE_THRESHOLD, DEFAULT_COOLDOWN_MS);
  }
}
