package io.tokenlane.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.gemini.GeminiScript;
import org.junit.jupiter.api.Test;

/** Every error class, before the first token (an HTTP status) and after it (in the stream, or the stream cut). */
class GeminiErrorTest extends GeminiProviderTestBase {

  private ProviderError failure(GeminiScript script) {
    RecordedStream stream = run(script);
    assertNull(stream.finishReason(), "a failed stream must not also end cleanly");
    assertEquals("", stream.text());
    return stream.error();
  }

  @Test
  void aWrongKeyIsGoogles400ApiKeyInvalidAndMeansTheGatewaysCredentialsWereRefused() {
    ProviderError error = failure(GeminiScript.invalidApiKey());

    assertEquals(ProviderError.UPSTREAM_AUTH, error.code());
    assertEquals(502, error.httpStatus());
    assertFalse(error.isRetryable());
    assertEquals("upstream answered HTTP 400 INVALID_ARGUMENT: API key not valid. Please pass a valid API key.",
      error.message());
  }

  @Test
  void a401And403AreRefusedCredentials() {
    ProviderError unauthenticated = failure(GeminiScript.error(401, "UNAUTHENTICATED",
      "Request had invalid authentication credentials."));
    ProviderError denied = failure(GeminiScript.permissionDenied());

    assertEquals(ProviderError.UPSTREAM_AUTH, unauthenticated.code());
    assertEquals(ProviderError.UPSTREAM_AUTH, denied.code());
    assertTrue(denied.message().startsWith("upstream answered HTTP 403 PERMISSION_DENIED: Method doesn't allow"),
      denied.message());
  }

  @Test
  void a400InvalidArgumentIsAnInvalidRequest() {
    ProviderError error = failure(GeminiScript.error(400, "INVALID_ARGUMENT",
      "* GenerateContentRequest.contents: contents is not specified\n"));

    assertEquals(ProviderError.INVALID_REQUEST, error.code());
    assertEquals(400, error.httpStatus());
    assertTrue(error.message().contains("contents is not specified"), error.message());
  }

  @Test
  void a429IsRateLimitedWithTheDelayFromGooglesRetryInfo() {
    ProviderError error = failure(GeminiScript.rateLimited(37));

    assertEquals(ProviderError.RATE_LIMITED, error.code());
    assertEquals(429, error.httpStatus());
    assertEquals(37_000, error.retryAfterMs());
    assertTrue(error.message().contains("You exceeded your current quota"), error.message());
    assertTrue(error.message().endsWith("(retry after 37 s)"), error.message());
  }

  @Test
  void a429RetryAfterHeaderWinsOverTheRetryInfo() {
    ProviderError error = failure(GeminiScript.rateLimited(37).header("retry-after", "5"));

    assertEquals(5_000, error.retryAfterMs());
  }

  @Test
  void a500IsAnUpstreamError() {
    ProviderError error = failure(GeminiScript.serverError());

    assertEquals(ProviderError.UPSTREAM_ERROR, error.code());
    assertEquals(502, error.httpStatus());
    assertTrue(error.isRetryable());
    assertTrue(error.message().startsWith("upstream answered HTTP 500 INTERNAL: An internal error has occurred."),
      error.message());
  }

  @Test
  void a503IsOverloaded() {
    ProviderError error = failure(GeminiScript.overloaded());

    assertEquals(ProviderError.OVERLOADED, error.code());
    assertEquals(503, error.httpStatus());
    assertEquals("upstream answered HTTP 503 UNAVAILABLE: The model is overloaded. Please try again later.",
      error.message());
  }

  @Test
  void aProxysHtmlErrorPageIsQuotedShortened() {
    ProviderError error = failure(GeminiScript.raw(502, "text/html", "<html>\n<body>  Bad   gateway </body></html>"));

    assertEquals(ProviderError.UPSTREAM_ERROR, error.code());
    assertEquals("upstream answered HTTP 502: <html> <body> Bad gateway </body></html>", error.message());
  }

  @Test
  void aSuccessThatIsNotAnEventStreamIsABadResponse() {
    ProviderError error = failure(GeminiScript.raw(200, "application/json", "[{\"candidates\": []}]"));

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertTrue(error.message().contains("application/json"), error.message());
  }

  @Test
  void anErrorEventAfterTheFirstTokenFailsMappedLikeItsHttpTwin() {
    RecordedStream stream = run(GeminiScript.text("a", "b", "c").errorEventAfter(2, 503, "UNAVAILABLE",
      "The model is overloaded. Please try again later."));

    assertEquals("ab", stream.text());
    assertNull(stream.finishReason());
    assertEquals(ProviderError.OVERLOADED, stream.error().code());
    assertEquals("upstream reported an error mid-stream UNAVAILABLE: The model is overloaded. Please try again later.",
      stream.error().message());
  }

  @Test
  void anInternalErrorEventIsAnUpstreamError() {
    RecordedStream stream = run(GeminiScript.text("a", "b").errorEventAfter(1, 500, "INTERNAL", "Internal error"));

    assertEquals("a", stream.text());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
  }

  @Test
  void aConnectionDroppedAfterTheFirstTokenFailsAndNeverEndsCleanly() {
    RecordedStream stream = run(GeminiScript.text("one", " two", " three").dropConnectionAfter(2));

    assertEquals("one two", stream.text());
    assertNull(stream.finishReason());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
  }

  @Test
  void aBodyThatEndsWithoutAFinishReasonFailsInsteadOfEndingCleanly() {
    RecordedStream stream = run(GeminiScript.text("half", " of it").finish(null));

    assertEquals("half of it", stream.text());
    assertNull(stream.finishReason());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
    assertEquals("upstream closed the stream before finishing", stream.error().message());
  }

  @Test
  void anEmptyBodyFailsInsteadOfEndingCleanly() {
    ProviderError error = failure(GeminiScript.raw(""));

    assertEquals(ProviderError.UPSTREAM_ERROR, error.code());
  }

  @Test
  void anUpstreamThatSendsHeadersThenNothingFailsWithATimeoutAndIsDisconnected() {
    deploy(config().put("idleTimeoutMs", 200));

    ProviderError error = failure(GeminiScript.stall());

    assertEquals(ProviderError.TIMEOUT, error.code());
    assertEquals("upstream sent nothing for 200 ms", error.message());
    await(upstream.awaitClientClosed());
  }

  @Test
  void anUpstreamThatFallsSilentAfterTheFirstTokenFailsWithATimeout() {
    deploy(config().put("idleTimeoutMs", 200));

    RecordedStream stream = run(GeminiScript.text("a", "b", "c").stallAfter(1));

    assertEquals("a", stream.text());
    assertEquals(ProviderError.TIMEOUT, stream.error().code());
  }

  @Test
  void anUpstreamThatNeverAnswersFailsWithTheResponseTimeout() {
    deploy(config().put("responseTimeoutMs", 200));

    ProviderError error = failure(GeminiScript.noResponse());

    assertEquals(ProviderError.TIMEOUT, error.code());
    assertEquals("upstream sent no response within 200 ms", error.message());
    await(upstream.awaitClientClosed());
  }

  @Test
  void aRefusedConnectionIsUpstreamUnavailable() {
    deploy(config().put("baseUrl", "http://127.0.0.1:" + closedPort()));

    RecordedStream stream = finished(harness().start(prompt()));

    assertEquals(ProviderError.UNAVAILABLE, stream.error().code());
    assertTrue(stream.error().message().startsWith("could not connect to upstream 127.0.0.1:"), stream.error().message());
  }
}
