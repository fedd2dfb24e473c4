package io.tokenlane.server;

import static io.tokenlane.server.GatewayServer.streamingChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Graceful stop: what SIGTERM triggers through the verticle's undeploy. */
class ShutdownTest {

  private Vertx vertx;
  private GatewayServer gateway;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    gateway = GatewayServer.start(vertx, """
      providers:
        endless:
          type: mock
          config: { failure: stall, length: 100, failAfterTokens: 3 }
      models:
        endless: { provider: endless }
      shutdown:
        graceMs: 300
      """);
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void stoppingEndsOpenStreamsWithAnExplicitShuttingDownErrorAfterTheGrace() throws Exception {
    HttpClientResponse response = gateway.openStream(streamingChat("endless", "hi")).await(10, TimeUnit.SECONDS);
    Buffer received = Buffer.buffer();
    Promise<Void> firstToken = Promise.promise();
    response.handler(chunk -> {
      received.appendBuffer(chunk);
      if (received.toString().contains("\"content\":\"")) {
        firstToken.tryComplete();
      }
    });
    Future<Buffer> whole = response.end().map(v -> received);
    response.resume();
    firstToken.future().await(10, TimeUnit.SECONDS);
    Future<Void> stopped = gateway.verticle.shutdown();
    String body = whole.await(10, TimeUnit.SECONDS).toString();
    stopped.await(10, TimeUnit.SECONDS);
    List<String> data = new GatewayServer.Reply(200, null, body).data();
    assertFalse(data.contains("[DONE]"), body);
    assertEquals("shutting_down", new JsonObject(data.get(data.size() - 1)).getJsonObject("error").getString("code"));
  }

  @Test
  void onStopAWebSocketGetsTheShuttingDownEndThenCloses1001ToReconnectElsewhere() throws Exception {
    try (NativeClient client = new NativeClient(vertx, gateway.port())) {
      NativeClient.Ws ws = client.ws(client.session().getString("token"));
      ws.awaitReady();
      ws.send(NativeClient.prompt("endless", "hi").put("type", "prompt").put("requestId", "r1"));
      String id = ws.awaitStart("r1");
      NativeClient.await("a token", () -> ws.events(id).size() >= 2);
      gateway.verticle.shutdown().await(10, TimeUnit.SECONDS);
      ws.awaitClose();
      List<JsonObject> events = ws.events(id);
      JsonObject end = events.get(events.size() - 1);
      assertEquals("error", end.getString("reason"));
      assertEquals("shutting_down", end.getString("code"));
      assertEquals((short) 1001, ws.closeCode);
    }
  }

  @Test
  void whileDrainingReadinessIsDownAndNewStreamsGet503() throws Exception {
    HttpClientResponse response = gateway.openStream(streamingChat("endless", "hi")).await(10, TimeUnit.SECONDS);
    response.handler(chunk -> { }).resume();
    Future<Void> closed = gateway.verticle.tokenlane().gateway().close(5_000);
    GatewayServer.Reply ready = gateway.get("/readyz");
    assertEquals(503, ready.status());
    assertEquals("DOWN", ready.json().getString("status"));
    GatewayServer.Reply refused = gateway.post("/v1/chat/completions", streamingChat("endless", "again"));
    assertEquals(503, refused.status());
    assertEquals("shutting_down", refused.json().getJsonObject("error").getString("code"));
    response.request().connection().close();
    // The stream ends with its connection, and the gateway undeploys its providers: done before the verticle is
    // undeployed after the test, which would otherwise race it for the same deployments.
    closed.await(10, TimeUnit.SECONDS);
  }
}
