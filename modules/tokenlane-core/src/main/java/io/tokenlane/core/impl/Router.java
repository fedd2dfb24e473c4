package io.tokenlane.core.impl;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.RouteOptions;
import io.tokenlane.spi.ProviderError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Chooses the target of each attempt of a routed model's streams, and keeps each target's health: a circuit
 * breaker (closed, then open for {@code cooldownMs} after {@code failureThreshold} failures in a row or until an
 * upstream's {@code retry-after}, then half-open: one stream probes it), its streams in flight and a moving
 * average of its time to first token.
 *
 * <p>Thread-safe: a model's streams open on every event loop. Each call holds the router's lock for a few field
 * updates, a handful of times per stream and never per token.
 */
final class Router {

  /** The error code of a routed model none of whose targets is available. */
  static final String NO_HEALTHY_TARGET = "no_healthy_target";
  /** Share of streams that {@code lowest-latency} sends to a target other than the fastest, to measure it again. */
  static final double EXPLORATION = 0.05;
  /** Weight of the newest time to first token in the moving average. */
  static final double EWMA_WEIGHT = 0.3;

  /** A target's circuit. */
  enum Circuit {
    /** Streams go to it. */
    CLOSED,
    /** Skipped until {@code openUntil}; then the next stream that picks it probes it. */
    OPEN,
    /** One stream is probing it; the others skip it until the probe has an answer. */
    HALF_OPEN
  }

  /**
   * The target an attempt goes to.
   *
   * @param target the target
   * @param probe whether this attempt probes a target whose cooldown just ended
   */
  record Pick(Target target, boolean probe) {
  }

  /** One target of the model, with its health. */
  static final class Target {
    final int index;
    final RouteOptions.Target options;
    final AtomicInteger inFlight = new AtomicInteger();
    /** Streams in flight on this target on the other members of a cluster, as last published. */
    volatile int elsewhere;
    // Under the router's lock:
    private Circuit circuit = Circuit.CLOSED;
    private int failures;
    private long openUntil;
    private double ttftMillis = -1;
    private ProviderError lastError;
    private long lastErrorAt;

    Target(int index, RouteOptions.Target options) {
      this.index = index;
      this.options = options;
    }

    String provider() {
      return options.provider();
    }

    int busy() {
      return inFlight.get() + elsewhere;
    }
  }

  private final String model;
  private final RouteOptions options;
  private final List<Target> targets;
  private final LongSupplier clockMillis;
  private final DoubleSupplier random;

  /**
   * @param model the public model name, for error messages
   * @param options the route
   * @param clockMillis a monotonic clock in milliseconds
   * @param random uniform numbers in [0, 1)
   */
  Router(String model, RouteOptions options, LongSupplier clockMillis, DoubleSupplier random) {
    this.model = model;
    this.options = options;
    this.clockMillis = clockMillis;
    this.random = random;
    List<Target> all = new ArrayList<>();
    for (int i = 0; i < options.targets().size(); i++) {
      all.add(new Target(i, options.targets().get(i)));
    }
    this.targets = List.copyOf(all);
  }

  RouteOptions options() {
    return options;
  }

  List<Target> targets() {
    return targets;
  }

  /**
   * The target of a stream's next attempt, counted in flight until {@link #released}.
   *
   * @param tried the targets this stream tried already, one bit per index
   * @return the pick, or {@code null} when every other target is cooling down or was tried
   */
  synchronized Pick pick(long tried) {
    long now = clockMillis.getAsLong();
    List<Target> candidates = new ArrayList<>(targets.size());
    for (Target target : targets) {
      if ((tried & (1L << target.index)) == 0 && available(target, now)) {
        candidates.add(target);
      }
    }
    if (candidates.isEmpty()) {
      return null;
    }
    Target chosen = choose(candidates);
    boolean probe = chosen.circuit == Circuit.OPEN;
    if (probe) {
      chosen.circuit = Circuit.HALF_OPEN;
    }
    chosen.inFlight.incrementAndGet();
    return new Pick(chosen, probe);
  }

  private static boolean available(Target target, long now) {
    return switch (target.circuit) {
      case CLOSED -> true;
      case OPEN -> now >= target.openUntil;
      case HALF_OPEN -> false;
    };
  }

  private Target choose(List<Target> candidates) {
    return switch (options.strategy()) {
      case ORDERED -> candidates.get(0);
      case WEIGHTED -> weighted(candidates);
      case LEAST_BUSY -> leastBusy(candidates);
      case LOWEST_LATENCY -> lowestLatency(candidates);
    };
  }

  private Target weighted(List<Target> candidates) {
    long total = 0;
    for (Target target : candidates) {
      total += target.options.weight();
    }
    double point = random.getAsDouble() * total;
    for (Target target : candidates) {
      point -= target.options.weight();
      if (point < 0) {
        return target;
      }
    }
    return candidates.get(candidates.size() - 1);
  }

  private Target leastBusy(List<Target> candidates) {
    List<Target> idlest = new ArrayList<>(candidates.size());
    int least = Integer.MAX_VALUE;
    for (Target target : candidates) {
      int busy = target.busy();
      if (busy < least) {
        least = busy;
        idlest.clear();
      }
      if (busy == least) {
        idlest.add(target);
      }
    }
    // Ties (an idle model) spread at random rather than all landing on the first target.
    return idlest.get(Math.min(idlest.size() - 1, (int) (random.getAsDouble() * idlest.size())));
  }

  private Target lowestLatency(List<Target> candidates) {
    for (Target target : candidates) {
      if (target.ttftMillis < 0) {
        return target;
      }
    }
    double draw = random.getAsDouble();
    if (draw < EXPLORATION && candidates.size() > 1) {
      // Now and then a slower target gets a stream, so that a target that got faster is noticed.
      int index = Math.min(candidates.size() - 1, (int) (draw / EXPLORATION * candidates.size()));
      return candidates.get(index);
    }
    Target fastest = candidates.get(0);
    for (Target target : candidates) {
      if (target.ttftMillis < fastest.ttftMillis) {
        fastest = target;
      }
    }
    return fastest;
  }

  /**
   * An attempt delivered its first output, or ended cleanly without any: the target works.
   *
   * @param target the target
   * @param ttftMillis the attempt's time to first output, or a negative number when there was none
   */
  synchronized void succeeded(Target target, long ttftMillis) {
    target.failures = 0;
    target.circuit = Circuit.CLOSED;
    if (ttftMillis >= 0) {
      target.ttftMillis = target.ttftMillis < 0 ? ttftMillis
        : EWMA_WEIGHT * ttftMillis + (1 - EWMA_WEIGHT) * target.ttftMillis;
    }
  }

  /**
   * An attempt failed. Counts towards the target's cooldown unless the request itself was at fault; an upstream's
   * {@code retry-after} opens the target until then at once.
   *
   * @param target the target
   * @param error what the provider reported
   */
  synchronized void failed(Target target, ProviderError error) {
    long now = clockMillis.getAsLong();
    target.lastError = error;
    target.lastErrorAt = now;
    if (ProviderError.INVALID_REQUEST.equals(error.code())) {
      if (target.circuit == Circuit.HALF_OPEN) {
        // Says nothing about the target: the next stream probes again.
        target.circuit = Circuit.OPEN;
      }
      return;
    }
    target.failures++;
    if (target.circuit == Circuit.HALF_OPEN || target.failures >= options.failureThreshold()) {
      open(target, now + options.cooldownMs());
    }
    if (error.retryAfterMs() > 0) {
      open(target, now + error.retryAfterMs());
    }
  }

  private static void open(Target target, long until) {
    target.openUntil = target.circuit == Circuit.OPEN ? Math.max(target.openUntil, until) : until;
    target.circuit = Circuit.OPEN;
  }

  /**
   * An attempt is over: it no longer counts in flight. A probe that got no answer (cancelled before its first
   * output) lets the next stream probe.
   *
   * @param pick the attempt's pick
   */
  synchronized void released(Pick pick) {
    Target target = pick.target();
    target.inFlight.decrementAndGet();
    if (pick.probe() && target.circuit == Circuit.HALF_OPEN) {
      target.circuit = Circuit.OPEN;
    }
  }

  /**
   * What a client is told when no target is available: a 429 when the latest failure was a rate limit, else 503
   * {@code no_healthy_target}; either way with the time until the first target may be tried again.
   *
   * @return the exception to throw
   */
  synchronized GatewayException unavailable() {
    long now = clockMillis.getAsLong();
    long soonest = Long.MAX_VALUE;
    ProviderError latest = null;
    long latestAt = Long.MIN_VALUE;
    for (Target target : targets) {
      soonest = Math.min(soonest, target.circuit == Circuit.OPEN ? Math.max(1, target.openUntil - now)
        : Math.min(options.cooldownMs(), 1000));
      if (target.lastError != null && target.lastErrorAt >= latestAt) {
        latest = target.lastError;
        latestAt = target.lastErrorAt;
      }
    }
    String last = latest == null ? "" : " (last error: " + latest.code() + ")";
    if (latest != null && ProviderError.RATE_LIMITED.equals(latest.code())) {
      return GatewayException.rateLimited(ProviderError.RATE_LIMITED, "Every target of the model '" + model
        + "' is rate-limited upstream or cooling down" + last + "; retry later.", soonest);
    }
    return GatewayException.unavailable(NO_HEALTHY_TARGET, "Every target of the model '" + model
      + "' is cooling down after upstream failures" + last + "; retry later.", soonest);
  }

  /** @return the target's circuit, for tests */
  synchronized Circuit circuit(Target target) {
    return target.circuit;
  }

  /** @return the target's moving average of time to first output in ms, or -1 before any */
  synchronized double ttftMillis(Target target) {
    return target.ttftMillis;
  }
}
