package io.tokenlane.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.anthropic.Script;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnthropicErrorTest extends AnthropicProviderTestBase {

  private ProviderError failure(Script script) {
    RecordedStream stream = run(script);
    assertNull(stream.finishReason(), "a failed stream must not also end cleanly");
    assertEquals(1, stream.terminalCalls());
    assertEquals("", stream.text());
    return stream.error();
  }

  // ---- before the first token ----

  @Test
  void a401MeansTheGatewaysCredentialsWereRefused() {
    ProviderError error = failure(Script.unauthorized());

    assertEquals(ProviderError.UPSTREAM_AUTH, error.code());
    assertEquals(502, error.httpStatus());
    assertEquals("upstream answered HTTP 401: invalid x-api-key (authentication_error)", error.message());
    assertFalse(error.isRetryable());
  }

  @Test
  void aWrongKeyIsRefusedByTheUpstreamAsAuthenticationFailed() {
    deploy(config().put("apiKey", "sk-ant-wrong"));

    ProviderError error = finished(harness().start(prompt())).error();

    assertEquals(ProviderError.UPSTREAM_AUTH, error.code());
  }

  @Test
  void a400IsAnInvalidRequestWithAnthropicsMessage() {
    ProviderError error = failure(Script.error(400, "invalid_request_error", "messages: roles must alternate"));

    assertEquals(ProviderError.INVALID_REQUEST, error.code());
    assertEquals(400, error.httpStatus());
    assertEquals("upstream answered HTTP 400: messages: roles must alternate (invalid_request_error)", error.message());
  }

  @Test
  void a429IsRateLimitedAndCarriesRetryAfter() {
    ProviderError error = failure(Script.rateLimited(20));

    assertEquals(ProviderError.RATE_LIMITED, error.code());
    assertEquals(429, error.httpStatus());
    assertEquals(20_000, error.retryAfterMs());
    assertTrue(error.message().contains("rate limit"), error.message());
    assertTrue(error.message().endsWith("(retry after 20 s)"), error.message());
  }

  @Test
  void a500IsAnUpstreamError() {
    ProviderError error = failure(Script.serverError());

    assertEquals(ProviderError.UPSTREAM_ERROR, error.code());
    assertEquals(502, error.httpStatus());
    assertEquals("upstream answered HTTP 500: Internal server error (api_error)", error.message());
    assertEquals(-1, error.retryAfterMs());
  }

  @Test
  void a529IsOverloadedAndRetryable() {
    ProviderError error = failure(Script.overloaded().header("retry-after", "3"));

    assertEquals(ProviderError.OVERLOADED, error.code());
    assertEquals(503, error.httpStatus());
    assertEquals(3_000, error.retryAfterMs());
    assertTrue(error.isRetryable());
    assertTrue(error.message().startsWith("upstream answered HTTP 529: Overloaded (overloaded_error)"), error.message());
  }

  @Test
  void aProxysHtmlErrorPageIsQuotedShortened() {
    ProviderError error = failure(Script.raw(502, "text/html", "<html>\n<body>  Bad   gateway </body></html>"));

    assertEquals(ProviderError.UPSTREAM_ERROR, error.code());
    assertEquals("upstream answered HTTP 502: <html> <body> Bad gateway </body></html>", error.message());
  }

  @Test
  void aSuccessWithAJsonContentTypeIsABadResponse() {
    ProviderError error = failure(Script.raw(200, "application/json", "{\"type\":\"message\",\"content\":[]}"));

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertTrue(error.message().contains("application/json"), error.message());
  }

  @Test
  void anErrorEventBeforeAnyTokenFailsWithItsMappedCode() {
    ProviderError error = failure(Script.tokens("a").errorEventAfter(0, "overloaded_error", "Overloaded"));

    assertEquals(ProviderError.OVERLOADED, error.code());
    assertEquals(503, error.httpStatus());
  }

  // ---- after the first token ----

  @ParameterizedTest
  @CsvSource({
    "overloaded_error, upstream_overloaded, 503",
    "api_error, upstream_error, 502",
    "rate_limit_error, rate_limited, 429",
    "timeout_error, timeout, 504",
    "invalid_request_error, invalid_request, 400",
    "brand_new_error, upstream_error, 502"})
  void anErrorEventMidStreamFailsWithTheMappedCodeAfterTheTextSoFar(String type, String code, int status) {
    RecordedStream stream = run(Script.tokens("a", "b", "c").errorEventAfter(2, type, "Something went wrong"));

    assertEquals("ab", stream.text());
    assertNull(stream.finishReason());
    assertEquals(code, stream.error().code());
    assertEquals(status, stream.error().httpStatus());
    assertEquals("upstream reported an error mid-stream: Something went wrong (" + type + ")", stream.error().message());
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
  void aBodyThatEndsWithoutMessageStopFailsEvenAfterTheStopReason() {
    RecordedStream stream = run(Script.tokens("half").withoutMessageStop());

    assertEquals("half", stream.text());
    assertNull(stream.finishReason());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
    assertEquals("upstream closed the stream before message_stop", stream.error().message());
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
    deploy(config().put("baseUrl", "http://127.0.0.1:" + closedPortOn(vertx)));

    RecordedStream stream = finished(harness().start(prompt()));

    assertEquals(ProviderError.UNAVAILABLE, stream.error().code());
    assertEquals(502, stream.error().httpStatus());
    assertTrue(stream.error().message().startsWith("could not connect to upstream 127.0.0.1:"), stream.error().message());
  }

  @Test
  void aBaseUrlThatIsNotHttpIsRefusedAtDeployWithAClearMessage() {
    AssertionError failure = assertThrows(AssertionError.class, () -> await(ProviderHarness.deploy(vertx,
      new AnthropicProviderFactory(), new JsonObject().put("baseUrl", "ftp://example.com"))));

    assertTrue(failure.getMessage().contains("baseUrl: must start with http:// or https://"), failure.getMessage());
  }
}
