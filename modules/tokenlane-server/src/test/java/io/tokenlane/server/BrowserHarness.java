package io.tokenlane.server;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code src/it/browser/browser-check.mjs}: a real Chromium (Debian's {@code /usr/bin/chromium}, or the
 * {@code CHROMIUM} environment variable) driven by playwright-core, which is installed into that folder on first use
 * and never downloads a browser. Each {@link #run} launches a fresh browser and prints one JSON line.
 */
final class BrowserHarness {

  static final Path DIR = Path.of(System.getProperty("tokenlane.browser.dir", "src/it/browser"));
  static final long RUN_TIMEOUT_SECONDS = 90;

  private static boolean installed;

  private BrowserHarness() {
  }

  /** The browser the script launches. */
  static Path chromium() {
    String configured = System.getenv("CHROMIUM");
    return Path.of(configured == null || configured.isBlank() ? "/usr/bin/chromium" : configured);
  }

  /** Whether there is a Chromium to drive. */
  static boolean available() {
    return Files.isExecutable(chromium());
  }

  /**
   * Skips a browser test on a developer machine without Chromium; fails it in CI ({@code CI} set), where
   * {@code .ci/run} installs Chromium, so that CI never passes by skipping.
   */
  static void requireChromium() {
    if (!available() && System.getenv("CI") != null) {
      throw new AssertionError("CI must have Chromium at " + chromium() + " (.ci/run installs it)");
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(available(), "no Chromium at " + chromium());
  }

  /** {@code npm install} in the browser folder unless playwright-core is there already. */
  static synchronized void npmInstallOnce() throws IOException, InterruptedException {
    if (installed || Files.isDirectory(DIR.resolve("node_modules/playwright-core"))) {
      installed = true;
      return;
    }
    Path log = Files.createTempFile("tokenlane-npm", ".log");
    try {
      Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund").directory(DIR.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      boolean done = npm.waitFor(5, TimeUnit.MINUTES);
      if (!done) {
        npm.destroyForcibly();
      }
      if (!done || npm.exitValue() != 0) {
        throw new IllegalStateException("npm install failed in " + DIR.toAbsolutePath() + ":\n" + Files.readString(log));
      }
      installed = true;
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /**
   * Runs a scenario and returns its JSON line (with {@code ok: true}, {@code consoleErrors} and
   * {@code failedRequests} besides the scenario's results). {@code base} is the origin serving the page, no
   * trailing slash needed; {@code options} may be null. Throws with the whole output
   * when node exits non-zero, prints no JSON or runs over {@value #RUN_TIMEOUT_SECONDS} s.
   */
  static JsonObject run(String scenario, String base, JsonObject options) throws IOException, InterruptedException {
    npmInstallOnce();
    String optionsJson = (options == null ? new JsonObject() : options).encode();
    Path out = Files.createTempFile("tokenlane-browser", ".out");
    Path err = Files.createTempFile("tokenlane-browser", ".err");
    try {
      Process node = new ProcessBuilder("node", "browser-check.mjs", scenario, base, optionsJson)
        .directory(DIR.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      boolean done = node.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (!done) {
        node.destroy(); // SIGTERM: playwright closes the browser it launched
        if (!node.waitFor(5, TimeUnit.SECONDS)) {
          node.destroyForcibly();
          node.waitFor(5, TimeUnit.SECONDS);
        }
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      String stderr = Files.readString(err, StandardCharsets.UTF_8);
      String problem = !done ? "timed out after " + RUN_TIMEOUT_SECONDS + " s"
        : node.exitValue() != 0 ? "exited with " + node.exitValue() : null;
      JsonObject result = null;
      List<String> lines = stdout.lines().filter(line -> !line.isBlank()).toList();
      if (!lines.isEmpty()) {
        try {
          result = new JsonObject(lines.get(lines.size() - 1));
        } catch (DecodeException e) {
          problem = problem == null ? "printed no JSON line" : problem;
        }
      } else if (problem == null) {
        problem = "printed nothing";
      }
      if (problem == null && !result.getBoolean("ok", false)) {
        problem = "reported a failure";
      }
      if (problem != null) {
        throw new IllegalStateException("browser-check " + scenario + " " + problem
          + (result != null && result.getString("error") != null ? ": " + result.getString("error") : "")
          + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr);
      }
      return result;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
