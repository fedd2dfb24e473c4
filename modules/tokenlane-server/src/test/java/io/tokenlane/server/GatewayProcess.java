package io.tokenlane.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runnable jar in its own JVM, as a user starts it: {@code java -jar target/tokenlane.jar ...}. Collects its
 * output and learns its port from the "listening" log line.
 */
final class GatewayProcess implements AutoCloseable {

  static final Path JAR = Path.of("target", "tokenlane.jar");
  private static final Pattern LISTENING = Pattern.compile("Tokenlane listening on http://[^:]+:(\\d+)");

  private final Process process;
  private final List<String> output = new ArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();

  private GatewayProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(this::readOutput, "gateway-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** A port free on this machine now, for a process to listen on. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static GatewayProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
      Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
      "-jar", JAR.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    return new GatewayProcess(builder.start());
  }

  private void readOutput() {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        synchronized (output) {
          output.add(line);
        }
        Matcher matcher = LISTENING.matcher(line);
        if (matcher.find()) {
          port.complete(Integer.parseInt(matcher.group(1)));
        }
      }
    } catch (IOException e) {
      port.completeExceptionally(e);
    }
    port.completeExceptionally(new IllegalStateException("the gateway exited before listening:\n" + output()));
  }

  int awaitPort() throws Exception {
    return port.get(60, TimeUnit.SECONDS);
  }

  /** SIGKILL: the process dies at once, as when its machine fails. */
  void kill() {
    process.destroyForcibly();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM, as Kubernetes and {@code kill} send it. */
  void terminate() {
    process.destroy();
  }

  int awaitExit(long seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("the gateway did not exit within " + seconds + " s:\n" + output());
    }
    return process.exitValue();
  }

  String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
