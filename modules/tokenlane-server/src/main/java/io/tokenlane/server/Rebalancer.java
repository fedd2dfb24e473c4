package io.tokenlane.server;

import io.tokenlane.cluster.ClusterOptions;
import io.tokenlane.cluster.HazelcastDirectory;
import io.tokenlane.transport.streams.StreamsApi;
import io.vertx.core.Vertx;
import java.util.Map;

/**
 * Evens out long-lived connections across members. Round-robin balancers spread new connections, never old ones:
 * after a scale-out or a restart, WebSockets and event streams stay piled on the old members. Every interval each
 * member shares its count of open connections; one above the cluster's mean by more than the margin asks some
 * of its clients to reconnect (the same hint as a drain), at most a quarter of its connections per interval, so
 * that the counts converge without a stampede. The clients resume their streams through the balancer with nothing
 * lost or repeated.
 */
final class Rebalancer implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Rebalancer.class.getName());
  /** Shed at most this share of a member's connections per interval. */
  static final double MAX_SHED_PER_INTERVAL = 0.25;
  /** Differences of fewer connections than this are noise, not imbalance. */
  static final int MIN_EXCESS = 2;

  private final Vertx vertx;
  private final HazelcastDirectory directory;
  private final StreamsApi streams;
  private final ClusterOptions options;
  private final long timerId;

  Rebalancer(Vertx vertx, HazelcastDirectory directory, StreamsApi streams, ClusterOptions options) {
    this.vertx = vertx;
    this.directory = directory;
    this.streams = streams;
    this.options = options;
    long interval = options.getRebalanceIntervalMs();
    this.timerId = interval > 0 ? vertx.setPeriodic(interval, t -> round()) : -1;
  }

  private void round() {
    int mine = streams.openConnections();
    directory.shareLoad(mine, 3 * options.getRebalanceIntervalMs())
      .onSuccess(loads -> shed(mine, loads))
      .onFailure(e -> LOG.log(System.Logger.Level.DEBUG, "cannot share connection counts: " + e));
  }

  private void shed(int mine, Map<String, Integer> loads) {
    int shed = toShed(mine, loads.values().stream().mapToInt(Integer::intValue).toArray(), options.getRebalanceMargin());
    if (shed > 0) {
      int asked = streams.shed(shed);
      LOG.log(System.Logger.Level.INFO, "rebalancing: " + mine + " open connections here, " + loads
        + " in the cluster; asked " + asked + " clients to reconnect");
    }
  }

  /**
   * How many connections a member sheds this interval: down towards the mean once above it by the margin.
   *
   * @param mine this member's connections
   * @param all every member's, this one's included
   * @param margin the tolerated share above the mean
   * @return how many to shed
   */
  static int toShed(int mine, int[] all, double margin) {
    if (all.length < 2) {
      return 0;
    }
    double mean = 0;
    for (int count : all) {
      mean += count;
    }
    mean /= all.length;
    if (mine <= mean * (1 + margin) || mine - mean < MIN_EXCESS) {
      return 0;
    }
    return (int) Math.max(1, Math.min(Math.floor(mine - mean), Math.ceil(mine * MAX_SHED_PER_INTERVAL)));
  }

  @Override
  public void close() {
    vertx.cancelTimer(timerId);
  }
}
