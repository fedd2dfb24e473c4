package io.tokenlane.server;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Several gateway members in this JVM, each on its own clustered Vert.x (Hazelcast on 127.0.0.1, a TCP member
 * list, no multicast), sharing streams: the single-JVM variant of the cluster tests, for fast feedback.
 */
final class ClusterMembers implements AutoCloseable {

  final List<Vertx> vertxes = new ArrayList<>();
  final List<GatewayServer> members = new ArrayList<>();
  final List<NativeClient> clients = new ArrayList<>();

  /**
   * Starts {@code count} members.
   *
   * @param count how many
   * @param yaml the configuration of every member, without {@code http} and {@code cluster}
   */
  static ClusterMembers start(int count, String yaml) throws Exception {
    ClusterMembers cluster = new ClusterMembers();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ports.add(GatewayProcess.freePort());
    }
    String members = ports.stream().map(port -> "\"127.0.0.1:" + port + "\"").collect(Collectors.joining(", "));
    try {
      for (int port : ports) {
        String config = "http:\n  host: 127.0.0.1\n  port: 0\ncluster:\n  host: 127.0.0.1\n  port: " + port
          + "\n  members: [" + members + "]\n" + yaml;
        List<String> problems = new ArrayList<>();
        TokenlaneConfig parsed = TokenlaneConfig.parse(config, Map.<String, String>of()::get, problems);
        if (!problems.isEmpty()) {
          throw new IllegalArgumentException(problems.toString());
        }
        Vertx vertx = Main.vertx(parsed);
        cluster.vertxes.add(vertx);
        GatewayServer member = GatewayServer.start(vertx, config);
        cluster.members.add(member);
        cluster.clients.add(new NativeClient(vertx, member.port()));
      }
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  NativeClient client(int member) {
    return clients.get(member);
  }

  @Override
  public void close() throws Exception {
    clients.forEach(NativeClient::close);
    for (GatewayServer member : members) {
      member.close();
    }
    for (Vertx vertx : vertxes) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }
}
