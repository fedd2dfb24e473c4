package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.server.examples.EmbedInYourApp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EmbeddingTest {

  @Test
  void anApplicationMountsTheGatewayUnderItsOwnPathBesideItsOwnRoutes() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      EmbedInYourApp app = new EmbedInYourApp("""
        http: { maxBodyBytes: 4096 }
        providers:
          mock: { type: mock, config: { length: 12 } }
        models:
          simulated: { provider: mock }
        """);
      vertx.deployVerticle(app).await(20, TimeUnit.SECONDS);
      HttpClient client = vertx.createHttpClient();
      String hello = client.request(HttpMethod.GET, app.port(), "127.0.0.1", "/hello")
        .compose(req -> req.send().compose(res -> res.body())).await(10, TimeUnit.SECONDS).toString();
      assertEquals("the application's own route", hello);
      JsonObject completion = client.request(HttpMethod.POST, app.port(), "127.0.0.1", "/llm/v1/chat/completions")
        .compose(req -> req.send(GatewayServer.chat("simulated", "hi").encode()).compose(res -> res.body()))
        .map(body -> new JsonObject(body.toString())).await(10, TimeUnit.SECONDS);
      assertEquals(12, completion.getJsonObject("usage").getInteger("completion_tokens"));
      String livez = client.request(HttpMethod.GET, app.port(), "127.0.0.1", "/llm/livez")
        .compose(req -> req.send().compose(res -> res.body())).await(10, TimeUnit.SECONDS).toString();
      assertTrue(livez.contains("UP"), livez);
      // Mounted under the application's router, oversized bodies still get OpenAI's error shape.
      String tooLarge = client.request(HttpMethod.POST, app.port(), "127.0.0.1", "/llm/v1/chat/completions")
        .compose(req -> req.send(GatewayServer.chat("simulated", "x".repeat(5000)).encode()).compose(res -> {
          assertEquals(413, res.statusCode());
          return res.body();
        })).await(10, TimeUnit.SECONDS).toString();
      assertEquals("request_too_large", new JsonObject(tooLarge).getJsonObject("error").getString("code"));
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
