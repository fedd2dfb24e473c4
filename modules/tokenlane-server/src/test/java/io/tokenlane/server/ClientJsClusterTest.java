package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tokenlane-client-js} in Node against three members behind a round-robin balancer: the member that holds
 * the client's connection drains mid-stream, and the client follows the reconnect hint and finishes the answer
 * through another member, on the same transport, whole.
 */
class ClientJsClusterTest {

  private static final Path CLIENT_DIR = Path.of(System.getProperty("tokenlane.client.dir", "../tokenlane-client-js"));

  private static ClusterMembers cluster;
  private static Vertx vertx;
  private static RoundRobinBalancer balancer;

  @BeforeAll
  static void start() throws Exception {
    cluster = ClusterMembers.start(3, """
      providers:
        mock-typewriter:
          type: mock
          config: { ttftMs: 50, tokensPerSecond: 60, length: 240 }
      models:
        mock-typewriter: { provider: mock-typewriter }
      """);
    vertx = Vertx.vertx();
    balancer = RoundRobinBalancer.start(vertx, cluster.members.stream().map(GatewayServer::port).toList());
  }

  @AfterAll
  static void stop() throws Exception {
    balancer.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    cluster.close();
  }

  @Test
  void aWebSocketClientFollowsTheReconnectHintOfADrainingMember() throws Exception {
    assertMovedAndWhole("websocket");
  }

  @Test
  void anSseClientFollowsTheReconnectHintOfADrainingMember() throws Exception {
    assertMovedAndWhole("sse");
  }

  private static void assertMovedAndWhole(String transport) throws Exception {
    Process node = new ProcessBuilder("node", "--experimental-websocket", "src/test/js/client-check.mjs",
      "moved-" + transport, "http://127.0.0.1:" + balancer.port() + "/v1/").directory(CLIENT_DIR.toFile())
      .redirectErrorStream(true).start();
    try {
      int[] holder = {-1};
      NativeClient.await("the client's connection on a member", () -> {
        holder[0] = IntStream.range(0, cluster.members.size()).filter(m -> openConnections(m) > 0).findFirst().orElse(-1);
        return holder[0] >= 0;
      });
      // As Kubernetes does: the draining member leaves the balancer (its readiness fails), then drains.
      balancer.removeBackend(cluster.members.get(holder[0]).port());
      cluster.members.get(holder[0]).verticle.shutdown();

      String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertTrue(node.waitFor(60, TimeUnit.SECONDS), "node did not finish");
      assertEquals(0, node.exitValue(), output);
      List<String> lines = output.lines().filter(l -> l.startsWith("{")).toList();
      JsonObject result = new JsonObject(lines.get(lines.size() - 1));
      assertTrue(result.getBoolean("ok"), output);
      assertEquals(transport, result.getString("transport"));
      assertEquals("stop", result.getString("reason"), "the generation finished on the draining member");
      assertTrue(result.getInteger("connections") >= 2, "the client reconnected: " + output);
    } finally {
      node.destroyForcibly();
    }
  }

  private static int openConnections(int member) {
    try {
      NativeClient.Reply ready = cluster.client(member).request(HttpMethod.GET, "/readyz", null, null);
      return ready.status() == 200 ? ready.json().getInteger("openConnections") : 0;
    } catch (Exception e) {
      return 0;
    }
  }
}
