package io.tokenlane.testkit.ollama;

import io.tokenlane.testkit.openai.ReceivedRequest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

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
public final class FakeOllamaUpstream {

  /** The chat path. */
  public static final String CHAT_PATH = "/api/chat";
  /** The model-list path. */
  public static final String TAGS_PATH = "/api/tags";
  /** The version path. */
  public static final String VERSION_PATH = "/api/version";
  /** The version the fake reports. */
  public static final String VERSION = "0.12.6";

  private final Vertx vertx;
  private final Deque<Script> scripts = new ArrayDeque<>();
  private final List<ReceivedRequest> requests = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private Script defaultScript = Script.tokens("Hello", "!");
  private List<String> models = List.of();
  private int clientClosed;
  private boolean closing;
  private HttpServer server;

  private FakeOllamaUpstream(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Starts a fake on {@code 127.0.0.1} and a free port.
   *
   * @param vertx the Vert.x instance to run on
   * @return the started fake
   */
  public static Future<FakeOllamaUpstream> start(Vertx vertx) {
    return new FakeOllamaUpstream(Objects.requireNonNull(vertx, "vertx")).listen();
  }

  private Future<FakeOllamaUpstream> listen() {
    HttpServer created = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"));
    created.requestHandler(this::handle);
    return created.listen(0, "127.0.0.1").map(listening -> {
      synchronized (this) {
        server = listening;
      }
      return this;
    });
  }

  /**
   * The server root to configure a client with, as Ollama's own {@code OLLAMA_HOST}.
   *
   * @return {@code http://127.0.0.1:PORT}
   */
  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /**
   * The port the fake listens on.
   *
   * @return the port
   */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("not started");
    }
    return server.actualPort();
  }

  /**
   * Queues the answer to a coming chat request; scripts are used in the order they were queued.
   *
   * @param script the answer; copied, so later changes to it do not apply
   * @return this fake
   */
  public synchronized FakeOllamaUpstream enqueue(Script script) {
    scripts.add(script.copy());
    return this;
  }

  /**
   * Sets the answer to chat requests when no script is queued; initially the tokens {@code "Hello", "!"}.
   *
   * @param script the answer; copied
   * @return this fake
   */
  public synchronized FakeOllamaUpstream defaultScript(Script script) {
    defaultScript = script.copy();
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

  /**
   * Every request received so far, chat or not, in arrival order.
   *
   * @return a copy of the list
   */
  public synchronized List<ReceivedRequest> requests() {
    return List.copyOf(requests);
  }

  /**
   * How many requests arrived so far.
   *
   * @return the count
   */
  public synchronized int requestCount() {
    return requests.size();
  }

  /**
   * The latest request.
   *
   * @return the request
   * @throws IllegalStateException when none arrived
   */
  public synchronized ReceivedRequest lastRequest() {
    if (requests.isEmpty()) {
      throw new IllegalStateException("no request received");
    }
    return requests.get(requests.size() - 1);
  }

  /**
   * Waits for the {@code n}-th request (counting from 1) to arrive, body included.
   *
   * @param n which request
   * @return completes with that request, at once if it already arrived
   */
  public Future<ReceivedRequest> awaitRequest(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n counts from 1");
    }
    return await(() -> requests.size() >= n).map(v -> requests().get(n - 1));
  }

  /**
   * How many connections the client closed while the fake was still answering on them (streaming, stalling, or
   * not yet answering): what a client does when it cancels or gives up.
   *
   * @return the count
   */
  public synchronized int clientClosedCount() {
    return clientClosed;
  }

  /**
   * Waits until the client closed a connection the fake was still answering on.
   *
   * @return completes at the first such close, at once if one already happened
   */
  public Future<Void> awaitClientClosed() {
    return awaitClientClosed(1);
  }

  /**
   * Waits until the client closed {@code count} connections the fake was still answering on.
   *
   * @param count how many closes to wait for
   * @return completes once that many happened
   */
  public Future<Void> awaitClientClosed(int count) {
    return await(() -> clientClosed >= count);
  }

  /**
   * Stops the server and closes every connection; closes caused by this are not counted as client closes.
   *
   * @return completes once the server is closed
   */
  public Future<Void> close() {
    HttpServer toClose;
    synchronized (this) {
      closing = true;
      toClose = server;
    }
    return toClose == null ? Future.succeededFuture() : toClose.close();
  }

  private void handle(HttpServerRequest request) {
    request.body()
      .onSuccess(body -> route(request, body))
      .onFailure(e -> request.connection().close());
  }

  private void route(HttpServerRequest request, Buffer rawBody) {
    JsonObject body = parseObject(rawBody);
    ReceivedRequest received = new ReceivedRequest(request.method().name(), request.uri(),
      MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body, rawBody.toString());
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
    request.response().closeHandler(v -> clientClosed(exchange));
    exchange.play(body);
  }

  private synchronized boolean hasModel(String model) {
    return models.isEmpty() || models.contains(model) || models.contains(model + ":latest");
  }

  private synchronized Script nextScript() {
    Script next = scripts.poll();
    return next != null ? next : defaultScript.copy();
  }

  private void clientClosed(Exchange exchange) {
    synchronized (this) {
      if (closing || exchange.isOver()) {
        return;
      }
      clientClosed++;
    }
    notifyWaiters();
  }

  private void record(ReceivedRequest received) {
    synchronized (this) {
      requests.add(received);
    }
    notifyWaiters();
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

  private static JsonObject parseObject(Buffer raw) {
    if (raw.length() == 0) {
      return null;
    }
    try {
      return Json.decodeValue(raw) instanceof JsonObject object ? object : null;
    } catch (DecodeException e) {
      return null;
    }
  }

  // ---- waiting on the fake's state from a test ----

  private record Waiter(BooleanSupplier condition, Promise<Void> promise) {
  }

  private Future<Void> await(BooleanSupplier condition) {
    Promise<Void> promise = Promise.promise();
    synchronized (this) {
      if (!condition.getAsBoolean()) {
        waiters.add(new Waiter(condition, promise));
        return promise.future();
      }
    }
    promise.complete();
    return promise.future();
  }

  private void notifyWaiters() {
    List<Waiter> ready = new ArrayList<>();
    synchronized (this) {
      waiters.removeIf(waiter -> waiter.condition().getAsBoolean() && ready.add(waiter));
    }
    ready.forEach(waiter -> waiter.promise().tryComplete());
  }

  @Override
  public synchronized String toString() {
    return "FakeOllamaUpstream[" + (server == null ? "not started" : baseUrl()) + ", requests=" + requests.size()
      + ", clientClosed=" + clientClosed + "]";
  }
}
