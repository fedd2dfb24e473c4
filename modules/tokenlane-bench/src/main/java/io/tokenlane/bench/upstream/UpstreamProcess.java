package io.tokenlane.bench.upstream;

import io.tokenlane.bench.proc.ChildProcess;
import io.tokenlane.bench.target.Ports;
import io.tokenlane.bench.target.UpstreamPorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The fake upstream's JVM, as the bench drives it: start, set the script, read client closes, stop. */
public final class UpstreamProcess implements AutoCloseable {

  /** The fake upstream's heap: it keeps every request it received, so a run's worth must fit. */
  private static final String HEAP = "-Xmx2g";

  private final ChildProcess process;
  private final UpstreamPorts ports;
  private final int controlPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private UpstreamProcess(ChildProcess process, UpstreamPorts ports, int controlPort) {
    this.process = process;
    this.ports = ports;
    this.controlPort = controlPort;
  }

  /**
   * Starts the fake upstream's JVM from this JVM's class path.
   *
   * @param dir where its log goes
   * @return the running upstream
   */
  public static UpstreamProcess start(Path dir) throws IOException {
    int control = Ports.free();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ChildProcess process = ChildProcess.start("fake upstream", List.of(java, HEAP, "-cp",
        classPath(), UpstreamMain.class.getName(), "--control-port", Integer.toString(control)),
      dir, dir.resolve("upstream-" + control + ".log"), Map.of());
    Matcher ready = process.awaitLine(Pattern.compile(Pattern.quote(UpstreamMain.READY)
      + " port=(\\d+) anthropic=(\\d+)"), Duration.ofSeconds(30));
    return new UpstreamProcess(process, new UpstreamPorts(Integer.parseInt(ready.group(1)),
      Integer.parseInt(ready.group(2))), control);
  }

  /** This JVM's class path with absolute entries: the child runs in another directory. */
  private static String classPath() {
    StringBuilder path = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty()) {
        path.append(path.length() == 0 ? "" : java.io.File.pathSeparator).append(Path.of(entry).toAbsolutePath());
      }
    }
    return path.toString();
  }

  /** @return the OpenAI chat port */
  public int port() {
    return ports.openAi();
  }

  /** @return the chat ports of both formats */
  public UpstreamPorts ports() {
    return ports;
  }

  /** @return the process id, for CPU */
  public long pid() {
    return process.pid();
  }

  /** The answer to every chat request from now on, in either format. */
  public void script(ScriptSpec spec) throws IOException {
    call("PUT", "/script?tokens=" + spec.tokens() + "&delayMs=" + spec.delayMs() + "&stallAfter=" + spec.stallAfter());
  }

  /** @return how many connections clients closed while a fake was still answering */
  public int clientClosed() throws IOException {
    return new JsonObject(call("GET", "/stats")).getInteger("clientClosed");
  }

  /** @return requests received so far */
  public int requests() throws IOException {
    return new JsonObject(call("GET", "/stats")).getInteger("requests");
  }

  /**
   * Waits for a client close after the first {@code after} and returns when it happened.
   *
   * @return the close's {@link System#nanoTime()}, or -1 when none came within {@code waitMs}
   */
  public long awaitClose(int after, long waitMs) throws IOException {
    JsonArray times = new JsonObject(call("GET", "/closes?after=" + after + "&waitMs=" + waitMs)).getJsonArray("times");
    return times.isEmpty() ? -1 : times.getLong(0);
  }

  private String call(String method, String path) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controlPort + path))
      .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("upstream control " + path + ": HTTP " + response.statusCode() + " " + response.body());
      }
      return response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public void close() {
    process.close();
  }
}
