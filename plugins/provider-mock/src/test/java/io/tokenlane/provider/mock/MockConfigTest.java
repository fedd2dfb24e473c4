package io.tokenlane.provider.mock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.provider.mock.MockOptions.Failure;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class MockConfigTest {

  private static final ConfigSchema SCHEMA = new MockProviderFactory().configSchema();

  @Test
  void serviceLoaderFindsTheMockFactory() {
    assertTrue(ServiceLoader.load(ProviderFactory.class).stream()
      .anyMatch(provider -> provider.get().id().equals("mock")));
  }

  @Test
  void anEmptyConfigGetsTheDocumentedDefaults() {
    assertEquals(new MockOptions(42, 0, 0, 200, Failure.NONE, 0), MockOptions.fromConfig(new JsonObject()));
  }

  @Test
  void everyKeyIsDescribed() {
    SCHEMA.fields().values().forEach(field -> assertFalse(field.description().isEmpty(), field.name()));
  }

  @Test
  void numbersWrittenAsTextAreAccepted() {
    MockOptions options = MockOptions.fromConfig(new JsonObject().put("ttftMs", "150").put("tokensPerSecond", "12.5"));
    assertEquals(150, options.ttftMs());
    assertEquals(12.5, options.tokensPerSecond());
  }

  @Test
  void anUnknownFailureIsRejectedWithTheAllowedValues() {
    assertEquals(List.of("failure: expected one of none, error-before-first-token, error-mid-stream, stall, got \"explode\""),
      problems(new JsonObject().put("failure", "explode")));
  }

  @Test
  void wrongTypesAndOutOfBoundValuesAreRejectedOneMessageEach() {
    List<String> problems = problems(new JsonObject().put("seed", 1.5).put("ttftMs", "soon")
      .put("tokensPerSecond", -1).put("length", 0).put("failAfterTokens", -3));
    assertEquals(List.of("seed: expected a whole number, got number 1.5",
      "ttftMs: expected a whole number, got \"soon\"",
      "tokensPerSecond: must be at least 0, got -1",
      "length: must be at least 1, got 0",
      "failAfterTokens: must be at least 0, got -3"), problems);
  }

  @Test
  void creatingFromAnInvalidConfigFailsWithEveryProblem() {
    ProviderContext context = ProviderContext.of("mock-test", new JsonObject().put("length", 0).put("lenght", 5));
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
      () -> new MockProviderFactory().create(context));
    assertTrue(error.getMessage().contains("length: must be at least 1"), error.getMessage());
    assertTrue(error.getMessage().contains("lenght: unknown key"), error.getMessage());
  }

  @Test
  void failAfterTokensZeroMeansHalfOfLengthRoundedUp() {
    assertEquals(100, MockOptions.fromConfig(new JsonObject()).failurePoint());
    assertEquals(1, MockOptions.fromConfig(new JsonObject().put("length", 1)).failurePoint());
    assertEquals(7, MockOptions.fromConfig(new JsonObject().put("failAfterTokens", 7)).failurePoint());
  }

  private static List<String> problems(JsonObject config) {
    return SCHEMA.validate(config).problems();
  }
}
