package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.SpiVersion;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class OpenAiConfigTest {

  private static ConfigSchema.Validation validate(JsonObject config) {
    return new OpenAiProviderFactory().configSchema().validate(config);
  }

  @Test
  void thePluginIsFoundByServiceLoaderAsOpenaiForTheCurrentSpi() {
    ProviderFactory factory = ServiceLoader.load(ProviderFactory.class).stream()
      .map(ServiceLoader.Provider::get).filter(found -> found.id().equals("openai")).findFirst().orElseThrow();

    assertEquals(OpenAiProviderFactory.class, factory.getClass());
    assertEquals(SpiVersion.CURRENT, factory.spiVersion());
  }

  @Test
  void onlyTheBaseUrlIsRequiredAndTheRestHasDefaults() {
    ConfigSchema.Validation validation = validate(new JsonObject().put("baseUrl", "http://localhost:11434/v1"));

    assertTrue(validation.isValid(), validation.problems().toString());
    JsonObject config = validation.config();
    assertEquals(10_000L, config.getLong("connectTimeoutMs"));
    assertEquals(60_000L, config.getLong("responseTimeoutMs"));
    assertEquals(60_000L, config.getLong("idleTimeoutMs"));
    assertEquals(256L, config.getLong("maxConnections"));
    assertEquals(true, config.getBoolean("includeUsage"));
    assertEquals("Authorization", config.getString("apiKeyHeader"));
    assertEquals(false, config.getBoolean("http2"));
  }

  @Test
  void aMissingBaseUrlAndATypoAreBothReported() {
    ConfigSchema.Validation validation = validate(new JsonObject().put("apikey", "sk-x"));

    assertEquals(2, validation.problems().size(), validation.problems().toString());
    assertTrue(validation.problems().get(0).startsWith("apikey: unknown key"), validation.problems().toString());
    assertTrue(validation.problems().get(1).startsWith("baseUrl: required"), validation.problems().toString());
  }

  @Test
  void timeoutsBelowOneMillisecondAreRefused() {
    ConfigSchema.Validation validation = validate(new JsonObject().put("baseUrl", "https://api.openai.com/v1")
      .put("idleTimeoutMs", 0));

    assertEquals("idleTimeoutMs: must be at least 1, got 0", validation.problems().get(0));
  }

  @Test
  void theApiKeyIsSecretInTheSchemaAndEveryKeyIsDescribed() {
    JsonObject properties = OpenAiConfig.SCHEMA.toJson().getJsonObject("properties");

    assertEquals(true, properties.getJsonObject("apiKey").getBoolean("writeOnly"));
    for (String key : properties.fieldNames()) {
      assertFalse(properties.getJsonObject(key).getString("description").isBlank(), key + " has no description");
    }
  }

  @Test
  void baseUrlsThatAreNotHttpOrHaveNoHostAreRefusedWithTheKeyNamed() {
    for (String url : new String[] {"ftp://example.com/v1", "api.openai.com/v1", "http:///v1", "http://exa mple"}) {
      IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> OpenAiConfig.from("test", new JsonObject().put("baseUrl", url)), url);
      assertTrue(error.getMessage().startsWith("baseUrl: "), error.getMessage());
    }
  }

  @Test
  void theChatPathIsAppendedOnceWhateverTheTrailingSlashAndTheQueryIsKept() {
    assertEquals("/v1/chat/completions", uri("https://api.openai.com/v1/"));
    assertEquals("/v1/chat/completions", uri("https://api.openai.com/v1"));
    assertEquals("/openai/v1/chat/completions?api-version=preview",
      uri("https://res.openai.azure.com/openai/v1?api-version=preview"));
    assertEquals("/chat/completions", uri("http://localhost:8080"));
  }

  private static String uri(String baseUrl) {
    return OpenAiConfig.from("test", new JsonObject().put("baseUrl", baseUrl)).chatRequest("r").getURI();
  }

  @Test
  void theDefaultPortFollowsTheScheme() {
    assertEquals("api.openai.com:443",
      OpenAiConfig.from("t", new JsonObject().put("baseUrl", "https://api.openai.com/v1")).target());
    assertEquals("vllm:80", OpenAiConfig.from("t", new JsonObject().put("baseUrl", "http://vllm/v1")).target());
  }

  @Test
  void http2SpeaksHttp2WithAWideConnectionWindowAndRefusesConnectionHeaders() {
    JsonObject base = new JsonObject().put("baseUrl", "https://api.openai.com/v1");
    HttpClientOptions http1 = OpenAiConfig.from("t", base.copy()).clientOptions();
    HttpClientOptions http2 = OpenAiConfig.from("t", base.copy().put("http2", true)).clientOptions();

    assertEquals(HttpVersion.HTTP_1_1, http1.getProtocolVersion());
    assertEquals(HttpVersion.HTTP_2, http2.getProtocolVersion());
    assertTrue(http2.isUseAlpn(), "offered over TLS with ALPN");
    assertFalse(http2.isHttp2ClearTextUpgrade(), "prior knowledge over cleartext");
    assertEquals(Integer.MAX_VALUE, http2.getHttp2ConnectionWindowSize());

    JsonObject keepAlive = new JsonObject().put("Keep-Alive", "timeout=5");
    assertEquals(HttpVersion.HTTP_1_1, OpenAiConfig.from("t", base.copy().put("headers", keepAlive)).clientOptions()
      .getProtocolVersion(), "HTTP/1.1 takes it");
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
      () -> OpenAiConfig.from("t", base.copy().put("http2", true).put("headers", keepAlive)));
    assertEquals("headers.Keep-Alive: a connection-specific header, which HTTP/2 forbids (http2 is on)",
      error.getMessage());
  }
}
