package io.tokenlane.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.ollama.Script;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The API key must never reach a client, a log or a dump, even when the upstream echoes it back. */
class OllamaApiKeySecrecyTest extends OllamaProviderTestBase {

  @Test
  void noErrorMessageEverContainsTheApiKeyEvenWhenTheUpstreamEchoesIt() {
    String padding = "x".repeat(490);
    String spaces = " ".repeat(3000);
    List<Script> scripts = List.of(
      Script.error(401, "invalid key " + API_KEY),
      Script.error(403, padding + API_KEY + padding + API_KEY),
      Script.error(500, spaces + API_KEY),
      // The error body is read up to 64 KiB: this cut falls inside the key, after 25 of its characters.
      Script.error(500, " ".repeat(64 * 1024 - "{\"error\":\"".length() - 25) + API_KEY),
      Script.rateLimited(3).header("retry-after", API_KEY),
      Script.raw(502, "text/html", "<html>bad gateway for Bearer " + API_KEY + "</html>"),
      Script.raw(200, "text/plain", "key " + API_KEY),
      Script.tokens("a", "b").errorLineAfter(1, "upstream refused key " + API_KEY),
      Script.tokens("a", "b").errorLineAfter(1, padding + API_KEY),
      Script.tokens("a", "b").errorLineAfter(1, "model '" + API_KEY + "' not found"));
    List<ProviderError> errors = new ArrayList<>();
    for (Script script : scripts) {
      RecordedStream stream = run(script);
      assertNotNull(stream.error(), "expected a failure for " + script);
      errors.add(stream.error());
    }
    deploy(config().put("baseUrl", "http://127.0.0.1:" + closedPortOn(vertx)));
    errors.add(finished(harness().start(prompt())).error());

    for (ProviderError error : errors) {
      assertFalse(error.message().contains(API_KEY), "key leaked: " + error);
      assertFalse(error.toString().contains(API_KEY), "key leaked: " + error);
      assertFalse(error.message().contains(API_KEY.substring(0, 20)), "part of the key leaked: " + error);
    }
  }

  @Test
  void theConfigurationAndTheVerticleDoNotShowTheKeyInToString() {
    JsonObject config = OllamaConfig.SCHEMA.validate(config()).config();
    OllamaProviderVerticle verticle = new OllamaProviderVerticle(ProviderContext.of("ollama-test", config));

    assertFalse(OllamaConfig.from("ollama-test", config).toString().contains(API_KEY));
    assertFalse(verticle.toString().contains(API_KEY));
    assertFalse(OllamaConfig.SCHEMA.redact(config).encode().contains(API_KEY));
  }
}
