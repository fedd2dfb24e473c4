package io.tokenlane.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.SpiVersion;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class AnthropicConfigTest {

  @Test
  void theSchemaFillsInAnthropicsDefaults() {
    ConfigSchema.Validation validation = AnthropicConfig.SCHEMA.validate(new JsonObject().put("apiKey", "sk-ant-x"));

    assertEquals(List.of(), validation.problems());
    JsonObject config = validation.config();
    assertEquals("https://api.anthropic.com", config.getString("baseUrl"));
    assertEquals("2023-06-01", config.getString("anthropicVersion"));
    assertEquals(4096, config.getInteger("maxTokens"));
    assertEquals(60_000, config.getInteger("idleTimeoutMs"));
    assertTrue(AnthropicConfig.SCHEMA.fields().get("apiKey").isSecret());
  }

  @Test
  void theDefaultBaseUrlIsHttpsOnPort443() {
    AnthropicConfig config = AnthropicConfig.from("a", AnthropicConfig.SCHEMA.validate(new JsonObject()).config());

    assertEquals("api.anthropic.com:443", config.target());
    assertTrue(config.messagesRequest("r").isSsl());
    assertEquals("/v1/messages", config.messagesRequest("r").getURI());
  }

  @Test
  void aMaxTokensBelowOneIsRefusedByTheSchema() {
    List<String> problems = AnthropicConfig.SCHEMA.validate(new JsonObject().put("maxTokens", 0)).problems();

    assertTrue(problems.stream().anyMatch(problem -> problem.contains("maxTokens")), problems.toString());
  }

  @Test
  void thePluginIsFoundByServiceLoaderUnderItsTypeWithTheCurrentSpi() {
    ProviderFactory factory = ServiceLoader.load(ProviderFactory.class).stream().map(ServiceLoader.Provider::get)
      .filter(found -> found.id().equals("anthropic")).findFirst().orElseThrow();

    assertEquals(AnthropicProviderFactory.class, factory.getClass());
    assertEquals(SpiVersion.CURRENT, factory.spiVersion());
  }
}
