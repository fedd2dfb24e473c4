package io.tokenlane.testkit.openai;

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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A fake OpenAI API on a loopback port, speaking the documented Chat Completions wire format, for testing
 * anything that talks to OpenAI or an OpenAI-compatible server.
 *
 * <pre>{@code
 * FakeOpenAiUpstream upstream = FakeOpenAiUpstream.start(vertx).await();
 * upstream.enqueue(Script.tokens("Hel", "lo", " world").finish("stop").usage(5, 3));
 * // point the client at upstream.baseUrl(), then:
 * ReceivedRequest request = upstream.lastRequest();
 * upstream.awaitClientClosed(); // proves a cancel reached the upstream
 * }</pre>
 *
 * <p>Serves {@code POST /v1/chat/completions} (streamed or not), {@code GET /v1/models}, and OpenAI's 404 error
 * for anything else. Each chat request takes the next {@linkplain #enqueue enqueued} {@link Script}, or the
 * {@linkplain #defaultScript default} when none is queued. Every request is recorded.
 *
 * <p>Thread-safe: the server runs on a Vert.x event loop and a test reads from its own thread.
 *
 * @since 1.0
 */
public final class FakeOpenAiUpstream {

  /** The chat-completions path. */
  public static final String CHAT_PATH = "/v1/chat/completions";
  /** The model-list path. */
  public static final String MODELS_PATH = "/v1/models";

  private final Vertx vertx;
  private final Deque<Script> scripts = new ArrayDeque<>();
  private final List<ReceivedRequest> requests = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private Script defaultScript = Script.tokens("Hello", "!");
  private List<String> models = List.of("gpt-4o-mini");
  private int clientClosed;
  private boolean closing;
  private HttpServer server;

  private FakeOpenAiUpstream(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Starts a fake on {@code 127.0.0.1} and a free port.
   *
   * @param vertx the Vert.x instance to run on
   * @return the started fake
   */
  public static Future<FakeOpenAiUpstream> start(Vertx vertx) {
    FakeOpenAiUpstream upstream = new FakeOpenAiUpstream(Objects.requireNonNull(vertx, "vertx"));
    return upstream.listen();
  }

  private Future<FakeOpenAiUpstream> listen() {
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
   * The API root to configure a client with.
   *
   * @return {@code http://127.0.0.1:PORT/v1}
   */
  public String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
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
  public synchronized FakeOpenAiUpstream enqueue(Script script) {
    scripts.add(script.copy());
    return this;
  }

  /**
   * Sets the answer to chat requests when no script is queued; initially the tokens {@code "Hello", "!"}.
   *
   * @param script the answer; copied
   * @return this fake
   */
  public synchronized FakeOpenAiUpstream defaultScript(Script script) {
    defaultScript = script.copy();
    return this;
  }

  /**
   * Sets the ids {@code GET /v1/models} lists; initially {@code gpt-4o-mini}.
   *
   * @param ids the model ids
   * @return this fake
   */
  public synchronized FakeOpenAiUpstream models(String... ids) {
    models = List.of(ids);
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
    } else if (request.method() == HttpMethod.GET && path.equals(MODELS_PATH)) {
      record(received);
      request.response().putHeader("content-type", "application/json").end(modelList().encode());
    } else {
      record(received);
      invalidRequest(request, 404, "Invalid URL (" + request.method().name() + " " + path + ")");
    }
  }

  private void chat(HttpServerRequest request, JsonObject body, ReceivedRequest received) {
    if (body == null) {
      record(received);
      invalidRequest(request, 400, "We could not parse the JSON body of your request. (HINT: This likely means "
        + "you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent "
        + "was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help "
        + "center at help.openai.com.)");
      return;
    }
    Exchange exchange = new Exchange(vertx, request, nextScript());
    request.response().closeHandler(v -> clientClosed(exchange));
    record(received);
    exchange.play(body);
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

  private JsonObject modelList() {
    JsonArray data = new JsonArray();
    List<String> ids;
    synchronized (this) {
      ids = models;
    }
    for (String id : ids) {
      data.add(new JsonObject().put("id", id).put("object", "model").put("created", 1686935002)
        .put("owned_by", "openai"));
    }
    return new JsonObject().put("object", "list").put("data", data);
  }

  private static void invalidRequest(HttpServerRequest request, int status, String message) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json; charset=utf-8")
      .end(WireFormat.error(Script.errorObject(message, "invalid_request_error", null)).encode());
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
    return "FakeOpenAiUpstream[" + (server == null ? "not started" : baseUrl()) + ", requests=" + requests.size()
      + ", clientClosed=" + clientClosed + "]";
  }
}
