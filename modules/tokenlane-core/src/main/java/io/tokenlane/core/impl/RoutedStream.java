package io.tokenlane.core.impl;

import io.tokenlane.core.RouteOptions;
import io.tokenlane.core.metrics.Meters;
import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.spi.ProviderError;
import java.util.concurrent.TimeUnit;

/**
 * One client stream of a routed model: a chain of attempts, each a {@link StreamBridge} to one target, of which
 * the client sees one stream. An attempt that fails before its first output hands the stream to the next target
 * the {@link Router} picks, within the route's budget of attempts and time; once output reached the client, the
 * stream is that target's and a failure ends it. Every call is on the client's context.
 */
final class RoutedStream implements ActiveStream, StreamBridge.Failover {

  /** Starts one attempt on a target's provider; the gateway's part. */
  interface Launcher {
    /**
     * @return the running attempt
     * @throws io.tokenlane.core.GatewayException when the gateway is shutting down
     */
    StreamBridge launch(RouteOptions.Target target, Meters.StreamMeter meter, StreamBridge.Failover failover,
                        int attempt);

    /** @return whether the gateway stopped taking streams */
    boolean closing();
  }

  private final String id;
  private final Router router;
  private final Meters.ModelMeters modelMeters;
  private final Meters.UpstreamMeters[] upstreamMeters;
  private final Launcher launcher;
  /** The client stream's meter, shared by its attempts: one stream started, one ended, whatever the failovers. */
  private Meters.StreamMeter meter;
  private final long openedNanos = System.nanoTime();
  private Router.Pick pick;
  private StreamBridge current;
  private long attemptNanos;
  private long tried;
  private int attempts;
  private boolean output;
  private boolean resolved;

  RoutedStream(String id, Router router, Meters.ModelMeters modelMeters, Meters.UpstreamMeters[] upstreamMeters,
               Launcher launcher) {
    this.id = id;
    this.router = router;
    this.modelMeters = modelMeters;
    this.upstreamMeters = upstreamMeters;
    this.launcher = launcher;
  }

  /**
   * Starts the first attempt.
   *
   * @throws io.tokenlane.core.GatewayException when no target is available (429 or 503 with a retry time)
   */
  void start() {
    Router.Pick first = router.pick(0);
    if (first == null) {
      throw router.unavailable();
    }
    try {
      attempt(first);
    } catch (RuntimeException e) {
      router.released(first);
      throw e;
    }
  }

  private void attempt(Router.Pick next) {
    if (meter == null) {
      meter = modelMeters.open();
    }
    StreamBridge bridge = launcher.launch(next.target().options, meter, this, attempts + 1);
    upstreamMeters[next.target().index].request();
    current = bridge;
    pick = next;
    tried |= 1L << next.target().index;
    attempts++;
    output = false;
    resolved = false;
    attemptNanos = System.nanoTime();
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public void cancel() {
    current.cancel();
  }

  @Override
  public void firstOutput() {
    output = true;
    resolved = true;
    router.succeeded(pick.target(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - attemptNanos));
  }

  @Override
  public boolean failed(ProviderError error) {
    resolved = true;
    router.failed(pick.target(), error);
    if (output || !error.isRetryable() || attempts >= router.options().maxAttempts() || launcher.closing()
        || System.nanoTime() - openedNanos >= TimeUnit.MILLISECONDS.toNanos(router.options().failoverTimeoutMs())) {
      return false;
    }
    Router.Pick next = router.pick(tried);
    if (next == null) {
      return false;
    }
    Router.Pick failed = pick;
    long failedNanos = attemptNanos;
    try {
      attempt(next);
    } catch (RuntimeException e) {
      // The gateway began shutting down: the client gets this attempt's error.
      router.released(next);
      return false;
    }
    release(failed, true, failedNanos);
    return true;
  }

  @Override
  public void ended(StreamEnd end) {
    if (!resolved && !end.isError() && end.reason() != StreamEnd.Reason.CANCELLED) {
      // A clean end without any text (an empty answer) still shows the target works.
      router.succeeded(pick.target(), -1);
    }
    release(pick, end.isError(), attemptNanos);
  }

  private void release(Router.Pick attempt, boolean failed, long startedNanos) {
    router.released(attempt);
    upstreamMeters[attempt.target().index].ended(failed, System.nanoTime() - startedNanos);
  }
}
