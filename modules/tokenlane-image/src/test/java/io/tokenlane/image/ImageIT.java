package io.tokenlane.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image Jib built into {@code target/jib-image.tar}: its configuration, the files of its layers, and the gateway
 * started from its own filesystem with its own entrypoint and environment (in a private mount and PID namespace rooted
 * in the unpacked layers, as a container runtime would, when this build runs as root; else the image's runtime and
 * jar run on the host's root).
 */
class ImageIT {

  @TempDir
  static Path work;
  static Path rootfs;
  static JsonObject config;

  @BeforeAll
  static void unpack() throws Exception {
    Path tar = Path.of(System.getProperty("tokenlane.image.tar"));
    assertTrue(Files.isRegularFile(tar), "Jib's tar at " + tar);
    Path image = Files.createDirectories(work.resolve("image"));
    run(List.of("tar", "-xf", tar.toString(), "-C", image.toString()));
    JsonObject manifest = new JsonArray(Files.readString(image.resolve("manifest.json"))).getJsonObject(0);
    config = new JsonObject(Files.readString(image.resolve(manifest.getString("Config")))).getJsonObject("config");
    rootfs = Files.createDirectories(work.resolve("rootfs"));
    // Layers in order, each over the previous ones, as a runtime stacks them.
    for (Object layer : manifest.getJsonArray("Layers")) {
      run(List.of("tar", "-xzf", image.resolve((String) layer).toString(), "-C", rootfs.toString()));
    }
  }

  @Test
  void theImageRunsTheJarAsNonRootWithPluginsAndConfAsMountPoints() {
    assertEquals("65532:65532", config.getString("User"));
    assertEquals("/app", config.getString("WorkingDir"));
    assertEquals(List.of("/opt/java/bin/java", "-XX:MaxRAMPercentage=70.0", "-XX:+ExitOnOutOfMemoryError", "-jar",
      "/app/tokenlane.jar", "--config", "/app/conf/tokenlane.yaml"), config.getJsonArray("Entrypoint").getList());
    List<?> env = config.getJsonArray("Env").getList();
    assertTrue(env.contains("TOKENLANE_HTTP_HOST=0.0.0.0"), env.toString());
    assertTrue(env.contains("TOKENLANE_PLUGINS_DIRECTORY=/app/plugins"), env.toString());
    assertTrue(env.stream().anyMatch(e -> ((String) e).startsWith("PATH=/opt/java/bin:")), env.toString());
    assertEquals(Set.of("/app/plugins", "/app/conf"), config.getJsonObject("Volumes").fieldNames());
    assertTrue(config.getJsonObject("ExposedPorts").containsKey("8080/tcp"), config.encode());
  }

  @Test
  void theLayersHoldTheJarWithItsBundledPluginsTheDefaultConfigAndAPluginsFolder() throws Exception {
    Path jar = rootfs.resolve("app/tokenlane.jar");
    try (JarFile file = new JarFile(jar.toFile());
         InputStream services = file.getInputStream(file.getEntry("META-INF/services/io.tokenlane.spi.ProviderFactory"))) {
      String factories = new String(services.readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(factories.contains("io.tokenlane.provider.mock.MockProviderFactory"), factories);
      assertTrue(factories.contains("io.tokenlane.provider.openai.OpenAiProviderFactory"), factories);
      assertEquals("io.tokenlane.server.Main", file.getManifest().getMainAttributes().getValue("Main-Class"));
    }
    assertArrayEquals(Files.readAllBytes(Path.of(System.getProperty("tokenlane.conf"))),
      Files.readAllBytes(rootfs.resolve("app/conf/tokenlane.yaml")), "the repository's default configuration");
    assertTrue(Files.isDirectory(rootfs.resolve("app/plugins")));
    assertTrue(Files.getPosixFilePermissions(rootfs.resolve("opt/java/bin/java")).contains(PosixFilePermission.OTHERS_EXECUTE));
    assertTrue(Files.readString(rootfs.resolve("etc/passwd")).contains("nonroot:x:65532:65532:"));
    assertTrue(Files.size(rootfs.resolve("opt/java/lib/security/cacerts")) > 10_000, "CA certificates for TLS upstreams");
    // Distroless: nothing to run but the runtime.
    assertFalse(Files.exists(rootfs.resolve("bin/sh")), "no shell in the image");
    assertFalse(Files.exists(rootfs.resolve("opt/java/bin/javac")), "a runtime, not a JDK");
  }

  @Test
  void theGatewayStartsFromTheImageAndStreams() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> command = new ArrayList<>();
    boolean contained = canContain();
    System.out.println("ImageIT runs the gateway " + (contained
      ? "in a PID and mount namespace rooted in the image's layers (unshare --root)"
      : "with the image's runtime on the host's root (no unshare here: not root, or namespaces refused)"));
    if (contained) {
      // The image's own loader, C libraries and runtime: nothing of the host's filesystem is visible.
      command.addAll(List.of("unshare", "--pid", "--fork", "--kill-child", "--mount-proc",
        "--root=" + rootfs, "--wd=/app", "--setuid=65532", "--setgid=65532"));
    }
    for (Object arg : config.getJsonArray("Entrypoint")) {
      String text = (String) arg;
      command.add(contained || !text.startsWith("/") ? text : rootfs + text);
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
      .redirectOutput(work.resolve("gateway.log").toFile());
    if (!contained) {
      builder.directory(rootfs.resolve("app").toFile());
    }
    builder.environment().clear();
    for (Object entry : config.getJsonArray("Env")) {
      String text = (String) entry;
      int eq = text.indexOf('=');
      builder.environment().put(text.substring(0, eq), text.substring(eq + 1));
    }
    builder.environment().put("TOKENLANE_HTTP_HOST", "127.0.0.1");
    builder.environment().put("TOKENLANE_HTTP_PORT", Integer.toString(port));
    if (!contained) {
      builder.environment().put("TOKENLANE_PLUGINS_DIRECTORY", rootfs.resolve("app/plugins").toString());
    }
    Process gateway = builder.start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      URI base = URI.create("http://127.0.0.1:" + port);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      int ready = -1;
      while (ready != 200) {
        assertTrue(gateway.isAlive(), () -> "the gateway exited: " + log());
        assertTrue(System.nanoTime() < deadline, () -> "not ready within 90 s: " + log());
        try {
          ready = http.send(HttpRequest.newBuilder(base.resolve("/readyz")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notYet) {
          gateway.waitFor(200, TimeUnit.MILLISECONDS);
        }
      }
      HttpResponse<String> chat = http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
          "{\"model\":\"mock-fast\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
        HttpResponse.BodyHandlers.ofString());
      assertEquals(200, chat.statusCode(), chat.body());
      assertTrue(chat.body().contains("\"finish_reason\":\"stop\"") && chat.body().endsWith("data: [DONE]\n\n"),
        chat.body());
    } finally {
      // SIGTERM to the JVM, as a runtime stops a container (unshare itself leaves SIGTERM to its child).
      gateway.descendants().forEach(ProcessHandle::destroy);
      gateway.destroy();
      boolean stopped = gateway.waitFor(60, TimeUnit.SECONDS);
      if (!stopped) {
        gateway.descendants().forEach(ProcessHandle::destroyForcibly);
        gateway.destroyForcibly();
      }
      assertTrue(stopped, () -> "SIGTERM stops the gateway: " + log());
    }
    assertFalse(log().contains("Exception"), log());
  }

  /** Whether this machine lets the build run a process rooted in the image (root, and namespaces allowed). */
  private static boolean canContain() throws Exception {
    if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/bin/unshare"))) {
      return false;
    }
    Files.createDirectories(rootfs.resolve("proc"));
    Process probe = new ProcessBuilder("unshare", "--pid", "--fork", "--kill-child", "--mount-proc",
      "--root=" + rootfs, "--setuid=65532", "--setgid=65532", "/opt/java/bin/java", "-version")
      .redirectErrorStream(true).start();
    probe.getInputStream().readAllBytes();
    return probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0;
  }

  private static String log() {
    try {
      return Files.readString(work.resolve("gateway.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static void run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
    assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
  }
}
