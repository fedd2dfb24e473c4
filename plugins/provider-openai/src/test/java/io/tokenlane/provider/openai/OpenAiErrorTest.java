package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class OpenAiErrorTest extends OpenAiProviderTestBase {

  private ProviderError failure(Script script) {
    RecordedStream stream = run(script);
    assertNull(stream.finishReason(), "a failed stream must not also end cleanly");
    assertEquals(1, stream.terminalCalls());
    return stream.error();
  }

  @Test
  void a401MeansTheGatewaysCredentialsWereRefused() {
    ProviderError error = failure(Script.unauthorized());

    assertEquals(ProviderError.UPSTREAM_AUTH, error.code());
    assertEquals(502, error.httpStatus());
    assertTrue(error.message().startsWith("upstream answered HTTP 401: Incorrect API key provided"), error.message());
  }

  @Test
  void a429IsRateLimitedAndCarriesRetryAfter() {
    ProviderError error = failure(Script.rateLimited(20));

    assertEquals(ProviderError.RATE_LIMITED, error.code());
    assertEquals(429, error.httpStatus());
    assertTrue(error.message().contains("Rate limit reached for gpt-4o-mini"), error.message());
    assertTrue(error.message().endsWith("(retry after 20 s)"), error.message());
    assertEquals(20_000, error.retryAfterMs(), "the hint a router and the client get");
  }

  @Test
  void a500IsAnUpstreamErrorWithOpenAisMessage() {
    ProviderError error = failure(Script.serverError());

    assertEquals(ProviderError.UPSTREAM_ERROR, error.code());
    assertEquals(502, error.httpStatus());
    assertEquals("upstream answered HTTP 500: The server had an error while processing your request. Sorry about that!",
      error.message());
  }

  @Test
  void a400IsAnInvalidRequest() {
    ProviderError error = failure(Script.error(400, "invalid_request_error", "model_not_found",
      "The model `gpt-9` does not exist or you do not have access to it."));

    assertEquals(ProviderError.INVALID_REQUEST, error.code());
    assertEquals(400, error.httpStatus());
    assertTrue(error.message().contains("The model `gpt-9` does not exist"), error.message());
  }

  @Test
  void aProxysHtmlErrorPageIsQuotedShortened() {
    ProviderError error = failure(Script.raw(502, "text/html", "<html>\n<body>  Bad   gateway </body></html>"));

    assertEquals(ProviderError.UPSTREAM_ERROR, error.code());
    assertEquals("upstream answered HTTP 502: <html> <body> Bad gateway </body></html>", error.message());
  }

  @Test
  void garbageServedAsAnEventStreamIsABadResponse() {
    ProviderError error = failure(Script.garbage("Internal Server Error\nsomething broke\n"));

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertTrue(error.message().contains("Internal Server Error"), error.message());
  }

  @Test
  void dataThatIsNotJsonIsABadResponse() {
    ProviderError error = failure(Script.garbage("data: {\"id\":\"chatcmpl-1\",\"choices\":[\n\n"));

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertTrue(error.message().startsWith("upstream sent an event that is not a chat.completion.chunk"), error.message());
  }

  @Test
  void aSuccessWithAnHtmlContentTypeIsABadResponse() {
    ProviderError error = failure(Script.raw(200, "text/html; charset=utf-8", "<html>login</html>"));

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertTrue(error.message().contains("text/html"), error.message());
  }

  @Test
  void anErrorEventMidStreamFailsWithTheUpstreamsMessageAfterTheTextSoFar() {
    RecordedStream stream = run(Script.tokens("a", "b", "c").errorEventAfter(2, "The model is overloaded"));

    assertEquals("ab", stream.text());
    assertNull(stream.finishReason());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
    assertEquals("upstream reported an error mid-stream: The model is overloaded", stream.error().message());
  }

  @Test
  void aConnectionDroppedMidStreamFailsAndNeverEndsCleanly() {
    RecordedStream stream = run(Script.tokens("one", " two", " three").dropConnectionAfter(2));

    assertEquals("one two", stream.text());
    assertNull(stream.finishReason());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
    assertEquals(1, stream.terminalCalls());
  }

  @Test
  void anUpstreamThatSendsHeadersThenNothingFailsWithATimeoutAndIsDisconnected() {
    deploy(config().put("idleTimeoutMs", 200));

    ProviderError error = failure(Script.stall());

    assertEquals(ProviderError.TIMEOUT, error.code());
    assertEquals(504, error.httpStatus());
    assertEquals("upstream sent nothing for 200 ms", error.message());
    await(upstream.awaitClientClosed());
  }

  @Test
  void anUpstreamThatFallsSilentMidStreamFailsWithATimeoutAfterTheTextSoFar() {
    deploy(config().put("idleTimeoutMs", 200));

    RecordedStream stream = run(Script.tokens("a", "b", "c").stallAfter(1));

    assertEquals("a", stream.text());
    assertEquals(ProviderError.TIMEOUT, stream.error().code());
  }

  @Test
  void anUpstreamThatNeverAnswersFailsWithTheResponseTimeout() {
    deploy(config().put("responseTimeoutMs", 200));

    ProviderError error = failure(Script.noResponse());

    assertEquals(ProviderError.TIMEOUT, error.code());
    assertEquals("upstream sent no response within 200 ms", error.message());
    await(upstream.awaitClientClosed());
  }

  @Test
  void aRefusedConnectionIsUpstreamUnavailable() {
    deploy(config().put("baseUrl", "http://127.0.0.1:" + closedPort() + "/v1"));

    RecordedStream stream = finished(harness().start(prompt()));

    assertEquals(ProviderError.UNAVAILABLE, stream.error().code());
    assertEquals(502, stream.error().httpStatus());
    assertTrue(stream.error().message().startsWith("could not connect to upstream 127.0.0.1:"), stream.error().message());
  }

  @Test
  void aBaseUrlThatIsNotHttpIsRefusedAtDeployWithAClearMessage() {
    AssertionError failure = assertThrows(AssertionError.class, () -> await(ProviderHarness.deploy(vertx,
      new OpenAiProviderFactory(), new JsonObject().put("baseUrl", "ftp://example.com/v1"))));

    assertTrue(failure.getMessage().contains("baseUrl: must start with http:// or https://"), failure.getMessage());
  }

  private int closedPort() {
    return closedPortOn(vertx);
  }

  /** A port nothing listens on: bound by a server that is then closed. */
  static int closedPortOn(Vertx vertx) {
    HttpServer server = await(vertx.createHttpServer().requestHandler(request -> { }).listen(0, "127.0.0.1"));
    int port = server.actualPort();
    await(server.close());
    return port;
  }
}
