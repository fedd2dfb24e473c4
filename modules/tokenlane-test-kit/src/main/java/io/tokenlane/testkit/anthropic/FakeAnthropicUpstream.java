package io.tokenlane.testkit.anthropic;

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
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A fake Anthropic API on a loopback port, speaking the documented streaming Messages wire format, for testing
 * anything that talks to Anthropic: the provider plugin, the gateway end to end, the benchmark.
 *
 * <pre>{@code
 * FakeAnthropicUpstream upstream = FakeAnthropicUpstream.start(vertx).await();
 * upstream.enqueue(Script.tokens("Hel", "lo", " world").usage(12, 3));
 * // point the client at upstream.baseUrl(), then:
 * ReceivedRequest request = upstream.lastRequest();
 * upstream.awaitClientClosed(); // proves a cancel reached the upstream
 * }</pre>
 *
 * <p>Serves {@code POST /v1/messages}: each request takes the next {@linkplain #enqueue enqueued} {@link Script}, or
 * the {@linkplain #defaultScript default} when none is queued. Before a script is used, the fake makes Anthropic's
 * own checks and answers as Anthropic does when one fails: 401 {@code authentication_error} without
 * {@code x-api-key} (or with another key than {@link #expectApiKey}), 400 {@code invalid_request_error} without
 * {@code anthropic-version}, for a body that is not JSON or has no {@code max_tokens}; 404 {@code not_found_error}
 * for any other path. Every request is recorded.
 *
 * <p>Thread-safe: the server runs on a Vert.x event loop and a test reads from its own thread.
 *
 * @since 1.2
 */
public final class FakeAnthropicUpstream {

  /** The Messages path. */
  public static final String MESSAGES_PATH = "/v1/messages";

  private final Vertx vertx;
  private final Deque<Script> scripts = new ArrayDeque<>();
  private final List<ReceivedRequest> requests = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private Script defaultScript = Script.tokens("Hello", "!");
  private String expectedApiKey;
  private int clientClosed;
  private boolean closing;
  private HttpServer server;

  private FakeAnthropicUpstream(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Starts a fake on {@code 127.0.0.1} and a free port.
   *
   * @param vertx the Vert.x instance to run on
   * @return the started fake
   */
  public static Future<FakeAnthropicUpstream> start(Vertx vertx) {
    return new FakeAnthropicUpstream(Objects.requireNonNull(vertx, "vertx")).listen();
  }

  private Future<FakeAnthropicUpstream> listen() {
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
   * The API root to configure a client with, like {@code https://api.anthropic.com}.
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
   * Queues the answer to a coming Messages request; scripts are used in the order they were queued.
   *
   * @param script the answer; copied, so later changes to it do not apply
   * @return this fake
   */
  public synchronized FakeAnthropicUpstream enqueue(Script script) {
    scripts.add(script.copy());
    return this;
  }

  /**
   * Sets the answer when no script is queued; initially the tokens {@code "Hello", "!"}.
   *
   * @param script the answer; copied
   * @return this fake
   */
  public synchronized FakeAnthropicUpstream defaultScript(Script script) {
    defaultScript = script.copy();
    return this;
  }

  /**
   * Accepts only this {@code x-api-key}; any other gets Anthropic's 401. Initially any non-empty key is accepted.
   *
   * @param apiKey the key, or {@code null} to accept any
   * @return this fake
   */
  public synchronized FakeAnthropicUpstream expectApiKey(String apiKey) {
    expectedApiKey = apiKey;
    return this;
  }

  /**
   * Every request received so far, in arrival order.
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
    record(new ReceivedRequest(request.method().name(), request.uri(),
      MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body, rawBody.toString()));
    if (request.method() != HttpMethod.POST || !request.path().equals(MESSAGES_PATH)) {
      Exchange.refuse(request, 404, "not_found_error", "Not Found");
      return;
    }
    String refusal = refusal(request, body);
    if (refusal != null) {
      return;
    }
    Exchange exchange = new Exchange(vertx, request, nextScript());
    request.response().closeHandler(v -> clientClosed(exchange));
    exchange.play(body);
  }

  /** Anthropic's own checks, in its order; answers and returns what failed, or returns {@code null}. */
  private String refusal(HttpServerRequest request, JsonObject body) {
    String key = request.getHeader("x-api-key");
    String expected;
    synchronized (this) {
      expected = expectedApiKey;
    }
    if (key == null || key.isEmpty()) {
      return refuse(request, 401, "authentication_error", "x-api-key header is required");
    }
    if (expected != null && !expected.equals(key)) {
      return refuse(request, 401, "authentication_error", "invalid x-api-key");
    }
    if (request.getHeader("anthropic-version") == null) {
      return refuse(request, 400, "invalid_request_error", "anthropic-version: header is required");
    }
    if (body == null) {
      return refuse(request, 400, "invalid_request_error", "There was an issue with your request body: the body must be JSON");
    }
    if (!(body.getValue("max_tokens") instanceof Number)) {
      return refuse(request, 400, "invalid_request_error", "max_tokens: Field required");
    }
    return null;
  }

  private static String refuse(HttpServerRequest request, int status, String type, String message) {
    Exchange.refuse(request, status, type, message);
    return message;
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
    return "FakeAnthropicUpstream[" + (server == null ? "not started" : baseUrl()) + ", requests=" + requests.size()
      + ", clientClosed=" + clientClosed + "]";
  }
}
