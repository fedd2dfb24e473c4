package io.tokenlane.cluster;

import io.tokenlane.cluster.impl.ClusterStreams;
import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.stream.StreamHubOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The {@link StreamDirectory} of a cluster: Hazelcast maps hold the stream registry (owner, session, request
 * id), the request-id claims, the sessions' running streams and a backup of every stream's events, and the
 * clustered Vert.x event bus carries followers' events, cancels and lookups between members.
 */
public interface HazelcastDirectory extends StreamDirectory {

  /**
   * Starts the directory of this member.
   *
   * @param vertx a clustered Vert.x instance
   * @param clusterManager its cluster manager
   * @param options the cluster options
   * @param streams the hub's bounds (the resume window sets how long ended streams stay findable)
   * @return the directory, once it receives other members' messages
   */
  static Future<HazelcastDirectory> start(Vertx vertx, HazelcastClusterManager clusterManager, ClusterOptions options,
                                          StreamHubOptions streams) {
    return ClusterStreams.start(vertx, clusterManager, options, streams).map(directory -> directory);
  }

  /**
   * The secret that signs session tokens, the same on every member: the first member to ask generates it.
   *
   * @param generated what this member offers
   * @return the cluster's secret
   */
  Future<byte[]> sharedSecret(byte[] generated);

  /** @return this member's view: its id, the members, their open connections as last shared */
  JsonObject status();

  /**
   * Shares this member's open connections with the others (each member's count lives a few intervals unless
   * refreshed) and reads every live member's.
   *
   * @param connections this member's open WebSocket and SSE connections
   * @param ttlMs how long the count stands for this member without a refresh
   * @return member id -> open connections, for every live member that shared one
   */
  Future<java.util.Map<String, Integer>> shareLoad(int connections, long ttlMs);
}
