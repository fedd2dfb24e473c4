package io.tokenlane.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.gemini.GeminiRequest;
import io.tokenlane.testkit.gemini.GeminiScript;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The API key must never reach a URL, a client, a log or a dump, even when the upstream echoes it back. */
class GeminiApiKeySecrecyTest extends GeminiProviderTestBase {

  @Test
  void theKeyIsNeverInTheUrl() {
    run(GeminiScript.text("ok"));

    GeminiRequest received = upstream.lastRequest();
    assertFalse(received.path().contains(API_KEY), received.path());
    assertFalse(received.query().contains(API_KEY), received.query());
    assertFalse(received.query().contains("key="), received.query());
  }

  @Test
  void noErrorMessageEverContainsTheApiKeyEvenWhenTheUpstreamEchoesIt() {
    String padding = "x".repeat(190);
    List<GeminiScript> scripts = List.of(
      GeminiScript.invalidApiKey(),
      GeminiScript.error(400, "INVALID_ARGUMENT", "API key not valid: " + API_KEY),
      GeminiScript.error(403, "PERMISSION_DENIED", padding + API_KEY + padding + API_KEY),
      GeminiScript.error(429, API_KEY, "quota").header("retry-after", API_KEY),
      GeminiScript.raw(502, "text/html", "<html>bad gateway for key " + API_KEY + "</html>"),
      GeminiScript.raw(200, "text/plain", "key " + API_KEY),
      GeminiScript.raw("oops, your key " + API_KEY + " is wrong\n"),
      GeminiScript.raw(padding + API_KEY + "\n"),
      GeminiScript.raw("data: {not json " + API_KEY + "\n\n"),
      GeminiScript.raw("data: " + padding + API_KEY + "\n\n"),
      GeminiScript.text("a", "b").errorEventAfter(1, 400, "INVALID_ARGUMENT", "refused key " + API_KEY),
      GeminiScript.events().finish("MALFORMED_FUNCTION_CALL").finishMessage("call(" + API_KEY + ")"));
    List<ProviderError> errors = new ArrayList<>();
    for (GeminiScript script : scripts) {
      RecordedStream stream = run(script);
      assertNotNull(stream.error(), "expected a failure for " + script);
      errors.add(stream.error());
    }
    deploy(config().put("baseUrl", "http://127.0.0.1:" + closedPort()));
    errors.add(finished(harness().start(prompt())).error());

    for (ProviderError error : errors) {
      assertFalse(error.message().contains(API_KEY), "key leaked: " + error);
      assertFalse(error.toString().contains(API_KEY), "key leaked: " + error);
      assertFalse(error.message().contains(API_KEY.substring(0, 20)), "part of the key leaked: " + error);
    }
  }

  @Test
  void theConfigurationAndTheVerticleDoNotShowTheKeyInToString() {
    JsonObject config = GeminiConfig.SCHEMA.validate(config()).config();
    GeminiProviderVerticle verticle = new GeminiProviderVerticle(ProviderContext.of("gemini-test", config));

    assertFalse(GeminiConfig.from("gemini-test", config).toString().contains(API_KEY));
    assertFalse(verticle.toString().contains(API_KEY));
    assertFalse(GeminiConfig.SCHEMA.redact(config).encode().contains(API_KEY));
  }

  @Test
  void withoutAKeyNoKeyHeaderIsSent() {
    deploy(new JsonObject().put("baseUrl", upstream.baseUrl()));

    run(GeminiScript.text("ok"));

    assertNull(upstream.lastRequest().header("x-goog-api-key"));
  }
}
