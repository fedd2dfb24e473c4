package io.tokenlane.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.SpiVersion;
import io.vertx.core.json.JsonObject;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class OllamaConfigTest {

  private static ConfigSchema.Validation validate(JsonObject config) {
    return new OllamaProviderFactory().configSchema().validate(config);
  }

  @Test
  void thePluginIsFoundByServiceLoaderAsOllamaForTheCurrentSpi() {
    ProviderFactory factory = ServiceLoader.load(ProviderFactory.class).stream()
      .map(ServiceLoader.Provider::get).filter(found -> found.id().equals("ollama")).findFirst().orElseThrow();

    assertEquals(OllamaProviderFactory.class, factory.getClass());
    assertEquals(SpiVersion.CURRENT, factory.spiVersion());
  }

  @Test
  void anEmptyConfigurationIsALocalOllamaWithDefaults() {
    ConfigSchema.Validation validation = validate(new JsonObject());

    assertTrue(validation.isValid(), validation.problems().toString());
    JsonObject config = validation.config();
    assertEquals("http://127.0.0.1:11434", config.getString("baseUrl"));
    assertEquals(10_000L, config.getLong("connectTimeoutMs"));
    assertEquals(300_000L, config.getLong("responseTimeoutMs"));
    assertEquals(120_000L, config.getLong("idleTimeoutMs"));
    assertEquals(256L, config.getLong("maxConnections"));
    assertEquals(1_048_576L, config.getLong("maxLineBytes"));
    assertEquals("127.0.0.1:11434", OllamaConfig.from("t", config).target());
    assertEquals("/api/chat", OllamaConfig.from("t", config).chatRequest("r").getURI());
  }

  @Test
  void aTypoAndABadValueAreBothReported() {
    ConfigSchema.Validation validation = validate(new JsonObject().put("apikey", "x").put("maxLineBytes", 10));

    assertEquals(2, validation.problems().size(), validation.problems().toString());
    assertTrue(validation.problems().get(0).startsWith("apikey: unknown key"), validation.problems().toString());
    assertEquals("maxLineBytes: must be at least 1024, got 10", validation.problems().get(1));
  }

  @Test
  void theApiKeyIsSecretInTheSchemaAndEveryKeyIsDescribed() {
    JsonObject properties = OllamaConfig.SCHEMA.toJson().getJsonObject("properties");

    assertEquals(true, properties.getJsonObject("apiKey").getBoolean("writeOnly"));
    for (String key : properties.fieldNames()) {
      assertFalse(properties.getJsonObject(key).getString("description").isBlank(), key + " has no description");
    }
  }

  @Test
  void baseUrlsThatAreNotHttpOrHaveNoHostAreRefusedWithTheKeyNamed() {
    for (String url : new String[] {"ftp://example.com", "localhost:11434", "http:///api", "http://exa mple", " "}) {
      IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> OllamaConfig.from("test", new JsonObject().put("baseUrl", url)), url);
      assertTrue(error.getMessage().startsWith("baseUrl: "), error.getMessage());
    }
  }

  @Test
  void keepAliveTakesDurationsAndSecondsAndRefusesTheRest() {
    assertEquals("1h30m", keepAlive("1h30m"));
    assertEquals(300L, keepAlive("300"));
    assertEquals(0L, keepAlive("0"));
    assertEquals(-1L, keepAlive("-1"));
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> keepAlive("forever"));
    assertEquals("keepAlive: expected a duration such as 5m, 1h30m or 300, or -1, got \"forever\"", error.getMessage());
  }

  private static Object keepAlive(String value) {
    return OllamaConfig.from("t", new JsonObject().put("keepAlive", value)).keepAlive();
  }

  @Test
  void theDefaultPortFollowsTheScheme() {
    assertEquals("ollama.com:443", OllamaConfig.from("t", new JsonObject().put("baseUrl", "https://ollama.com")).target());
    assertEquals("ollama:80", OllamaConfig.from("t", new JsonObject().put("baseUrl", "http://ollama")).target());
  }
}
