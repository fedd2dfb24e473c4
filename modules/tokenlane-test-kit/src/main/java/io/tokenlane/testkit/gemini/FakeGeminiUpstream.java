package io.tokenlane.testkit.gemini;

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
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Gemini API on a loopback port, speaking Google's documented {@code streamGenerateContent} wire format, for
 * testing anything that talks to Gemini natively.
 *
 * <pre>{@code
 * FakeGeminiUpstream upstream = FakeGeminiUpstream.start(vertx).await();
 * upstream.enqueue(GeminiScript.text("Hel", "lo", " world").usage(5, 3));
 * // point the client at upstream.baseUrl(), then:
 * GeminiRequest request = upstream.lastRequest();
 * upstream.awaitClientClosed(); // proves a cancel reached the upstream
 * }</pre>
 *
 * <p>Serves {@code POST /{version}/models/{model}:streamGenerateContent}: with {@code ?alt=sse} as server-sent
 * events, one {@code data:} line per {@code GenerateContentResponse}, each event its own write (as a real server
 * sends them) unless the script splits them, lines ending in CRLF; without it, as one JSON array. Anything else gets
 * Google's 404 error. Each request takes the next {@linkplain #enqueue enqueued} {@link GeminiScript}, or the
 * {@linkplain #defaultScript default} when none is queued. Every request is recorded.
 *
 * <p>Thread-safe: the server runs on a Vert.x event loop and a test reads from its own thread.
 *
 * @since 1.2
 */
public final class FakeGeminiUpstream {

  private static final Pattern STREAM_PATH = Pattern.compile("/([A-Za-z0-9._-]+)/models/([^/:]+):streamGenerateContent");

  private final Vertx vertx;
  private final Deque<GeminiScript> scripts = new ArrayDeque<>();
  private final List<GeminiRequest> requests = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private GeminiScript defaultScript = GeminiScript.text("Hello", "!");
  private int clientClosed;
  private boolean closing;
  private HttpServer server;

  private FakeGeminiUpstream(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Starts a fake on {@code 127.0.0.1} and a free port.
   *
   * @param vertx the Vert.x instance to run on
   * @return the started fake
   */
  public static Future<FakeGeminiUpstream> start(Vertx vertx) {
    FakeGeminiUpstream upstream = new FakeGeminiUpstream(Objects.requireNonNull(vertx, "vertx"));
    return upstream.listen();
  }

  private Future<FakeGeminiUpstream> listen() {
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
   * The API root to configure a client with, before the version, as {@code https://generativelanguage.googleapis.com}.
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
   * Queues the answer to a coming request; scripts are used in the order they were queued.
   *
   * @param script the answer; copied, so later changes to it do not apply
   * @return this fake
   */
  public synchronized FakeGeminiUpstream enqueue(GeminiScript script) {
    scripts.add(script.copy());
    return this;
  }

  /**
   * Sets the answer when no script is queued; initially the text {@code "Hello", "!"}.
   *
   * @param script the answer; copied
   * @return this fake
   */
  public synchronized FakeGeminiUpstream defaultScript(GeminiScript script) {
    defaultScript = script.copy();
    return this;
  }

  /**
   * Every request received so far, in arrival order.
   *
   * @return a copy of the list
   */
  public synchronized List<GeminiRequest> requests() {
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
  public synchronized GeminiRequest lastRequest() {
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
  public Future<GeminiRequest> awaitRequest(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n counts from 1");
    }
    return await(() -> requests.size() >= n).map(v -> requests().get(n - 1));
  }

  /**
   * How many connections the client closed while the fake was still answering on them: what a client does when it
   * cancels or gives up.
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
    GeminiRequest received = new GeminiRequest(request.method().name(), request.path(), request.query(),
      MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body, rawBody.toString());
    Matcher stream = STREAM_PATH.matcher(request.path());
    if (request.method() != HttpMethod.POST || !stream.matches()) {
      record(received);
      error(request, 404, "NOT_FOUND", "The requested URL " + request.path() + " was not found on this server.");
      return;
    }
    if (body == null) {
      record(received);
      error(request, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected token.");
      return;
    }
    GeminiExchange exchange = new GeminiExchange(vertx, request, nextScript());
    request.response().closeHandler(v -> clientClosed(exchange));
    record(received);
    exchange.play(stream.group(2), body);
  }

  private synchronized GeminiScript nextScript() {
    GeminiScript next = scripts.poll();
    return next != null ? next : defaultScript.copy();
  }

  private void clientClosed(GeminiExchange exchange) {
    synchronized (this) {
      if (closing || exchange.isOver()) {
        return;
      }
      clientClosed++;
    }
    notifyWaiters();
  }

  private void record(GeminiRequest received) {
    synchronized (this) {
      requests.add(received);
    }
    notifyWaiters();
  }

  private static void error(HttpServerRequest request, int status, String name, String message) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json; charset=UTF-8")
      .end(GeminiWire.error(status, name, message).encodePrettily());
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
    return "FakeGeminiUpstream[" + (server == null ? "not started" : baseUrl()) + ", requests=" + requests.size()
      + ", clientClosed=" + clientClosed + "]";
  }
}
