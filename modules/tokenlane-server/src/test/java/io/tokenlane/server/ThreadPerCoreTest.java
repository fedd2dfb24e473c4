package io.tokenlane.server;

import static io.tokenlane.server.GatewayServer.streamingChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One HTTP server instance per event loop: connections spread over every loop, and each stream's provider runs on
 * the loop of the connection that opened it.
 */
class ThreadPerCoreTest {

  private static final int LOOPS = 4;

  private Vertx vertx;
  private GatewayServer gateway;

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** The threads that served one streamed completion per new connection. */
  private Set<String> threadsServing(String instances, int connections) throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(LOOPS));
    gateway = GatewayServer.start(vertx, """
      http:
        host: 127.0.0.1
        port: 0
        instances: %s
      providers:
        probe: { type: thread-probe }
      models:
        probe: { provider: probe }
      """.formatted(instances));
    Set<String> threads = new HashSet<>();
    for (int i = 0; i < connections; i++) {
      threads.add(onNewConnection(streamingChat("probe", "where?").encode()));
    }
    return threads;
  }

  /** A client of its own per request: a new connection each time, which the server hands to its next instance. */
  private String onNewConnection(String body) throws Exception {
    // GatewayServer's Vert.x client keeps no connection alive.
    String text = gateway.client.request(HttpMethod.POST, gateway.port(), "127.0.0.1", "/v1/chat/completions")
      .compose(request -> request.putHeader("content-type", "application/json").send(body))
      .compose(response -> response.body().map(Object::toString))
      .await(10, TimeUnit.SECONDS);
    return new GatewayServer.Reply(200, null, text).streamedText();
  }

  @Test
  void byDefaultConnectionsSpreadOverEveryEventLoopAndTheirStreamsStayThere() throws Exception {
    Set<String> threads = threadsServing("0", 2 * LOOPS);
    assertEquals(LOOPS, threads.size(), "one server instance, and one provider verticle, per loop: " + threads);
    assertTrue(threads.stream().allMatch(name -> name.startsWith("vert.x-eventloop-thread-")), threads.toString());
  }

  @Test
  void oneInstanceServesEveryConnectionOnOneLoop() throws Exception {
    assertEquals(1, threadsServing("1", 2 * LOOPS).size());
  }
}
