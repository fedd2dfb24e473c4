package io.tokenlane.server;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The base of the native protocol tests (as Vert.x Web's {@code WebTestBase}): before each test a gateway in front
 * of a fake OpenAI upstream, from the YAML the test class gives, a {@link NativeClient} and one session's token.
 */
abstract class NativeTestBase {

  private NativeGateway fixture;
  protected Vertx vertx;
  protected FakeOpenAiUpstream upstream;
  protected GatewayServer gateway;
  protected NativeClient client;
  protected String token;
  /** The session's short-lived token for URLs. */
  protected String urlToken;

  /** @return the gateway's configuration; {@code ${UPSTREAM}} is the fake upstream's base URL */
  protected abstract String yaml();

  @BeforeEach
  void startGateway() throws Exception {
    fixture = NativeGateway.start(yaml());
    vertx = fixture.vertx;
    upstream = fixture.upstream;
    gateway = fixture.gateway;
    client = fixture.client;
    token = fixture.token;
    urlToken = fixture.urlToken;
  }

  @AfterEach
  void stopGateway() throws Exception {
    fixture.close();
  }
}
