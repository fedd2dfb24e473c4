package io.tokenlane.bench.target;

import io.tokenlane.bench.proc.ChildProcess;
import io.tokenlane.bench.proc.HeapHistogram;
import io.tokenlane.bench.proc.Jcmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The gateway's runnable jar in its own JVM ({@code -Xmx512m}), with an {@code openai} provider pointed at the
 * fake upstream's OpenAI port and the model {@value #MODEL} routed to it, and an {@code anthropic} provider pointed
 * at its Anthropic port with the model {@value #ANTHROPIC_MODEL}. Limits that would cap the load, not measure it,
 * are lifted: upstream connections and streams per session. Every other key keeps its default, unless the command
 * line's {@link GatewayTuning} overrides it.
 */
public final class TokenlaneTarget implements Target {

  /** The model every path asks for, but the Anthropic one: the OpenAI provider's. */
  public static final String MODEL = "gpt-4o-mini";
  /** The model the Anthropic path asks for: the {@code anthropic} provider's. */
  public static final String ANTHROPIC_MODEL = "claude-sonnet-4-5";
  /** The gateway JVM's heap, as the memory target states it. */
  public static final String HEAP = "-Xmx512m";
  /**
   * Set to {@code true} in the gateway's environment ({@code --gateway-env}), the OpenAI provider speaks HTTP/2 to
   * the fake upstream: many streams per upstream connection, so an open stream takes one socket of the gateway
   * instead of two, and 10,000 open streams fit under an open-files limit of 20,000.
   */
  public static final String UPSTREAM_HTTP2 = "TOKENLANE_BENCH_UPSTREAM_HTTP2";

  private final Path jar;
  private final Path dir;
  private final GatewayTuning tuning;
  private final int fixedPort;
  private ChildProcess gateway;

  TokenlaneTarget(Path jar, Path dir, GatewayTuning tuning) {
    this(jar, dir, tuning, 0);
  }

  /**
   * @param fixedPort the HTTP port, or 0 for a free one at each start (a cluster member's port is in its
   *     environment, so it is chosen before)
   */
  TokenlaneTarget(Path jar, Path dir, GatewayTuning tuning, int fixedPort) {
    this.jar = jar;
    this.dir = dir;
    this.tuning = tuning;
    this.fixedPort = fixedPort;
  }

  @Override
  public Endpoint start(UpstreamPorts upstream) throws IOException {
    int port = fixedPort > 0 ? fixedPort : Ports.free();
    Files.createDirectories(dir);
    Path config = dir.resolve("tokenlane.yaml");
    Files.writeString(config, config(port, upstream));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add(HEAP);
    command.addAll(tuning.jvmFlags());
    command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "--config", config.toString()));
    gateway = ChildProcess.start("tokenlane", command, dir, dir.resolve("tokenlane.log"), tuning.env());
    gateway.awaitLine(Pattern.compile("Tokenlane listening on"), Duration.ofSeconds(60));
    return new Endpoint("127.0.0.1", port, "/v1/chat/completions", "/v1/", Map.of());
  }

  String config(int port, UpstreamPorts upstream) {
    return """
      http:
        host: 127.0.0.1
        port: %1$d
      plugins:
        directory: %3$s/plugins
      providers:
        fake:
          type: openai
          config:
            baseUrl: http://127.0.0.1:%2$d/v1
            maxConnections: 30000
            idleTimeoutMs: 600000
            http2: ${%7$s:-false}
        fake-anthropic:
          type: anthropic
          config:
            baseUrl: http://127.0.0.1:%5$d
            apiKey: bench
            maxConnections: 30000
            idleTimeoutMs: 600000
      models:
        %4$s:
          provider: fake
        %6$s:
          provider: fake-anthropic
      streams:
        maxRunningPerSession: 100000
      shutdown:
        graceMs: 0
      """.formatted(port, upstream.openAi(), dir.toAbsolutePath(), MODEL, upstream.anthropic(), ANTHROPIC_MODEL,
        UPSTREAM_HTTP2);
  }

  @Override
  public boolean multiplexesOpenAiUpstream() {
    // The gateway's environment is the bench's plus the tuning's: the same value the config placeholder reads.
    String value = tuning.env().containsKey(UPSTREAM_HTTP2) ? tuning.env().get(UPSTREAM_HTTP2)
      : System.getenv(UPSTREAM_HTTP2);
    return "true".equals(value);
  }

  @Override
  public List<Long> pids() {
    return gateway == null ? List.of() : List.of(gateway.pid());
  }

  @Override
  public HeapHistogram liveHeap() throws IOException {
    return Jcmd.liveHeap(gateway.pid());
  }

  @Override
  public long jvmPid() {
    return gateway == null ? -1 : gateway.pid();
  }

  /**
   * {@code kill -9}: the gateway dies on the spot (a member lost, not one leaving).
   *
   * @return the {@link System#nanoTime()} just before the signal
   */
  public long kill() {
    return gateway.kill();
  }

  @Override
  public void close() {
    if (gateway != null) {
      gateway.close();
    }
  }
}
