package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The official SDKs of src/it/node (OpenAI, Anthropic, the Vercel AI SDK), installed there by npm on first use at
 * the exact versions of its package.json, and a way to run one of its check scripts.
 */
final class NodeSdks {

  static final Path NODE_DIR = Path.of(System.getProperty("tokenlane.node.dir", "src/it/node"));
  private static final List<String> PACKAGES = List.of("openai", "@anthropic-ai/sdk", "ai", "@ai-sdk/openai", "zod");

  private NodeSdks() {
  }

  /** Runs {@code npm install} unless every package is there already. */
  static synchronized void install() throws Exception {
    if (PACKAGES.stream().allMatch(name -> Files.isDirectory(NODE_DIR.resolve("node_modules").resolve(name)))) {
      return;
    }
    Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund")
      .directory(NODE_DIR.toFile()).redirectErrorStream(true).start();
    String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      throw new IllegalStateException("npm install failed in " + NODE_DIR + ":\n" + output);
    }
  }

  /**
   * Runs a check script and returns the JSON object it printed last.
   *
   * @param env environment variables to add
   * @param args the script and its arguments
   */
  static JsonObject run(Map<String, String> env, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "node";
    System.arraycopy(args, 0, command, 1, args.length);
    ProcessBuilder builder = new ProcessBuilder(command).directory(NODE_DIR.toFile())
      .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(env);
    Process node = builder.start();
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(node.waitFor(60, TimeUnit.SECONDS), "node did not finish");
    assertEquals(0, node.exitValue(), output);
    List<String> lines = output.lines().toList();
    return new JsonObject(lines.get(lines.size() - 1));
  }
}
