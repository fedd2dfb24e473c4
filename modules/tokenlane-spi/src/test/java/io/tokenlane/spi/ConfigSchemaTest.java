package io.tokenlane.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigSchemaTest {

  private final ConfigSchema schema = ConfigSchema.of(
    ConfigField.string("baseUrl").required().description("upstream URL"),
    ConfigField.string("apiKey").secret(),
    ConfigField.integer("timeoutMs").defaultValue(30_000L).min(1).max(600_000),
    ConfigField.number("rate").defaultValue(1.5),
    ConfigField.bool("verbose").defaultValue(false),
    ConfigField.oneOf("mode", "fast", "slow").defaultValue("fast"),
    ConfigField.stringList("tags"),
    ConfigField.stringMap("headers"),
    ConfigField.object("nested"));

  @Test
  void aValidConfigGetsItsDefaultsFilledIn() {
    ConfigSchema.Validation result = schema.validate(new JsonObject().put("baseUrl", "http://x"));
    assertTrue(result.isValid(), result.problems().toString());
    assertEquals(30_000L, result.config().getLong("timeoutMs"));
    assertEquals(1.5, result.config().getDouble("rate"));
    assertEquals(false, result.config().getBoolean("verbose"));
    assertEquals("fast", result.config().getString("mode"));
    assertFalse(result.config().containsKey("apiKey"));
  }

  @Test
  void everyProblemIsReportedOncePrefixedWithItsKey() {
    ConfigSchema.Validation result = schema.validate(new JsonObject()
      .put("timeoutMs", "soon")
      .put("rate", true)
      .put("verbose", "yes")
      .put("mode", "turbo")
      .put("tags", new JsonArray().add(1))
      .put("headers", new JsonObject().put("x", 1))
      .put("nested", "flat")
      .put("tokensPerSecnd", 3));
    List<String> problems = result.problems();
    assertEquals(9, problems.size(), problems.toString());
    assertTrue(problems.contains("tokensPerSecnd: unknown key (known keys: baseUrl, apiKey, timeoutMs, rate, verbose, mode, tags, headers, nested)"));
    assertTrue(problems.contains("baseUrl: required (upstream URL)"));
    assertTrue(problems.contains("timeoutMs: expected a whole number, got \"soon\""));
    assertTrue(problems.contains("mode: expected one of fast, slow, got \"turbo\""));
    assertTrue(problems.contains("nested: expected an object, got \"flat\""));
  }

  @Test
  void numbersAndBooleansAcceptTheirTextFormFromEnvironmentSubstitution() {
    ConfigSchema.Validation result = schema.validate(new JsonObject()
      .put("baseUrl", "http://x").put("timeoutMs", "2500").put("rate", "0.5").put("verbose", "true"));
    assertTrue(result.isValid(), result.problems().toString());
    assertEquals(2500L, result.config().getLong("timeoutMs"));
    assertEquals(0.5, result.config().getDouble("rate"));
    assertEquals(true, result.config().getBoolean("verbose"));
  }

  @Test
  void boundsAreEnforced() {
    List<String> problems = schema.validate(new JsonObject().put("baseUrl", "u").put("timeoutMs", 0)).problems();
    assertEquals(List.of("timeoutMs: must be at least 1, got 0"), problems);
    problems = schema.validate(new JsonObject().put("baseUrl", "u").put("timeoutMs", 1.5)).problems();
    assertEquals(List.of("timeoutMs: expected a whole number, got number 1.5"), problems);
  }

  @Test
  void secretValuesNeverAppearInProblemsOrRedactedDumps() {
    ConfigSchema.Validation result = schema.validate(new JsonObject().put("baseUrl", "u")
      .put("apiKey", new JsonObject().put("oops", "sk-secret")));
    assertTrue(result.problems().get(0).startsWith("apiKey: expected a string, got a object (value hidden"),
      result.problems().toString());
    assertFalse(result.problems().toString().contains("sk-secret"));
    JsonObject redacted = schema.redact(new JsonObject().put("baseUrl", "u").put("apiKey", "sk-secret"));
    assertEquals("***", redacted.getString("apiKey"));
  }

  @Test
  void theSchemaIsDataAsJsonSchema() {
    JsonObject json = schema.toJson();
    assertEquals(false, json.getBoolean("additionalProperties"));
    assertEquals(new JsonArray().add("baseUrl"), json.getJsonArray("required"));
    assertEquals("integer", json.getJsonObject("properties").getJsonObject("timeoutMs").getString("type"));
    assertEquals(true, json.getJsonObject("properties").getJsonObject("apiKey").getBoolean("writeOnly"));
    assertEquals(new JsonArray().add("fast").add("slow"),
      json.getJsonObject("properties").getJsonObject("mode").getJsonArray("enum"));
  }

  @Test
  void defaultsAreConvertedLikeConfiguredValuesAndCheckedAgainstTheirBounds() {
    ConfigSchema typed = ConfigSchema.of(ConfigField.integer("n").defaultValue(5), ConfigField.number("x").defaultValue(2));
    JsonObject config = typed.validate(null).config();
    assertEquals(5L, config.getValue("n"));
    assertEquals(2.0, config.getValue("x"));
    assertThrows(IllegalArgumentException.class, () -> ConfigSchema.of(ConfigField.integer("n").defaultValue(0).min(1)));
    assertThrows(IllegalArgumentException.class, () -> ConfigSchema.of(ConfigField.bool("b").defaultValue("maybe")));
  }

  @Test
  void aSecretNumberOutOfBoundsIsReportedWithoutItsValue() {
    ConfigSchema withPin = ConfigSchema.of(ConfigField.integer("pin").secret().max(9999));
    assertEquals(List.of("pin: must be at most 9999, got a number (value hidden: secret)"),
      withPin.validate(new JsonObject().put("pin", 123456)).problems());
  }

  @Test
  void duplicateFieldNamesAreAProgrammingError() {
    assertThrows(IllegalArgumentException.class, () -> ConfigSchema.of(ConfigField.bool("a"), ConfigField.string("a")));
  }

  @Test
  void chatRequestKeepsUnknownFieldsUntouchedAndReadsTypedParameters() {
    JsonObject body = new JsonObject().put("model", "m")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")))
      .put("max_tokens", 12).put("temperature", 0.2).put("stop", "END")
      .put("tools", new JsonArray().add(new JsonObject().put("type", "function")))
      .put("response_format", new JsonObject().put("type", "json_object"));
    ChatRequest request = ChatRequest.of(body, "r1").withModel("upstream");
    assertEquals("upstream", request.model());
    assertEquals(12, request.maxTokens());
    assertEquals(0.2, request.temperature());
    assertEquals(List.of("END"), request.stop());
    assertEquals(body.getValue("tools"), request.tools());
    assertEquals(body.getValue("response_format"), request.toJson().getValue("response_format"));
    body.put("model", "changed later");
    assertEquals("upstream", request.model());
    assertThrows(IllegalArgumentException.class, () -> ChatRequest.of(new JsonObject().put("model", "m"), "r2"));
  }
}
