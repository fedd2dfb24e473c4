package io.tokenlane.bench.target;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds what each target needs on this machine. A missing tool is not a failure: the path is reported as not
 * installed or unavailable, with the reason.
 */
public final class Targets {

  /**
   * A target ready to start, or why there is none.
   *
   * @param target the target, or {@code null}
   * @param unavailable why not, or {@code null}
   */
  public record Prepared(Target target, String unavailable) {

    static Prepared of(Target target) {
      return new Prepared(target, null);
    }

    static Prepared not(String reason) {
      return new Prepared(null, reason);
    }
  }

  private Targets() {
  }

  /** @return the direct path's (empty) target */
  public static Prepared direct() {
    return Prepared.of(new DirectTarget());
  }

  /**
   * nginx from the PATH or {@code /usr/sbin}.
   *
   * @param dir its configuration, logs and pid file
   */
  public static Prepared nginx(Path dir) {
    String binary = which("nginx", "/usr/sbin/nginx");
    return binary == null ? Prepared.not("not installed") : Prepared.of(new NginxTarget(binary, dir));
  }

  /**
   * The gateway's runnable jar.
   *
   * @param jar {@code modules/tokenlane-server/target/tokenlane.jar}
   * @param dir its configuration and log
   * @param tuning extra environment and JVM flags from the command line
   */
  public static Prepared tokenlane(Path jar, Path dir, GatewayTuning tuning) {
    if (jar == null || !Files.isRegularFile(jar)) {
      return Prepared.not("gateway jar not built (" + jar + "): mvn -o -q -B install -DskipTests");
    }
    return Prepared.of(new TokenlaneTarget(jar, dir, tuning));
  }

  /**
   * Portkey, installed with npm into {@code installDir} when it is not there yet.
   *
   * @param installDir holds package.json (the pinned version and the {@code @hono/node-server} override)
   * @param logDir its log
   * @param install whether to run {@code npm install} when it is missing
   */
  public static Prepared portkey(Path installDir, Path logDir, boolean install) {
    if (which("node", null) == null) {
      return Prepared.not("unavailable: node is not installed");
    }
    if (!Files.isRegularFile(PortkeyTarget.entryPoint(installDir))) {
      if (!install) {
        return Prepared.not("unavailable: not installed in " + installDir + " (npm install there)");
      }
      if (which("npm", null) == null) {
        return Prepared.not("unavailable: npm is not installed");
      }
      String failure = npmInstall(installDir, logDir);
      if (failure != null) {
        return Prepared.not("unavailable: npm install failed: " + failure);
      }
    }
    return Prepared.of(new PortkeyTarget(installDir, logDir));
  }

  private static String npmInstall(Path installDir, Path logDir) {
    try {
      Files.createDirectories(logDir);
      Path log = logDir.resolve("npm-install.log");
      Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund").directory(installDir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!npm.waitFor(5, TimeUnit.MINUTES)) {
        npm.destroyForcibly();
        return "timed out after 5 minutes";
      }
      if (npm.exitValue() != 0 || !Files.isRegularFile(PortkeyTarget.entryPoint(installDir))) {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return "exit " + npm.exitValue() + ": " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
      }
      return null;
    } catch (IOException e) {
      return e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * Runs a command and returns its first output line, for version strings.
   *
   * @return the line, or {@code null} when the command is missing or fails
   */
  public static String firstLine(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      process.waitFor(10, TimeUnit.SECONDS);
      return process.exitValue() == 0 && !output.isEmpty() ? output.lines().findFirst().orElse(null) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** @return the executable's path on the PATH, else {@code fallback} if it exists, else {@code null} */
  static String which(String name, String fallback) {
    List<String> candidates = new ArrayList<>();
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty()) {
        candidates.add(dir + "/" + name);
      }
    }
    if (fallback != null) {
      candidates.add(fallback);
    }
    return candidates.stream().filter(path -> Files.isExecutable(Path.of(path))).findFirst().orElse(null);
  }
}
