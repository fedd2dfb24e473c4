package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third party's plugin, for real: examples/plugin-echo builds with its own pom.xml against the installed
 * tokenlane-spi jar (not as a reactor module), its jar is dropped in a plugins directory, and the runnable
 * gateway loads it in its own class loader and streams through it.
 */
class ThirdPartyPluginIT {

  @TempDir
  Path dir;

  @Test
  void theExamplePluginBuiltOutsideTheReactorLoadsFromThePluginsDirectoryAndStreams() throws Exception {
    Path example = Path.of(System.getProperty("tokenlane.examples.dir", "../../examples")).resolve("plugin-echo");
    Path jar = build(example);
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(jar, plugins.resolve("tokenlane-plugin-echo.jar"));
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Files.writeString(dir.resolve("echo.yaml"), """
      http: { host: 127.0.0.1, port: %d }
      plugins: { directory: plugins }
      providers:
        echo:
          type: echo
          config: { prefix: "echo: ", uppercase: true }
      models:
        echo: { provider: echo }
      """.formatted(port));
    Vertx vertx = Vertx.vertx();
    try (GatewayProcess gateway = GatewayProcess.start(dir, Map.of(), "--config", "echo.yaml")) {
      gateway.awaitPort();
      assertTrue(gateway.output().contains("(plugin echo from plugins/tokenlane-plugin-echo.jar)"), gateway.output());
      HttpClient client = vertx.createHttpClient();
      String body = client.request(HttpMethod.POST, port, "127.0.0.1", "/v1/chat/completions")
        .compose(request -> request.send(GatewayServer.streamingChat("echo", "streams are fun").encode()))
        .compose(HttpClientResponse::body).await(30, TimeUnit.SECONDS).toString();
      GatewayServer.Reply reply = new GatewayServer.Reply(200, null, body);
      assertEquals("echo: STREAMS ARE FUN", reply.streamedText(), body);
      assertEquals("[DONE]", reply.data().get(reply.data().size() - 1));
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Runs the example's own Maven build, tests included, as its author would. */
  private Path build(Path example) throws Exception {
    List<String> command = new ArrayList<>(List.of("mvn", "-B", "-q", "package",
      "-Dtokenlane.version=" + System.getProperty("tokenlane.version", "0.1.0-SNAPSHOT")));
    String repo = System.getProperty("maven.repo.local");
    if (repo != null && !repo.isBlank()) {
      command.add("-Dmaven.repo.local=" + repo);
    }
    Process mvn = new ProcessBuilder(command).directory(example.toFile()).redirectErrorStream(true).start();
    String output = new String(mvn.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(mvn.waitFor(10, TimeUnit.MINUTES), "the example build did not finish");
    assertEquals(0, mvn.exitValue(), "the example build failed:\n" + output);
    Path jar = example.resolve("target/tokenlane-plugin-echo.jar");
    assertTrue(Files.isRegularFile(jar), "no jar at " + jar);
    return jar;
  }
}
