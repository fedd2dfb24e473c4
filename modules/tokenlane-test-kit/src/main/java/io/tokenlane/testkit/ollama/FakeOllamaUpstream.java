package io.tokenlane.testkit.ollama;

import io.tokenlane.testkit.FakeUpstream;
import io.tokenlane.testkit.openai.ReceivedRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * A fake Ollama server on a loopback port, speaking Ollama's native API as documented in its {@code docs/api.md},
 * for testing anything that talks to Ollama.
 *
 * <pre>{@code
 * FakeOllamaUpstream upstream = FakeOllamaUpstream.start(vertx).await();
 * upstream.enqueue(Script.tokens("Hel", "lo").thinking("Hmm").evalCounts(12, 3));
 * // point the client at upstream.baseUrl(), then:
 * ReceivedRequest request = upstream.lastRequest();
 * upstream.awaitClientClosed(); // proves a cancel reached the upstream
 * }</pre>
 *
 * <p>Serves {@code POST /api/chat} (always streamed, as the fake is for streaming clients), {@code GET /api/tags},
 * {@code GET /api/version}, and Gin's plain {@code 404 page not found} for anything else. Each chat request takes
 * the next {@linkplain #enqueue enqueued} {@link Script}, or the {@linkplain #defaultScript default} when none is
 * queued; with {@link #models} set, a chat for another model gets Ollama's 404 instead. Every request is recorded.
 *
 * <p>Thread-safe: the server runs on a Vert.x event loop and a test reads from its own thread.
 *
 * @since 1.2
 */
public final class FakeOllamaUpstream extends FakeUpstream<Script, ReceivedRequest> {

  /** The chat path. */
  public static final String CHAT_PATH = "/api/chat";
  /** The model-list path. */
  public static final String TAGS_PATH = "/api/tags";
  /** The version path. */
  public static final String VERSION_PATH = "/api/version";
  /** The version the fake reports. */
  public static final String VERSION = "0.12.6";

  private List<String> models = List.of();

  private FakeOllamaUpstream(Vertx vertx) {
    super(vertx, Script.tokens("Hello", "!"), Script::copy);
  }

  /**
   * Starts a fake on {@code 127.0.0.1} and a free port.
   *
   * @param vertx the Vert.x instance to run on
   * @return the started fake
   */
  public static Future<FakeOllamaUpstream> start(Vertx vertx) {
    FakeOllamaUpstream upstream = new FakeOllamaUpstream(vertx);
    return upstream.listen().map(upstream);
  }

  /**
   * The server root to configure a client with, as Ollama's own {@code OLLAMA_HOST}.
   *
   * @return {@code http://127.0.0.1:PORT}
   */
  @Override
  public String baseUrl() {
    return origin();
  }

  /**
   * Queues the answer to a coming chat request; scripts are used in the order they were queued.
   *
   * @param script the answer; copied, so later changes to it do not apply
   * @return this fake
   */
  public FakeOllamaUpstream enqueue(Script script) {
    queue(script);
    return this;
  }

  /**
   * Sets the answer to chat requests when no script is queued; initially the tokens {@code "Hello", "!"}.
   *
   * @param script the answer; copied
   * @return this fake
   */
  public FakeOllamaUpstream defaultScript(Script script) {
    replaceDefaultScript(script);
    return this;
  }

  /**
   * Sets the models the fake has: {@code GET /api/tags} lists them, and a chat for any other model is answered
   * with Ollama's {@code 404 {"error": "model 'NAME' not found"}}. Initially none are set and every model is served.
   *
   * @param names model names, such as {@code llama3.2:latest}
   * @return this fake
   */
  public synchronized FakeOllamaUpstream models(String... names) {
    models = List.of(names);
    return this;
  }

  @Override
  protected void route(HttpServerRequest request, Buffer rawBody, JsonObject body) {
    ReceivedRequest received = received(request, rawBody, body);
    String path = request.path();
    if (request.method() == HttpMethod.POST && path.equals(CHAT_PATH)) {
      chat(request, body, received);
      return;
    }
    record(received);
    if (request.method() == HttpMethod.GET && path.equals(TAGS_PATH)) {
      json(request, 200, tags());
    } else if (request.method() == HttpMethod.GET && path.equals(VERSION_PATH)) {
      json(request, 200, new JsonObject().put("version", VERSION));
    } else {
      request.response().setStatusCode(404).putHeader("content-type", "text/plain").end("404 page not found");
    }
  }

  private void chat(HttpServerRequest request, JsonObject body, ReceivedRequest received) {
    record(received);
    if (body == null) {
      json(request, 400, WireFormat.error("invalid character looking for beginning of value"));
      return;
    }
    if (!(body.getValue("model") instanceof String model) || model.isBlank()) {
      json(request, 400, WireFormat.error("model is required"));
      return;
    }
    if (!hasModel(model)) {
      json(request, 404, WireFormat.error("model '" + model + "' not found"));
      return;
    }
    Exchange exchange = new Exchange(vertx, request, nextScript());
    watchClientClose(exchange);
    exchange.play(body);
  }

  private synchronized boolean hasModel(String model) {
    return models.isEmpty() || models.contains(model) || models.contains(model + ":latest");
  }

  private synchronized JsonObject tags() {
    JsonArray list = new JsonArray();
    for (String name : models) {
      list.add(new JsonObject().put("name", name).put("model", name).put("modified_at", Instant.now().toString())
        .put("size", 2019393189L).put("digest", "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72")
        .put("details", new JsonObject().put("parent_model", "").put("format", "gguf").put("family", "llama")
          .put("families", new JsonArray().add("llama")).put("parameter_size", "3.2B")
          .put("quantization_level", "Q4_K_M")));
    }
    return new JsonObject().put("models", list);
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json; charset=utf-8")
      .end(body.encode());
  }

  /**
   * The last request received.
   *
   * @return it, or {@code null} before the first
   */
  @Override
  public ReceivedRequest lastRequest() {
    // Declared here as well: callers compiled against earlier kits link to this return type.
    return super.lastRequest();
  }
}
