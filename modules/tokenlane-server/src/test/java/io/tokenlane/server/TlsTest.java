package io.tokenlane.server;

import static io.tokenlane.server.GatewayServer.streamingChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS on the gateway's own listener, with the self-signed pair in test resources (tls/README.md). */
class TlsTest {

  private static final String CERT = resource("tls/cert.pem");
  private static final String KEY = resource("tls/key.pem");

  private static final String MODELS = """
    providers:
      fast:
        type: mock
        config: { length: 30 }
    models:
      fast: { provider: fast }
    """;

  private static Vertx vertx;
  private static GatewayServer gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    gateway = GatewayServer.start(vertx, """
      http:
        host: 127.0.0.1
        port: 0
        tls:
          certPath: %s
          keyPath: %s
      """.formatted(CERT, KEY) + MODELS);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String resource(String name) {
    try {
      return Path.of(TlsTest.class.getClassLoader().getResource(name).toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anHttpsClientTrustingTheCertificateStreamsAChatCompletion() throws Exception {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
      .setTrustOptions(new PemTrustOptions().addCertPath(CERT)));
    try {
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("localhost")
        .setPort(gateway.port()).setURI("/v1/chat/completions").putHeader("content-type", "application/json");
      Buffer body = client.request(options)
        .compose(request -> request.send(streamingChat("fast", "hello").encode()))
        .compose(response -> {
          assertEquals(200, response.statusCode());
          return response.body();
        }).await(20, TimeUnit.SECONDS);
      String text = body.toString();
      assertTrue(text.contains("chat.completion.chunk"), text);
      assertTrue(text.trim().endsWith("data: [DONE]"), text);
    } finally {
      client.close();
    }
  }

  @Test
  void aWebSocketOverWssGetsReady() throws Exception {
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setSsl(true)
      .setTrustOptions(new PemTrustOptions().addCertPath(CERT)));
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setVerifyHost(true)
      .setTrustOptions(new PemTrustOptions().addCertPath(CERT)));
    try {
      String token = http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("localhost")
          .setPort(gateway.port()).setURI("/v1/sessions"))
        .compose(request -> request.send()).compose(response -> response.body())
        .map(b -> b.toJsonObject().getString("urlToken")).await(10, TimeUnit.SECONDS);
      CompletableFuture<JsonObject> ready = new CompletableFuture<>();
      // The handler is set before connecting: ready is the first frame, sent as soon as the upgrade completes.
      client.webSocket().textMessageHandler(text -> ready.complete(new JsonObject(text)))
        .connect(new WebSocketConnectOptions().setHost("localhost").setPort(gateway.port()).setSsl(true)
          .setURI("/v1/ws?access_token=" + token)).await(10, TimeUnit.SECONDS);
      assertEquals("ready", ready.get(10, TimeUnit.SECONDS).getString("type"));
    } finally {
      client.close();
      http.close();
    }
  }

  @Test
  void aMissingOrHalfConfiguredPemPairIsAClearStartupError() {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig.parse("""
      http:
        tls:
          certPath: /nonexistent/cert.pem
          keyPath: %s
      """.formatted(KEY) + MODELS, Map.<String, String>of()::get, problems);
    assertEquals(List.of("http.tls.certPath: no such file: /nonexistent/cert.pem"), problems);

    problems.clear();
    TokenlaneConfig.parse("http:\n  tls:\n    enabled: true\n" + MODELS, Map.<String, String>of()::get, problems);
    assertEquals(2, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("http.tls.certPath: required"), problems.toString());
  }

  @Test
  void aFileThatIsNotPemFailsTheStartWithAMessage() {
    String notPem = resource("tls/README.md");
    Exception failure = assertThrows(Exception.class, () -> GatewayServer.start(vertx, """
      http:
        host: 127.0.0.1
        port: 0
        tls:
          certPath: %s
          keyPath: %s
      """.formatted(notPem, KEY) + MODELS).close());
    assertTrue(String.valueOf(failure.getMessage()).contains("http.tls: cannot load the key pair"), failure.toString());
  }

  @Test
  void thePemFilesCanComeFromTheEnvironment() {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = TokenlaneConfig.parse("http:\n  port: 0\n" + MODELS,
      Map.of("TOKENLANE_HTTP_TLS_CERT_PATH", CERT, "TOKENLANE_HTTP_TLS_KEY_PATH", KEY)::get, problems);
    assertEquals(List.of(), problems);
    assertEquals(Path.of(CERT), config.tlsCertPath());
    assertEquals(Path.of(KEY), config.tlsKeyPath());
    TokenlaneConfig plain = TokenlaneConfig.parse("http:\n  port: 0\n" + MODELS, Map.<String, String>of()::get,
      problems);
    assertNull(plain.tlsCertPath());
    assertNotNull(plain.httpLimits());
  }
}
