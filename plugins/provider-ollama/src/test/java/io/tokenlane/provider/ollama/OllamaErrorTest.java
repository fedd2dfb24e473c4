package io.tokenlane.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.ollama.Script;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class OllamaErrorTest extends OllamaProviderTestBase {

  // ---- before the first token ----

  @Test
  void a400IsAnInvalidRequestWithOllamasMessage() {
    ProviderError error = failure(Script.error(400, "invalid think value: \"huge\""));

    assertEquals(ProviderError.INVALID_REQUEST, error.code());
    assertEquals(400, error.httpStatus());
    assertEquals("upstream answered HTTP 400: invalid think value: \"huge\"", error.message());
    assertFalse(error.isRetryable());
  }

  @Test
  void a404ForAMissingModelIsAnInvalidRequestNamingTheModel() {
    ProviderError error = failure(Script.modelNotFound());

    assertEquals(ProviderError.INVALID_REQUEST, error.code());
    assertEquals(400, error.httpStatus());
    assertEquals("upstream answered HTTP 404: model 'llama3.2' not found", error.message());
  }

  @Test
  void aModelTheServerDoesNotHaveIsRefusedTheSameWay() {
    upstream.models("qwen3:8b");

    RecordedStream stream = finished(harness().start(prompt()));

    assertEquals(ProviderError.INVALID_REQUEST, stream.error().code());
    assertEquals("upstream answered HTTP 404: model 'llama3.2' not found", stream.error().message());
  }

  @Test
  void a429IsRateLimitedAndCarriesRetryAfter() {
    ProviderError error = failure(Script.rateLimited(20));

    assertEquals(ProviderError.RATE_LIMITED, error.code());
    assertEquals(429, error.httpStatus());
    assertEquals(20_000, error.retryAfterMs());
    assertTrue(error.message().contains("hourly usage limit"), error.message());
    assertTrue(error.message().endsWith("(retry after 20 s)"), error.message());
    assertTrue(error.isRetryable());
  }

  @Test
  void a500IsAnUpstreamError() {
    ProviderError error = failure(Script.error(500, "llama runner process has terminated: exit status 2"));

    assertEquals(ProviderError.UPSTREAM_ERROR, error.code());
    assertEquals(502, error.httpStatus());
    assertEquals("upstream answered HTTP 500: llama runner process has terminated: exit status 2", error.message());
  }

  @Test
  void a503FromAFullQueueIsOverloaded() {
    ProviderError error = failure(Script.serverBusy().header("retry-after", "2"));

    assertEquals(ProviderError.OVERLOADED, error.code());
    assertEquals(503, error.httpStatus());
    assertEquals(2_000, error.retryAfterMs());
    assertTrue(error.message().startsWith("upstream answered HTTP 503: server busy, please try again."), error.message());
  }

  @Test
  void a401FromAnAuthenticatingProxyIsAnAuthFailure() {
    ProviderError error = failure(Script.error(401, "unauthorized"));

    assertEquals(ProviderError.UPSTREAM_AUTH, error.code());
  }

  @Test
  void aProxysHtmlErrorPageIsQuotedShortened() {
    ProviderError error = failure(Script.raw(502, "text/html", "<html>\n<body>  Bad   gateway </body></html>"));

    assertEquals(ProviderError.UPSTREAM_ERROR, error.code());
    assertEquals("upstream answered HTTP 502: <html> <body> Bad gateway </body></html>", error.message());
  }

  @Test
  void aSuccessWithAnHtmlContentTypeIsABadResponse() {
    ProviderError error = failure(Script.raw(200, "text/html; charset=utf-8", "<html>login</html>"));

    assertEquals(ProviderError.BAD_RESPONSE, error.code());
    assertEquals("upstream answered HTTP 200 with content type text/html; charset=utf-8 instead of application/x-ndjson",
      error.message());
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
  void anUpstreamThatNeverAnswersFailsWithTheResponseTimeoutAndIsDisconnected() {
    deploy(config().put("responseTimeoutMs", 200));

    ProviderError error = failure(Script.noResponse());

    assertEquals(ProviderError.TIMEOUT, error.code());
    assertEquals("upstream sent no response within 200 ms", error.message());
    await(upstream.awaitClientClosed());
  }

  @Test
  void anUpstreamThatSendsHeadersThenNothingFailsWithTheIdleTimeout() {
    deploy(config().put("idleTimeoutMs", 200));

    ProviderError error = failure(Script.stall());

    assertEquals(ProviderError.TIMEOUT, error.code());
    assertEquals(504, error.httpStatus());
    assertEquals("upstream sent nothing for 200 ms", error.message());
    await(upstream.awaitClientClosed());
  }

  @Test
  void aRequestOllamaCannotTakeFailsAtOnceWithoutReachingTheUpstream() {
    JsonObject body = prompt().toJson().put("messages", new JsonArray().add(new JsonObject()
      .put("role", "user").put("content", new JsonArray()
        .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "https://x/cat.png"))))));

    RecordedStream stream = finished(harness().start(ProviderHarness.prompt(body)));

    assertEquals(ProviderError.INVALID_REQUEST, stream.error().code());
    assertEquals(400, stream.error().httpStatus());
    assertEquals("messages[0].content[0].image_url: the ollama provider takes images only as data: URLs "
      + "(data:image/png;base64,...), not by http(s) URL", stream.error().message());
    assertEquals(0, upstream.requestCount());
  }

  // ---- after the first token ----

  @Test
  void anErrorLineMidStreamFailsAsAnUpstreamErrorAfterTheTextSoFar() {
    RecordedStream stream = run(Script.tokens("a", "b", "c").errorLineAfter(2, "llama runner process has terminated"));

    assertEquals("ab", stream.text());
    assertNull(stream.finishReason());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
    assertEquals("upstream reported an error mid-stream: llama runner process has terminated", stream.error().message());
  }

  @Test
  void aModelNotFoundErrorLineIsAnInvalidRequest() {
    RecordedStream stream = run(Script.tokens("a").errorLineAfter(1, "model \"llama3.2\" not found, try pulling it first"));

    assertEquals("a", stream.text());
    assertEquals(ProviderError.INVALID_REQUEST, stream.error().code());
    assertEquals(400, stream.error().httpStatus());
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
  void aBodyThatEndsWithoutADoneLineFailsInsteadOfEndingCleanly() {
    RecordedStream stream = run(Script.tokens("half", " an answer").withoutDone());

    assertEquals("half an answer", stream.text());
    assertNull(stream.finishReason());
    assertEquals(ProviderError.UPSTREAM_ERROR, stream.error().code());
    assertEquals("upstream closed the stream before its done line", stream.error().message());
  }

  @Test
  void anUpstreamThatFallsSilentMidStreamFailsWithATimeoutAfterTheTextSoFar() {
    deploy(config().put("idleTimeoutMs", 200));

    RecordedStream stream = run(Script.tokens("a", "b", "c").stallAfter(1));

    assertEquals("a", stream.text());
    assertEquals(ProviderError.TIMEOUT, stream.error().code());
    await(upstream.awaitClientClosed());
  }

  @Test
  void aBaseUrlThatIsNotHttpIsRefusedAtDeployWithAClearMessage() {
    AssertionError failure = assertThrows(AssertionError.class, () -> await(ProviderHarness.deploy(vertx,
      new OllamaProviderFactory(), new JsonObject().put("baseUrl", "ftp://example.com"))));

    assertTrue(failure.getMessage().contains("baseUrl: must start with http:// or https://"), failure.getMessage());
  }

  @Test
  void everyFailureIsOneTerminalCallAndNothingAfterIt() {
    List<Script> scripts = List.of(Script.error(500, "x"), Script.tokens("a").errorLineAfter(1, "boom"),
      Script.tokens("a").withoutDone(), Script.tokens("a", "b").dropConnectionAfter(1));
    for (Script script : scripts) {
      RecordedStream stream = run(script);
      await(vertx.timer(50));
      assertEquals(1, stream.terminalCalls(), script.toString());
      assertEquals(List.of(), stream.violations(), script.toString());
    }
  }
}
