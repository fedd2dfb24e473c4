package io.tokenlane.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.anthropic.Script;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The API key must never reach a client, a log or a dump, even when the upstream echoes it back. */
class AnthropicApiKeySecrecyTest extends AnthropicProviderTestBase {

  @Test
  void noErrorMessageEverContainsTheApiKeyEvenWhenTheUpstreamEchoesIt() {
    String padding = "x".repeat(190);
    String event = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":1}}}\n\n";
    List<Script> scripts = List.of(
      Script.error(401, "authentication_error", "invalid x-api-key: " + API_KEY),
      Script.error(403, "permission_error", padding + API_KEY + padding + API_KEY),
      Script.rateLimited(3).header("retry-after", API_KEY),
      Script.overloaded().header("retry-after", API_KEY),
      Script.raw(502, "text/html", "<html>bad gateway for x-api-key " + API_KEY + "</html>"),
      Script.raw(200, "text/plain", "key " + API_KEY),
      Script.raw(200, "text/event-stream", "oops, your key " + API_KEY + " is wrong\n"),
      Script.raw(200, "text/event-stream", padding + API_KEY + "\n"),
      Script.raw(200, "text/event-stream", event + "event: x\ndata: {not json " + API_KEY + "\n\n"),
      Script.raw(200, "text/event-stream", event + "event: x\ndata: " + padding + API_KEY + "\n\n"),
      Script.tokens("a", "b").errorEventAfter(1, "api_error", "upstream refused key " + API_KEY),
      Script.tokens("a", "b").errorEventAfter(1, "api_error", padding + API_KEY));
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
    JsonObject config = AnthropicConfig.SCHEMA.validate(config()).config();
    AnthropicProviderVerticle verticle = new AnthropicProviderVerticle(ProviderContext.of("anthropic-test", config));

    assertFalse(AnthropicConfig.from("anthropic-test", config).toString().contains(API_KEY));
    assertFalse(verticle.toString().contains(API_KEY));
    assertFalse(AnthropicConfig.SCHEMA.redact(config).encode().contains(API_KEY));
  }
}
