package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tokenlane.core.GatewayOptions.ModelOptions;
import io.tokenlane.core.RouteOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code targets} of a model in the YAML: what is accepted, and the message for each mistake. */
class RoutingConfigTest {

  private static final String PROVIDERS = """
    providers:
      openai: { type: mock }
      anthropic: { type: mock }
    models:
      smart:
    """;

  private static List<String> problemsOf(String model) {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig.parse(PROVIDERS + model.indent(4), Map.<String, String>of()::get, problems);
    return problems;
  }

  private static ModelOptions parsed(String model) {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = TokenlaneConfig.parse(PROVIDERS + model.indent(4), Map.<String, String>of()::get,
      problems);
    assertEquals(List.of(), problems);
    return config.gateway().getModels().get("smart");
  }

  @Test
  void theIssuesExampleIsAWeightedRouteWithDefaultBudgets() {
    ModelOptions model = parsed("""
      strategy: weighted
      targets:
        - {provider: openai, model: gpt-4o-mini, weight: 3}
        - {provider: anthropic, model: claude-sonnet-4-5, weight: 1}
      """);
    RouteOptions route = model.route();
    assertEquals(RouteOptions.Strategy.WEIGHTED, route.strategy());
    assertEquals(List.of(new RouteOptions.Target("openai", "gpt-4o-mini", 3),
      new RouteOptions.Target("anthropic", "claude-sonnet-4-5", 1)), route.targets());
    assertEquals(2, route.maxAttempts());
    assertEquals(RouteOptions.DEFAULT_FAILOVER_TIMEOUT_MS, route.failoverTimeoutMs());
    assertEquals(RouteOptions.DEFAULT_FAILURE_THRESHOLD, route.failureThreshold());
    assertEquals(RouteOptions.DEFAULT_COOLDOWN_MS, route.cooldownMs());
    assertEquals("openai", model.provider());
  }

  @Test
  void everyRoutingKeyIsRead() {
    RouteOptions route = parsed("""
      strategy: least-busy
      maxAttempts: 1
      failoverTimeoutMs: 5000
      failureThreshold: 7
      cooldownMs: 1500
      targets:
        - {provider: openai}
        - {provider: anthropic}
      """).route();
    assertEquals(RouteOptions.Strategy.LEAST_BUSY, route.strategy());
    assertEquals(1, route.maxAttempts());
    assertEquals(5000, route.failoverTimeoutMs());
    assertEquals(7, route.failureThreshold());
    assertEquals(1500, route.cooldownMs());
    assertEquals("smart", route.targets().get(0).upstreamModel(), "the model name defaults to the public name");
    assertEquals(1, route.targets().get(0).weight());
  }

  @Test
  void theStrategyDefaultsToOrdered() {
    assertEquals(RouteOptions.Strategy.ORDERED, parsed("""
      targets: [{provider: openai}, {provider: anthropic}]
      """).route().strategy());
  }

  @Test
  void oneTargetIsAPlainModel() {
    ModelOptions model = parsed("""
      targets: [{provider: anthropic, model: claude}]
      """);
    assertNull(model.route());
    assertEquals("anthropic", model.provider());
    assertEquals("claude", model.upstreamModel());
  }

  @Test
  void anUnknownProviderInATargetIsNamedWithItsPath() {
    assertEquals(List.of("models.smart.targets[1].provider: no provider named 'gemini' (configured: openai,"
      + " anthropic)"), problemsOf("""
      targets: [{provider: openai}, {provider: gemini}]
      """));
  }

  @Test
  void aWeightBelowOneIsRefused() {
    assertEquals(List.of("models.smart.targets[0].weight: must be at least 1, got 0"), problemsOf("""
      strategy: weighted
      targets: [{provider: openai, weight: 0}, {provider: anthropic}]
      """));
  }

  @Test
  void anUnknownStrategyIsRefusedWithTheKnownOnes() {
    List<String> problems = problemsOf("""
      strategy: fastest
      targets: [{provider: openai}, {provider: anthropic}]
      """);
    assertEquals(1, problems.size(), problems.toString());
    String problem = problems.get(0);
    assertEquals(true, problem.startsWith("models.smart.strategy: ") && problem.contains("fastest")
      && problem.contains("weighted") && problem.contains("least-busy") && problem.contains("lowest-latency"),
      problem);
  }

  @Test
  void emptyTargetsAreRefused() {
    assertEquals(List.of("models.smart.targets: expected 1 to 64 targets, got 0"), problemsOf("""
      targets: []
      """));
  }

  @Test
  void targetsThatAreNotAListAreRefused() {
    assertEquals(List.of("models.smart.targets: expected a list of {provider, model, weight}"), problemsOf("""
      targets: {provider: openai}
      """));
  }

  @Test
  void providerAndTargetsTogetherAreRefused() {
    assertEquals(List.of("models.smart: set either provider (and model) or targets, not both"), problemsOf("""
      provider: openai
      targets: [{provider: openai}, {provider: anthropic}]
      """));
  }

  @Test
  void neitherProviderNorTargetsIsRefused() {
    assertEquals(List.of("models.smart: provider (one provider) or targets (several) is required"), problemsOf("""
      description: nothing serves me
      """));
  }

  @Test
  void routingKeysOnAPlainModelAreRefused() {
    assertEquals(List.of("models.smart.strategy: only a model with targets may set it"), problemsOf("""
      provider: openai
      strategy: weighted
      """));
  }

  @Test
  void moreAttemptsThanTargetsAreRefused() {
    assertEquals(List.of("models.smart.maxAttempts: must be at most the number of targets (2), got 3"), problemsOf("""
      maxAttempts: 3
      targets: [{provider: openai}, {provider: anthropic}]
      """));
  }

  @Test
  void aMisspelledModelKeyListsTargetsAmongTheKnownKeys() {
    assertEquals(List.of("models.smart.target: unknown key (known keys: provider, model, description, targets,"
      + " strategy, maxAttempts, failoverTimeoutMs, failureThreshold, cooldownMs)"), problemsOf("""
      target: [{provider: openai}, {provider: anthropic}]
      """).subList(0, 1));
  }

  @Test
  void anUnknownKeyInATargetIsRefused() {
    assertEquals(List.of("models.smart.targets[0].wieght: unknown key (known keys: provider, model, weight)"),
      problemsOf("""
        targets: [{provider: openai, wieght: 2}, {provider: anthropic}]
        """));
  }
}
