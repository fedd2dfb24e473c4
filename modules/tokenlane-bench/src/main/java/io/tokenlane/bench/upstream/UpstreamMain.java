package io.tokenlane.bench.upstream;

import io.tokenlane.testkit.anthropic.FakeAnthropicUpstream;
import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The fake upstream in its own JVM: {@link FakeOpenAiUpstream} and {@link FakeAnthropicUpstream} (the test kit's
 * exact OpenAI and Anthropic wire formats, each on its own port) with one default script the bench sets for both,
 * and a control port the bench uses to change the script and to read when clients closed connections (cancel
 * latency).
 *
 * <pre>
 * java -cp tokenlane-bench.jar io.tokenlane.bench.upstream.UpstreamMain --control-port 19100
 *   prints: tokenlane-bench upstream ready port=PORT anthropic=PORT control=19100
 * PUT  /script?tokens=100&amp;delayMs=10[&amp;stallAfter=1]   the answer to every request of either format from now on
 * GET  /stats                                          {"requests": n, "clientClosed": n}, both formats together
 * GET  /closes?after=N&amp;waitMs=W                       close times (System.nanoTime) after the N-th
 * </pre>
 *
 * <p>The chat ports are the ones the kit's fakes pick (free loopback ports); the control port is given.
 */
public final class UpstreamMain {

  /** The line printed once both ports listen. */
  public static final String READY = "tokenlane-bench upstream ready";

  private final Vertx vertx;
  private final FakeOpenAiUpstream upstream;
  private final FakeAnthropicUpstream anthropic;
  private final CloseLog closes = new CloseLog();

  private UpstreamMain(Vertx vertx, FakeOpenAiUpstream upstream, FakeAnthropicUpstream anthropic) {
    this.vertx = vertx;
    this.upstream = upstream;
    this.anthropic = anthropic;
  }

  /**
   * Starts the fakes and the control port.
   *
   * @param args {@code --control-port N} [{@code --tokens N --delay-ms D}]
   */
  public static void main(String[] args) {
    int controlPort = 0;
    ScriptSpec script = new ScriptSpec(100, 10, -1);
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--control-port" -> controlPort = Integer.parseInt(args[i + 1]);
        case "--tokens" -> script = new ScriptSpec(Integer.parseInt(args[i + 1]), script.delayMs(), -1);
        case "--delay-ms" -> script = new ScriptSpec(script.tokens(), Long.parseLong(args[i + 1]), -1);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Vertx vertx = Vertx.vertx();
    FakeOpenAiUpstream upstream = FakeOpenAiUpstream.start(vertx).await();
    FakeAnthropicUpstream anthropic = FakeAnthropicUpstream.start(vertx).await();
    UpstreamMain main = new UpstreamMain(vertx, upstream, anthropic);
    main.defaultScript(script);
    main.closes.watch(upstream::awaitClientClosed, upstream::clientClosedCount);
    main.closes.watch(anthropic::awaitClientClosed, anthropic::clientClosedCount);
    int control = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
      .requestHandler(main::control)
      .listen(controlPort, "127.0.0.1").await().actualPort();
    System.out.println(READY + " port=" + upstream.port() + " anthropic=" + anthropic.port() + " control=" + control);
  }

  private void defaultScript(ScriptSpec spec) {
    upstream.defaultScript(spec.toScript());
    anthropic.defaultScript(spec.toAnthropicScript());
  }

  private void control(HttpServerRequest request) {
    switch (request.path()) {
      case "/script" -> setScript(request);
      case "/stats" -> request.response().end(new JsonObject()
        .put("requests", upstream.requestCount() + anthropic.requestCount())
        .put("clientClosed", closes.count()).encode());
      case "/closes" -> closesAfter(request);
      default -> request.response().setStatusCode(404).end();
    }
  }

  private void setScript(HttpServerRequest request) {
    try {
      ScriptSpec spec = new ScriptSpec(Integer.parseInt(request.getParam("tokens")),
        Long.parseLong(request.getParam("delayMs")), Integer.parseInt(request.getParam("stallAfter", "-1")));
      defaultScript(spec);
      request.response().end(new JsonObject().put("script", spec.toString()).encode());
    } catch (RuntimeException e) {
      request.response().setStatusCode(400).end(String.valueOf(e.getMessage()));
    }
  }

  private void closesAfter(HttpServerRequest request) {
    int after = Integer.parseInt(request.getParam("after", "0"));
    long waitMs = Long.parseLong(request.getParam("waitMs", "0"));
    vertx.executeBlocking(() -> closes.after(after, waitMs), false)
      .onSuccess(times -> {
        JsonArray list = new JsonArray();
        for (long time : times) {
          list.add(time);
        }
        request.response().end(new JsonObject().put("count", closes.count()).put("times", list).encode());
      })
      .onFailure(e -> request.response().setStatusCode(500).end(String.valueOf(e)));
  }
}
