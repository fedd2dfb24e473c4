package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

  @TempDir
  Path dir;

  private static final String MINIMAL = """
    providers:
      mock: { type: mock }
    models:
      m: { provider: mock }
    """;

  private List<String> problemsOf(String yaml, Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = TokenlaneConfig.parse(yaml, env::get, problems);
    if (problems.isEmpty()) {
      try {
        Tokenlane.loadPlugins(config).close();
      } catch (ConfigurationException e) {
        problems.addAll(e.problems());
      }
    }
    return problems;
  }

  @Test
  void theDefaultConfigurationIsValidAndServesTheMockModels() throws Exception {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = TokenlaneConfig.load(Path.of("../../conf/tokenlane.yaml"), Map.<String, String>of()::get,
      problems);
    assertEquals(List.of(), problems);
    assertTrue(config.gateway().getModels().keySet().containsAll(List.of("mock-typewriter", "mock-fast")));
    assertEquals(8080, config.port());
    Tokenlane.loadPlugins(config).close();
  }

  @Test
  void environmentVariablesAreSubstitutedInValuesWithDefaults() {
    String yaml = MINIMAL + """
      http:
        port: ${PORT}
        host: ${HOST:-127.0.0.1}
      """;
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = TokenlaneConfig.parse(yaml, Map.of("PORT", "9191")::get, problems);
    assertEquals(List.of(), problems);
    assertEquals(9191, config.port());
    assertEquals("127.0.0.1", config.host());
  }

  @Test
  void anUnsetVariableWithoutDefaultIsAProblemNamingIt() {
    List<String> problems = problemsOf(MINIMAL + "http:\n  host: ${GATEWAY_HOST}\n", Map.of());
    assertEquals(List.of("http.host: environment variable GATEWAY_HOST is not set (write ${GATEWAY_HOST:-} to make it optional)"),
      problems);
  }

  @Test
  void clusteringIsOffByDefaultAndTurnedOnByTheMemberListInTheEnvironment() {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig single = TokenlaneConfig.parse(MINIMAL, Map.<String, String>of()::get, problems);
    assertEquals(List.of(), problems);
    assertFalse(single.cluster().isEnabled());

    TokenlaneConfig member = TokenlaneConfig.parse(MINIMAL, Map.of("TOKENLANE_CLUSTER_MEMBERS",
      "10.0.0.1:5701, 10.0.0.2:5701", "TOKENLANE_CLUSTER_PORT", "5801")::get, problems);
    assertEquals(List.of(), problems);
    assertTrue(member.cluster().isEnabled());
    assertEquals(List.of("10.0.0.1:5701", "10.0.0.2:5701"), member.cluster().getMembers());
    assertEquals(5801, member.cluster().getPort());
  }

  @Test
  void aClusterMemberThatIsNotHostColonPortIsAProblem() {
    List<String> problems = problemsOf(MINIMAL + "cluster:\n  members: [\"10.0.0.1:5701-5710\", \"nohost\"]\n",
      Map.of());
    assertEquals(List.of("cluster.members: each member is host:port, got '10.0.0.1:5701-5710'",
      "cluster.members: each member is host:port, got 'nohost'"), problems);
    assertEquals(List.of("cluster.batchMs: must be at most 1000, got 5000"),
      problemsOf(MINIMAL + "cluster:\n  batchMs: 5000\n", Map.of()));
  }

  @Test
  void tokenlaneHttpPortOverridesTheFile() {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = TokenlaneConfig.parse(MINIMAL + "http:\n  port: 8080\n",
      Map.of("TOKENLANE_HTTP_PORT", "7070", "TOKENLANE_HTTP_MAX_BODY_BYTES", "2048")::get, problems);
    assertEquals(List.of(), problems);
    assertEquals(7070, config.port());
    assertEquals(2048, config.transport().getMaxBodyBytes());
    assertEquals("TOKENLANE_SHUTDOWN_GRACE_MS", ConfigLoader.envName("shutdown", "graceMs"));
  }

  @Test
  void nativeProtocolSectionsAreReadAndOverridableFromTheEnvironment() {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = TokenlaneConfig.parse(MINIMAL + """
      streams: { detachGraceMs: 500, replayCapacity: 64 }
      transports: { heartbeatMs: 1000 }
      """, Map.of("TOKENLANE_TRANSPORTS_ENABLED", "sse, long-polling", "TOKENLANE_STREAMS_RESUME_WINDOW_MS", "9000",
        "TOKENLANE_SESSIONS_SECRET", "x".repeat(32), "TOKENLANE_STREAMS_SNAPSHOT_MAX_BYTES", "4096")::get, problems);
    assertEquals(List.of(), problems);
    assertEquals(4096, config.streams().getSnapshotMaxBytes());
    assertEquals(List.of("sse", "long-polling"), config.transport().getTransports());
    assertEquals(1000, config.transport().getHeartbeatMs());
    assertEquals(500, config.streams().getDetachGraceMs());
    assertEquals(64, config.streams().getReplayCapacity());
    assertEquals(9000, config.streams().getResumeWindowMs());
    assertEquals(32, config.sessionSecret().length);
  }

  @Test
  void badNativeProtocolSettingsAreProblemsNamingTheKey() {
    List<String> problems = problemsOf(MINIMAL + """
      sessions: { secret: too-short }
      streams: { replayCapacity: 1, detachGraceMs: 0, snapshotMaxBytes: -1 }
      transports: { enabled: [websocket, carrier-pigeon], maxFrameBytes: 10 }
      """, Map.of());
    assertEquals(6, problems.size(), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("streams.snapshotMaxBytes:")), problems.toString());
    assertTrue(problems.contains("sessions.secret: must be at least 32 bytes (it signs session tokens)"), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("streams.replayCapacity:")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("streams.detachGraceMs:")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("transports.enabled:") && p.contains("carrier-pigeon")),
      problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("transports.maxFrameBytes:")), problems.toString());
    assertTrue(problems.stream().noneMatch(p -> p.contains("too-short")), "the secret is never shown");
  }

  @Test
  void everyProblemIsReportedOnceWithItsPath() {
    String brokenProviders = """
      providers:
        mock:
          type: mock
          config:
            tokensPerSecond: fast
            lenght: 3
        ghost:
          type: nonexistent
      models:
        m: { provider: mock }
      """;
    String yaml = brokenProviders + """
        orphan: { provider: missing }
      htp:
        port: 1
      http:
        port: lots
        colour: blue
      """;
    List<String> problems = problemsOf(yaml, Map.of());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("htp: unknown key")), problems.toString());
    assertTrue(problems.contains("http.port: expected a whole number, got \"lots\""), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("http.colour: unknown key")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("models.orphan.provider: no provider named 'missing'")),
      problems.toString());
    assertEquals(4, problems.size(), "plugin checks run only once the file itself is sound: " + problems);
    List<String> pluginProblems = problemsOf(brokenProviders, Map.of());
    assertTrue(pluginProblems.contains("providers.mock.config.tokensPerSecond: expected a number, got \"fast\""),
      pluginProblems.toString());
    assertTrue(pluginProblems.stream().anyMatch(p -> p.startsWith("providers.mock.config.lenght: unknown key")),
      pluginProblems.toString());
    assertTrue(pluginProblems.stream().anyMatch(p -> p.startsWith("providers.ghost.type: no plugin 'nonexistent' (available:")),
      pluginProblems.toString());
    assertEquals(3, pluginProblems.size(), pluginProblems.toString());
  }

  @Test
  void requiredSecretsOfAPluginAreReportedWithoutTheirValue() {
    List<String> problems = problemsOf("""
      providers:
        openai:
          type: openai
          config:
            apiKey: sk-should-not-be-printed
      models:
        m: { provider: openai }
      """, Map.of());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("providers.openai.config.baseUrl: required")), problems.toString());
    assertTrue(problems.stream().noneMatch(p -> p.contains("sk-should-not-be-printed")), problems.toString());
  }

  @Test
  void brokenYamlIsOneClearProblemThatDoesNotQuoteTheLine() {
    List<String> problems = problemsOf("providers:\n  openai:\n    apiKey: sk-SECRET123: x\n", Map.of());
    assertEquals(1, problems.size());
    assertTrue(problems.get(0).startsWith("configuration: not valid YAML: "), problems.get(0));
    assertTrue(problems.get(0).contains("(line 3, column"), problems.get(0));
    assertTrue(!problems.get(0).contains("sk-SECRET123"), problems.get(0));
  }

  @Test
  void anchorsAndAliasesWorkAndDuplicateKeysAreRefused() {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = TokenlaneConfig.parse("""
      providers:
        a: { type: mock, config: &paced { tokensPerSecond: 50, length: 10 } }
        b: { type: mock, config: { <<: *paced, length: 20 } }
      models:
        a: { provider: a }
        b: { provider: b }
      """, Map.<String, String>of()::get, problems);
    assertEquals(List.of(), problems);
    assertEquals(20L, ((Number) config.gateway().getProviders().get("b").config().getValue("length")).longValue());
    assertEquals(50, ((Number) config.gateway().getProviders().get("b").config().getValue("tokensPerSecond")).intValue());
    List<String> duplicate = problemsOf(MINIMAL + "providers:\n  other: { type: mock }\n", Map.of());
    assertEquals(1, duplicate.size(), duplicate.toString());
    assertTrue(duplicate.get(0).contains("duplicate key providers"), duplicate.get(0));
  }

  @Test
  void mainExitsWithCode2AndPrintsEachProblemOnItsOwnLine() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "http:\n  port: 99999\nmodels: {}\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"--config", file.toString()}, Map.<String, String>of()::get,
      new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code);
    String printed = err.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("tokenlane: invalid configuration, 2 problems:"), printed);
    assertTrue(printed.contains("  - http.port: must be at most 65535, got 99999"), printed);
    assertTrue(printed.contains("  - models: at least one model is required"), printed);
  }

  @Test
  void mainRefusesUnknownArgumentsAndAMissingFile() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream out = new PrintStream(new ByteArrayOutputStream());
    assertEquals(2, Main.run(new String[] {"--bogus"}, Map.<String, String>of()::get, out, errStream));
    assertEquals(2, Main.run(new String[] {"--config", dir.resolve("absent.yaml").toString()},
      Map.<String, String>of()::get, out, errStream));
    String printed = err.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("unknown argument '--bogus'"), printed);
    assertTrue(printed.contains("absent.yaml: no such file"), printed);
  }
}
