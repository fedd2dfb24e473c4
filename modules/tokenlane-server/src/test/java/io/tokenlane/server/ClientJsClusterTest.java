package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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
    Process node = ClientCheck.start("moved-" + transport, "http://127.0.0.1:" + balancer.port() + "/v1/");
    try {
      int[] holder = {-1};
      NativeClient.await("the client's connection on a member", () -> {
        holder[0] = IntStream.range(0, cluster.members.size()).filter(m -> cluster.client(m).openConnections() > 0)
          .findFirst().orElse(-1);
        return holder[0] >= 0;
      });
      // As Kubernetes does: the draining member leaves the balancer (its readiness fails), then drains.
      balancer.removeBackend(cluster.members.get(holder[0]).port());
      cluster.members.get(holder[0]).verticle.shutdown();

      JsonObject result = ClientCheck.result(node);
      String output = result.encode();
      assertEquals(transport, result.getString("transport"));
      assertEquals("stop", result.getString("reason"), "the generation finished on the draining member");
      assertTrue(result.getInteger("connections") >= 2, "the client reconnected: " + output);
    } finally {
      node.destroyForcibly();
    }
  }

}
