package io.tokenlane.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Gateway members as separate JVMs running the runnable jar, as an operator starts them: Hazelcast on 127.0.0.1
 * with a TCP member list given by {@code TOKENLANE_CLUSTER_MEMBERS}, one configuration file for all.
 */
final class GatewayCluster implements AutoCloseable {

  private final Vertx vertx;
  private final Path dir;
  private final Path config;
  private final List<Integer> clusterPorts = new ArrayList<>();
  final List<GatewayProcess> processes = new ArrayList<>();
  final List<Integer> httpPorts = new ArrayList<>();
  final List<NativeClient> clients = new ArrayList<>();

  private GatewayCluster(Vertx vertx, Path dir, Path config) {
    this.vertx = vertx;
    this.dir = dir;
    this.config = config;
  }

  /**
   * Starts {@code count} members (a few seconds apart: joins are faster so), room for {@code spare} more.
   *
   * @param yaml the configuration every member reads
   */
  static GatewayCluster start(Vertx vertx, Path dir, String yaml, int count, int spare) throws Exception {
    Path config = dir.resolve("tokenlane.yaml");
    Files.writeString(config, yaml);
    GatewayCluster cluster = new GatewayCluster(vertx, dir, config);
    for (int i = 0; i < count + spare; i++) {
      cluster.clusterPorts.add(GatewayProcess.freePort());
    }
    try {
      for (int i = 0; i < count; i++) {
        cluster.startMember();
      }
      for (NativeClient client : cluster.clients) {
        NativeClient.await("every member to see " + count, () -> cluster.members(client) == count);
      }
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** Starts the next member; it joins the others. */
  int startMember() throws Exception {
    int index = processes.size();
    int httpPort = GatewayProcess.freePort();
    Map<String, String> env = new HashMap<>();
    env.put("TOKENLANE_HTTP_HOST", "127.0.0.1");
    env.put("TOKENLANE_HTTP_PORT", Integer.toString(httpPort));
    env.put("TOKENLANE_CLUSTER_HOST", "127.0.0.1");
    env.put("TOKENLANE_CLUSTER_PORT", Integer.toString(clusterPorts.get(index)));
    env.put("TOKENLANE_CLUSTER_MEMBERS", clusterPorts.stream().map(port -> "127.0.0.1:" + port)
      .collect(Collectors.joining(",")));
    GatewayProcess process = GatewayProcess.start(dir, env, "--config", config.toString());
    processes.add(process);
    httpPorts.add(httpPort);
    process.awaitPort();
    clients.add(new NativeClient(vertx, httpPort));
    return index;
  }

  NativeClient client(int member) {
    return clients.get(member);
  }

  /** The cluster size a member reports on /readyz (0 when it does not answer). */
  int members(NativeClient client) {
    JsonObject status = clusterStatus(client);
    return status == null ? 0 : status.getInteger("members");
  }

  /**
   * Waits until every running member sees all the others and says its partitions have their backups in sync
   * ({@code /readyz} {@code cluster.safe}): the state in which losing any one member loses nothing. Each map keeps
   * one backup, so a test that kills members one after the other waits for this before each kill, as an operator
   * waits before taking the next member down.
   */
  void awaitSafe() {
    long running = processes.stream().filter(GatewayProcess::isAlive).count();
    StringBuilder seen = new StringBuilder();
    try {
      NativeClient.await("every member safe", () -> {
        seen.setLength(0);
        boolean all = true;
        for (int i = 0; i < processes.size(); i++) {
          if (!processes.get(i).isAlive()) {
            continue;
          }
          JsonObject status = clusterStatus(clients.get(i));
          seen.append(i).append(": ").append(status == null ? "no answer" : status.encode()).append("; ");
          all &= status != null && status.getInteger("members") == running && status.getBoolean("safe", false);
        }
        return all;
      }, 60_000);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + seen, e);
    }
  }

  private static JsonObject clusterStatus(NativeClient client) {
    try {
      NativeClient.Reply ready = client.request(HttpMethod.GET, "/readyz", null, null);
      return ready.status() == 200 ? ready.json().getJsonObject("cluster") : null;
    } catch (Exception e) {
      return null;
    }
  }

  String output() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < processes.size(); i++) {
      out.append("---- member ").append(i).append(" ----\n").append(processes.get(i).output()).append('\n');
    }
    return out.toString();
  }

  @Override
  public void close() {
    clients.forEach(NativeClient::close);
    processes.forEach(GatewayProcess::close);
  }
}
