package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Connection-aware rebalancing after a scale-out: 200 WebSocket clients, each following a stream, all on member A
 * behind a round-robin balancer; member B starts and joins the balancer. A sheds clients with the reconnect hint
 * until the counts even out, and every client resumes its stream through the balancer with no token lost or
 * repeated.
 */
class RebalanceIT {

  private static final int CLIENTS = 200;
  private static final int TOKENS = 240;

  @Test
  void afterAScaleOutConnectionsEvenOutAndNoTokenIsLostOrRepeated() throws Exception {
    Vertx vertx = Vertx.vertx();
    Path dir = Files.createTempDirectory("tokenlane-rebalance-it");
    try (GatewayCluster cluster = GatewayCluster.start(vertx, dir, """
      providers:
        slow:
          type: mock
          config: { tokensPerSecond: 8, length: %d }
      models:
        slow: { provider: slow }
      cluster:
        rebalanceIntervalMs: 1000
      transports:
        heartbeatMs: 60000
      """.formatted(TOKENS), 1, 1);
         RoundRobinBalancer balancer = RoundRobinBalancer.start(vertx, List.of(cluster.httpPorts.get(0)))) {
      // Vert.x allows 50 WebSockets per host by default: these are 200 browsers, each with its own.
      WebSocketClient webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(4 * CLIENTS));
      NativeClient viaBalancer = new NativeClient(vertx, balancer.port());
      List<ResumingClient> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        ResumingClient client = new ResumingClient(webSockets, balancer.port(), viaBalancer.session().getString("token"));
        clients.add(client);
        client.connect(null);
      }
      NativeClient.await("every client streaming on A", () -> clients.stream().allMatch(c -> c.events().size() > 1),
        60_000);
      assertEquals(CLIENTS, connections(cluster.client(0)));

      int b = cluster.startMember();
      balancer.addBackend(cluster.httpPorts.get(b));
      long started = System.nanoTime();
      NativeClient.await("connections within 20% of each other", () -> {
        int onA = connections(cluster.client(0));
        int onB = connections(cluster.client(b));
        return onA + onB == CLIENTS && Math.abs(onA - onB) <= 0.2 * CLIENTS / 2;
      }, 60_000);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      System.out.println("RebalanceIT: counts converged " + tookMs + " ms after B joined; clients moved: "
        + clients.stream().filter(c -> c.reconnects.get() > 0).count());
      assertTrue(clients.stream().anyMatch(c -> c.reconnects.get() > 0), "some clients were moved");

      NativeClient.await("every stream ended", () -> clients.stream().allMatch(ResumingClient::ended), 120_000);
      webSockets.close();
      for (ResumingClient client : clients) {
        List<JsonObject> events = client.events();
        NativeClient.assertWholeStream(events);
        assertEquals(0, client.duplicates.get(), "no event repeated");
        assertEquals("stop", events.get(events.size() - 1).getString("reason"));
        JsonObject usage = events.stream().filter(e -> "usage".equals(e.getString("type"))).findFirst().orElseThrow();
        assertEquals(TOKENS, usage.getInteger("completionTokens"));
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static int connections(NativeClient member) {
    try {
      NativeClient.Reply ready = member.request(HttpMethod.GET, "/readyz", null, null);
      return ready.json().getInteger("openConnections");
    } catch (Exception e) {
      return -1;
    }
  }

  /** A WebSocket client that follows one stream and, asked to reconnect, resumes it through the balancer. */
  private static final class ResumingClient {
    private final WebSocketClient webSockets;
    private final int port;
    private final String token;
    private final List<JsonObject> events = new ArrayList<>();
    final AtomicInteger reconnects = new AtomicInteger();
    final AtomicInteger duplicates = new AtomicInteger();
    private volatile String streamId;

    ResumingClient(WebSocketClient webSockets, int port, String token) {
      this.webSockets = webSockets;
      this.port = port;
      this.token = token;
    }

    void connect(Long resumeFrom) {
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/v1/ws").addHeader("authorization", "Bearer " + token);
      webSockets.connect(options).onSuccess(ws -> {
        ws.textMessageHandler(text -> received(ws, new JsonObject(text), resumeFrom));
        ws.closeHandler(v -> closed(ws));
      }).onFailure(e -> connect(resumeFrom));
    }

    private void received(WebSocket ws, JsonObject message, Long resumeFrom) {
      String type = message.getString("type");
      if ("ready".equals(type)) {
        if (ended()) {
          return;
        }
        JsonObject first = resumeFrom == null
          ? NativeClient.prompt("slow", "tell me").put("type", "prompt").put("requestId", "r-1")
          : new JsonObject().put("type", "resume").put("streamId", streamId).put("lastSeq", resumeFrom);
        ws.writeTextMessage(first.encode());
      } else if (message.containsKey("seq")) {
        synchronized (this) {
          streamId = message.getString("streamId");
          long last = events.isEmpty() ? 0 : events.get(events.size() - 1).getLong("seq");
          if (message.getLong("seq") <= last) {
            duplicates.incrementAndGet();
          } else {
            events.add(message);
          }
        }
      }
    }

    private void closed(WebSocket ws) {
      if (ws.closeStatusCode() != null && ws.closeStatusCode() == 1001 && ws.closeReason() != null
          && ws.closeReason().startsWith("reconnect:")) {
        reconnects.incrementAndGet();
        long last;
        synchronized (this) {
          last = events.isEmpty() ? 0 : events.get(events.size() - 1).getLong("seq");
        }
        connect(last);
      }
    }

    synchronized List<JsonObject> events() {
      return new ArrayList<>(events);
    }

    synchronized boolean ended() {
      return !events.isEmpty() && "end".equals(events.get(events.size() - 1).getString("type"));
    }
  }
}
