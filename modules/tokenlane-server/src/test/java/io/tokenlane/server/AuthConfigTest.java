package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.auth.ApiKeys;
import io.tokenlane.core.auth.Principal;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The auth section: keys from the environment, the configuration and a mounted file; mistakes refused at start. */
class AuthConfigTest {

  private static final String MODELS = """
    providers:
      m: { type: mock }
    models:
      m: { provider: m }
    """;

  private static TokenlaneConfig parse(String yaml, Map<String, String> env, List<String> problems) {
    return TokenlaneConfig.parse(MODELS + yaml, env::get, problems);
  }

  @Test
  void theDefaultIsOpenOnLoopbackOnly() {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = parse("", Map.of(), problems);
    assertEquals(List.of(), problems);
    assertFalse(config.auth().isRequired());
    assertEquals("127.0.0.1", config.host());
  }

  @Test
  void tokenlaneApiKeyAloneRequiresThatKeyForEveryModel() {
    String key = ApiKeys.generate();
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = parse("", Map.of("TOKENLANE_API_KEY", key), problems);
    assertEquals(List.of(), problems);
    assertTrue(config.auth().isRequired());
    Principal principal = config.auth().keys().authenticate(key, System.currentTimeMillis());
    assertNotNull(principal);
    assertTrue(principal.allows("m") && principal.allows("anything"));
    assertNull(config.auth().keys().authenticate(key + "x", System.currentTimeMillis()));
    assertFalse(parse("", Map.of("TOKENLANE_API_KEY", "short"), new ArrayList<>()) == null);
    List<String> shortKey = new ArrayList<>();
    parse("", Map.of("TOKENLANE_API_KEY", "short"), shortKey);
    assertTrue(shortKey.get(0).startsWith("TOKENLANE_API_KEY"), shortKey.toString());
  }

  @Test
  void keysComeFromAMountedFileToo(@TempDir Path dir) throws Exception {
    String key = ApiKeys.generate();
    Path file = dir.resolve("keys.yaml");
    Files.writeString(file, "mounted:\n  hash: " + ApiKeys.hash(key) + "\n  models: [m]\n  expiresAt: 2099-01-01\n");
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = parse("auth:\n  keysFile: " + file + "\n", Map.of(), problems);
    assertEquals(List.of(), problems);
    Principal principal = config.auth().keys().authenticate(key, System.currentTimeMillis());
    assertEquals("key:mounted", principal.id());
    assertEquals(java.time.Instant.parse("2099-01-01T00:00:00Z").toEpochMilli(), principal.expiresAtMs());
  }

  @Test
  void mistakesAreRefusedAtStartWithoutEchoingSecrets() {
    List<String> problems = new ArrayList<>();
    parse("""
      auth:
        required: true
        keys:
          plain: { hash: "tl_this-is-a-key-not-a-hash" }
          bad id!: { hash: "sha256:00" }
          late: { hash: "%s", expiresAt: "next tuesday" }
          greedy: { hash: "%s", limits: { requestsPerMinute: -1 } }
      """.formatted(ApiKeys.hash("a"), ApiKeys.hash("b")), Map.of(), problems);
    String all = String.join("\n", problems);
    assertTrue(all.contains("auth.keys.plain.hash: must be sha256:"), all);
    assertTrue(all.contains("auth.keys.bad id!: a key id is"), all);
    assertTrue(all.contains("auth.keys.late.expiresAt"), all);
    assertTrue(all.contains("auth.keys.greedy.limits.requestsPerMinute"), all);
    assertFalse(all.contains("tl_this-is-a-key"), "a key pasted in place of its hash is never echoed: " + all);
    List<String> none = new ArrayList<>();
    parse("auth:\n  required: true\n", Map.of(), none);
    assertTrue(none.get(0).startsWith("auth.required"), none.toString());
  }

  @Test
  void keysCreatePrintsAKeyAndTheHashThatConfiguresIt() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"keys", "create", "--id", "team-a", "--models", "m"}, name -> null,
      new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    assertEquals(0, code);
    String printed = out.toString(StandardCharsets.UTF_8);
    Matcher key = Pattern.compile("#   (tl_[A-Za-z0-9_-]{43})").matcher(printed);
    assertTrue(key.find(), printed);
    assertTrue(printed.contains("hash: " + ApiKeys.hash(key.group(1))), printed);
    // The printed lines are a working configuration.
    String yaml = printed.lines().filter(line -> !line.startsWith("#") && !line.trim().startsWith("#"))
      .reduce("", (a, b) -> a + b + "\n");
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = parse(yaml, Map.of(), problems);
    assertEquals(List.of(), problems);
    assertEquals("key:team-a", config.auth().keys().authenticate(key.group(1), 0).id());
  }

  @Test
  void anExpiredKeyIsRefusedWithItsOwnCode() {
    List<String> problems = new ArrayList<>();
    String key = ApiKeys.generate();
    TokenlaneConfig config = parse("auth:\n  keys:\n    old: { hash: \"" + ApiKeys.hash(key)
      + "\", expiresAt: 2020-01-31T12:00:00Z }\n", Map.of(), problems);
    assertEquals(List.of(), problems);
    GatewayException expired = assertThrows(GatewayException.class,
      () -> config.auth().keys().authenticate(key, System.currentTimeMillis()));
    assertEquals("api_key_expired", expired.code());
  }
}
