package io.tokenlane.bench.target;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Two gateway members from the gateway's jar forming a cluster on 127.0.0.1, each with the configuration the
 * single-node target uses (so the paths compare) and the cluster in its environment, as an operator sets it
 * ({@code TOKENLANE_CLUSTER_MEMBERS}, {@code _PORT}, {@code _HOST}), rebalancing off. Member A owns the streams the bench starts;
 * member B follows them through its mirrors. No JVM flag is needed: the jar's manifest opens what Hazelcast needs.
 */
public final class TokenlaneCluster implements AutoCloseable {

  private final TokenlaneTarget owner;
  private final TokenlaneTarget other;
  private final Endpoint ownerEndpoint;
  private final Endpoint otherEndpoint;

  private TokenlaneCluster(TokenlaneTarget owner, TokenlaneTarget other, Endpoint ownerEndpoint,
                           Endpoint otherEndpoint) {
    this.owner = owner;
    this.other = other;
    this.ownerEndpoint = ownerEndpoint;
    this.otherEndpoint = otherEndpoint;
  }

  /**
   * Starts both members together (each waits for the other to join) and returns once both see two members.
   *
   * @param jar the gateway's jar
   * @param dir the members' configurations and logs ({@code a/}, {@code b/})
   * @param tuning what the command line adds to every gateway
   * @param upstream the fake upstream's chat ports
   * @throws IOException when a member does not start or the two do not form a cluster within {@code timeout}
   */
  public static TokenlaneCluster start(Path jar, Path dir, GatewayTuning tuning, UpstreamPorts upstream,
                                       Duration timeout)
    throws IOException {
    int clusterA = Ports.free();
    int clusterB = Ports.free();
    String members = "127.0.0.1:" + clusterA + ",127.0.0.1:" + clusterB;
    TokenlaneTarget a = member(jar, dir.resolve("a"), tuning, members, clusterA);
    TokenlaneTarget b = member(jar, dir.resolve("b"), tuning, members, clusterB);
    CompletableFuture<Endpoint> startingA = CompletableFuture.supplyAsync(() -> startOrThrow(a, upstream));
    CompletableFuture<Endpoint> startingB = CompletableFuture.supplyAsync(() -> startOrThrow(b, upstream));
    try {
      TokenlaneCluster cluster = new TokenlaneCluster(a, b, startingA.join(), startingB.join());
      cluster.awaitMembers(2, timeout);
      return cluster;
    } catch (IOException | RuntimeException e) {
      // Both are stopped, whichever failed: the other may be up and waiting for its peer.
      startingA.exceptionally(x -> null).join();
      startingB.exceptionally(x -> null).join();
      a.close();
      b.close();
      throw e.getCause() instanceof UncheckedIOException io ? io.getCause()
        : e instanceof IOException io ? io : new IOException("cluster did not start: " + e.getMessage(), e);
    }
  }

  private static TokenlaneTarget member(Path jar, Path dir, GatewayTuning tuning, String members, int clusterPort) {
    int httpPort = Ports.free();
    Map<String, String> env = new LinkedHashMap<>(tuning.env());
    env.put("TOKENLANE_CLUSTER_MEMBERS", members);
    env.put("TOKENLANE_CLUSTER_PORT", Integer.toString(clusterPort));
    env.put("TOKENLANE_CLUSTER_HOST", "127.0.0.1");
    env.put("TOKENLANE_HTTP_HOST", "127.0.0.1");
    env.put("TOKENLANE_HTTP_PORT", Integer.toString(httpPort));
    // The bench pins each follower to a member on purpose (all of them on B, in most parts): rebalancing would ask
    // them to reconnect elsewhere, which no balancer here turns into a move.
    env.put("TOKENLANE_CLUSTER_REBALANCE_INTERVAL_MS", "0");
    return new TokenlaneTarget(jar, dir, new GatewayTuning(Map.copyOf(env), tuning.jvmFlags()), httpPort);
  }

  private static Endpoint startOrThrow(TokenlaneTarget member, UpstreamPorts upstream) {
    try {
      return member.start(upstream);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls both members' {@code /readyz} until each sees {@code count} members. */
  private void awaitMembers(int count, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (MemberStatus.read(ownerEndpoint).members() != count || MemberStatus.read(otherEndpoint).members() != count) {
      if (System.nanoTime() > deadline) {
        throw new IOException("the members did not see " + count + " members within " + timeout.toSeconds() + " s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  }

  /** @return member A, where prompts go: it owns the streams */
  public TokenlaneTarget owner() {
    return owner;
  }

  /** @return member B, where cross-member followers read */
  public TokenlaneTarget other() {
    return other;
  }

  public Endpoint ownerEndpoint() {
    return ownerEndpoint;
  }

  public Endpoint otherEndpoint() {
    return otherEndpoint;
  }

  /** @return both members' status, A's first */
  public List<MemberStatus> status() {
    return List.of(MemberStatus.read(ownerEndpoint), MemberStatus.read(otherEndpoint));
  }

  @Override
  public void close() {
    owner.close();
    other.close();
  }
}
