package io.tokenlane.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.SpiVersion;
import io.vertx.core.json.JsonObject;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class GeminiConfigTest {

  private static ConfigSchema.Validation validate(JsonObject config) {
    return new GeminiProviderFactory().configSchema().validate(config);
  }

  @Test
  void thePluginIsFoundByServiceLoaderAsGeminiForTheCurrentSpi() {
    ProviderFactory factory = ServiceLoader.load(ProviderFactory.class).stream()
      .map(ServiceLoader.Provider::get).filter(found -> found.id().equals("gemini")).findFirst().orElseThrow();

    assertEquals(GeminiProviderFactory.class, factory.getClass());
    assertEquals(SpiVersion.CURRENT, factory.spiVersion());
  }

  @Test
  void nothingIsRequiredAndEverythingHasADefault() {
    ConfigSchema.Validation validation = validate(new JsonObject());

    assertTrue(validation.isValid(), validation.problems().toString());
    JsonObject config = validation.config();
    assertEquals("https://generativelanguage.googleapis.com", config.getString("baseUrl"));
    assertEquals("v1beta", config.getString("apiVersion"));
    assertEquals(10_000L, config.getLong("connectTimeoutMs"));
    assertEquals(60_000L, config.getLong("responseTimeoutMs"));
    assertEquals(60_000L, config.getLong("idleTimeoutMs"));
    assertEquals(256L, config.getLong("maxConnections"));
    assertEquals(8L * 1024 * 1024, config.getLong("maxEventBytes"));
  }

  @Test
  void theDefaultTargetIsGooglesApiOverTls() {
    GeminiConfig config = GeminiConfig.from("g", validate(new JsonObject()).config());

    assertEquals("generativelanguage.googleapis.com:443", config.target());
    assertEquals("/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
      config.streamRequest("gemini-2.5-pro", "r-1").getURI());
    assertTrue(config.streamRequest("gemini-2.5-pro", "r-1").isSsl());
  }

  @Test
  void aTypoAndAWrongTypeAreBothReported() {
    ConfigSchema.Validation validation = validate(new JsonObject().put("apikey", "x").put("idleTimeoutMs", "soon"));

    assertEquals(2, validation.problems().size(), validation.problems().toString());
    assertTrue(validation.problems().get(0).startsWith("apikey: unknown key"), validation.problems().toString());
    assertTrue(validation.problems().get(1).startsWith("idleTimeoutMs: expected a whole number"), validation.problems().toString());
  }

  @Test
  void aBaseUrlWithAQueryStringAnApiVersionWithASlashAndANonHttpUrlAreRefused() {
    IllegalArgumentException query = assertThrows(IllegalArgumentException.class, () -> GeminiConfig.from("g",
      new JsonObject().put("baseUrl", "https://proxy.example.com?key=AIzaSecret")));
    IllegalArgumentException version = assertThrows(IllegalArgumentException.class, () -> GeminiConfig.from("g",
      new JsonObject().put("apiVersion", "v1beta/../admin")));
    IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class, () -> GeminiConfig.from("g",
      new JsonObject().put("baseUrl", "ftp://example.com")));

    assertEquals("baseUrl: must not have a query string; put the key in apiKey", query.getMessage());
    assertTrue(version.getMessage().startsWith("apiVersion: must be a path segment"), version.getMessage());
    assertTrue(scheme.getMessage().startsWith("baseUrl: must start with http:// or https://"), scheme.getMessage());
  }

  @Test
  void maxEventBytesHasAFloor() {
    assertEquals("maxEventBytes: must be at least 1024, got 10",
      validate(new JsonObject().put("maxEventBytes", 10)).problems().get(0));
  }
}
