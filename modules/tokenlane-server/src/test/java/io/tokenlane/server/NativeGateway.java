package io.tokenlane.server;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * The fixture of the native protocol tests: a gateway in front of a fake OpenAI upstream, a {@link NativeClient}
 * and one session's token. The YAML names the upstream's base URL {@code ${UPSTREAM}}.
 */
final class NativeGateway implements AutoCloseable {

  final Vertx vertx;
  final FakeOpenAiUpstream upstream;
  final GatewayServer gateway;
  final NativeClient client;
  final String token;
  /** The session's short-lived token for URLs (EventSource, WebSocket). */
  final String urlToken;

  private NativeGateway(Vertx vertx, FakeOpenAiUpstream upstream, GatewayServer gateway) throws Exception {
    this.vertx = vertx;
    this.upstream = upstream;
    this.gateway = gateway;
    this.client = new NativeClient(vertx, gateway.port());
    JsonObject session = client.session();
    this.token = session.getString("token");
    this.urlToken = session.getString("urlToken");
  }

  static NativeGateway start(String yaml) throws Exception {
    Vertx vertx = Vertx.vertx();
    FakeOpenAiUpstream upstream = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    GatewayServer gateway = GatewayServer.start(vertx, yaml.replace("${UPSTREAM}", upstream.baseUrl()));
    return new NativeGateway(vertx, upstream, gateway);
  }

  int port() {
    return gateway.port();
  }

  @Override
  public void close() throws Exception {
    client.close();
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
