package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runnable jar in its own JVM: starting on the default configuration, bad configurations, SIGTERM. */
class TokenlaneJarIT {

  private static Vertx vertx;
  private static HttpClient client;

  @TempDir
  Path dir;

  @BeforeAll
  static void client() {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient();
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static String send(int port, HttpMethod method, String path, String body) throws Exception {
    return client.request(method, port, "127.0.0.1", path)
      .compose(request -> body == null ? request.send() : request.send(body))
      .compose(HttpClientResponse::body).await(30, TimeUnit.SECONDS).toString();
  }

  @Test
  void theJarStartsOnTheDefaultConfigurationAndStreamsWithNoApiKey() throws Exception {
    int port = GatewayProcess.freePort();
    Path conf = Path.of("../../conf/tokenlane.yaml").toAbsolutePath();
    try (GatewayProcess gateway = GatewayProcess.start(dir, Map.of("TOKENLANE_HTTP_PORT", Integer.toString(port)),
      "--config", conf.toString())) {
      assertEquals(port, gateway.awaitPort(), "TOKENLANE_HTTP_PORT must override the file");
      assertTrue(send(port, HttpMethod.GET, "/readyz", null).contains("UP"));
      String body = GatewayServer.streamingChat("mock-fast", "hello").encode();
      GatewayServer.Reply reply = new GatewayServer.Reply(200, null, send(port, HttpMethod.POST, "/v1/chat/completions", body));
      assertEquals("[DONE]", reply.data().get(reply.data().size() - 1));
      assertFalse(reply.streamedText().isBlank());
    }
  }

  @Test
  void withoutAnyFileTheJarRunsTheEmbeddedDefault() throws Exception {
    int port = GatewayProcess.freePort();
    try (GatewayProcess gateway = GatewayProcess.start(dir, Map.of("TOKENLANE_HTTP_PORT", Integer.toString(port)))) {
      assertEquals(port, gateway.awaitPort());
      JsonObject models = new JsonObject(send(port, HttpMethod.GET, "/v1/models", null));
      assertTrue(models.encode().contains("mock-typewriter"), models.encode());
    }
  }

  @Test
  void aBadConfigurationExitsWithCode2ListingEachProblem() throws Exception {
    Path conf = dir.resolve("bad.yaml");
    Files.writeString(conf, """
      http: { port: high }
      providers:
        mock: { type: mock, config: { tokensPerSecond: -1 } }
      models:
        m: { provider: nowhere }
      """);
    try (GatewayProcess gateway = GatewayProcess.start(dir, Map.of(), "--config", conf.toString())) {
      assertEquals(2, gateway.awaitExit(60));
      String output = gateway.output();
      assertTrue(output.contains("- http.port: expected a whole number, got \"high\""), output);
      assertTrue(output.contains("- models.m.provider: no provider named 'nowhere'"), output);
    }
  }

  @Test
  void sigtermEndsOpenStreamsWithAnExplicitEventAndExits() throws Exception {
    Path conf = dir.resolve("stall.yaml");
    int port = GatewayProcess.freePort();
    Files.writeString(conf, """
      http: { host: 127.0.0.1, port: %d }
      providers:
        stall: { type: mock, config: { failure: stall, failAfterTokens: 2 } }
      models:
        stall: { provider: stall }
      shutdown: { graceMs: 500 }
      """.formatted(port));
    try (GatewayProcess gateway = GatewayProcess.start(dir, Map.of(), "--config", conf.toString())) {
      gateway.awaitPort();
      HttpClientResponse response = GatewayServer.openStream(client, port, GatewayServer.streamingChat("stall", "hi"))
        .await(10, TimeUnit.SECONDS);
      Buffer received = Buffer.buffer();
      Promise<Void> firstToken = Promise.promise();
      response.handler(chunk -> {
        received.appendBuffer(chunk);
        if (received.toString().contains("\"content\":\"")) {
          firstToken.tryComplete();
        }
      });
      var ended = response.end();
      response.resume();
      firstToken.future().await(10, TimeUnit.SECONDS);
      gateway.terminate();
      ended.await(10, TimeUnit.SECONDS);
      int code = gateway.awaitExit(20);
      assertTrue(code == 0 || code == 143, "exit code " + code + "\n" + gateway.output());
      List<String> data = new GatewayServer.Reply(200, null, received.toString()).data();
      assertEquals("shutting_down", new JsonObject(data.get(data.size() - 1)).getJsonObject("error").getString("code"));
    }
  }
}
