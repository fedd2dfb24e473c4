package io.tokenlane.bench.target;

import io.tokenlane.bench.proc.ChildProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Portkey's open-source gateway ({@code @portkey-ai/gateway}) on Node, routed to the fake upstream by its
 * headers. It listens on every interface (it has no host option); the port is from the bench's range.
 */
public final class PortkeyTarget implements Target {

  /** The version the bench installs (see portkey/package.json). */
  public static final String VERSION = "1.15.2";

  private final Path installDir;
  private final Path logDir;
  private ChildProcess node;

  PortkeyTarget(Path installDir, Path logDir) {
    this.installDir = installDir;
    this.logDir = logDir;
  }

  static Path entryPoint(Path installDir) {
    return installDir.resolve("node_modules/@portkey-ai/gateway/build/start-server.js");
  }

  @Override
  public Endpoint start(UpstreamPorts upstream) throws IOException {
    int port = Ports.free();
    java.nio.file.Files.createDirectories(logDir);
    node = ChildProcess.start("portkey", List.of("node", entryPoint(installDir).toString(), "--port=" + port,
      "--headless"), installDir, logDir.resolve("portkey.log"), Map.of("NODE_ENV", "production"));
    node.await(() -> Ports.accepting(port), Duration.ofSeconds(30));
    return Endpoint.openAi(port, Map.of(
      "x-portkey-provider", "openai",
      "x-portkey-custom-host", "http://127.0.0.1:" + upstream.openAi() + "/v1",
      "authorization", "Bearer dummy"));
  }

  @Override
  public List<Long> pids() {
    return node == null ? List.of() : node.pids();
  }

  @Override
  public void close() {
    if (node != null) {
      node.close();
    }
  }
}
