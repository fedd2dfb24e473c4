package io.tokenlane.server;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.vertx.core.Vertx;
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

  private NativeGateway(Vertx vertx, FakeOpenAiUpstream upstream, GatewayServer gateway) throws Exception {
    this.vertx = vertx;
    this.upstream = upstream;
    this.gateway = gateway;
    this.client = new NativeClient(vertx, gateway.port());
    this.token = client.session().getString("token");
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
