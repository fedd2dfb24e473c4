package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The API key must never reach a client, a log or a dump, even when the upstream echoes it back. */
class OpenAiApiKeySecrecyTest extends OpenAiProviderTestBase {

  @Test
  void noErrorMessageEverContainsTheApiKeyEvenWhenTheUpstreamEchoesIt() {
    String padding = "x".repeat(190);
    List<Script> scripts = List.of(
      Script.unauthorized(),
      Script.error(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: " + API_KEY),
      Script.error(403, "invalid_request_error", null, padding + API_KEY + padding + API_KEY),
      Script.rateLimited(3).header("retry-after", API_KEY),
      Script.raw(502, "text/html", "<html>bad gateway for Bearer " + API_KEY + "</html>"),
      Script.raw(200, "text/plain", "key " + API_KEY),
      Script.garbage("oops, your key " + API_KEY + " is wrong\n"),
      Script.garbage(padding + API_KEY + "\n"),
      Script.garbage("data: {not json " + API_KEY + "\n\n"),
      Script.garbage("data: " + padding + API_KEY + "\n\n"),
      Script.tokens("a", "b").errorEventAfter(1, "upstream refused key " + API_KEY));
    List<ProviderError> errors = new ArrayList<>();
    for (Script script : scripts) {
      RecordedStream stream = run(script);
      assertNotNull(stream.error(), "expected a failure for " + script);
      errors.add(stream.error());
    }
    deploy(config().put("baseUrl", "http://127.0.0.1:" + OpenAiErrorTest.closedPortOn(vertx) + "/v1"));
    errors.add(finished(harness().start(prompt())).error());

    for (ProviderError error : errors) {
      assertFalse(error.message().contains(API_KEY), "key leaked: " + error);
      assertFalse(error.toString().contains(API_KEY), "key leaked: " + error);
      assertFalse(error.message().contains(API_KEY.substring(0, 20)), "part of the key leaked: " + error);
    }
  }

  @Test
  void theConfigurationAndTheVerticleDoNotShowTheKeyInToString() {
    JsonObject config = OpenAiConfig.SCHEMA.validate(config()).config();
    OpenAiProviderVerticle verticle = new OpenAiProviderVerticle(ProviderContext.of("openai-test", config));

    assertFalse(OpenAiConfig.from("openai-test", config).toString().contains(API_KEY));
    assertFalse(verticle.toString().contains(API_KEY));
    assertFalse(OpenAiConfig.SCHEMA.redact(config).encode().contains(API_KEY));
  }
}
