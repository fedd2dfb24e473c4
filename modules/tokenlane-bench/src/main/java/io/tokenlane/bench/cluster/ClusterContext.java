package io.tokenlane.bench.cluster;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.Console;
import io.tokenlane.bench.load.Clients;
import io.tokenlane.bench.load.HeldStream;
import io.tokenlane.bench.load.LoadGenerator;
import io.tokenlane.bench.target.TokenlaneCluster;
import io.tokenlane.bench.upstream.UpstreamProcess;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What each part of the cluster phase works with: the plan, the load generator, the upstream, the two members. */
final class ClusterContext {

  /** Native SSE followers: the protocol whose reads go to any member. */
  private static final BenchPath FOLLOWERS = BenchPath.TOKENLANE_SSE;

  final ClusterPlan plan;
  final LoadGenerator load;
  final UpstreamProcess upstream;
  final TokenlaneCluster cluster;
  private final Console console;

  ClusterContext(ClusterPlan plan, LoadGenerator load, Console console, UpstreamProcess upstream,
                 TokenlaneCluster cluster) {
    this.plan = plan;
    this.load = load;
    this.console = console;
    this.upstream = upstream;
    this.cluster = cluster;
  }

  /** @return followers that prompt on A and read on A */
  Clients local() {
    return new Clients(FOLLOWERS, cluster.ownerEndpoint(), cluster.ownerEndpoint());
  }

  /** @return followers that prompt on A and read (and cancel) on B, through B's mirror */
  Clients cross() {
    return new Clients(FOLLOWERS, cluster.ownerEndpoint(), cluster.otherEndpoint());
  }

  /** Cancels the streams, waits until their clients saw the end, closes the clients. */
  void release(List<HeldStream> held) {
    held.forEach(HeldStream::cancelAsync);
    awaitDone(held, 30_000);
    held.forEach(HeldStream::close);
  }

  /** Waits until every stream is over or the time is up. */
  static void awaitDone(List<HeldStream> held, long timeoutMs) {
    try {
      Future.join(held.stream().map(HeldStream::done).toList()).await(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // Whatever did not end in time is looked at (or closed) by the caller.
    }
  }

  /** A pause for the members to settle before a heap reading (a measurement, not a test: no condition to wait on). */
  void settle() {
    try {
      Thread.sleep(plan.settle().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Progress line prefixed with the phase. */
  void step(String format, Object... args) {
    console.step("%-21s %s", "cluster", String.format(format, args));
  }
}
