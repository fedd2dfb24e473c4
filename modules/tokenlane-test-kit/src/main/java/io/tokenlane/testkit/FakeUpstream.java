package io.tokenlane.testkit;

import io.tokenlane.testkit.openai.ReceivedRequest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * A fake LLM provider on a loopback port: the server plumbing every fake upstream shares (a free port, a queue of
 * scripts and a default one, the requests it received, the connections the client closed on it, and waiting on
 * those from a test), while the subclass routes each request and answers in its provider's exact wire format.
 *
 * <p>Thread-safe: the server runs on a Vert.x event loop and a test reads from its own thread.
 *
 * @param <S> the script type, which answers one request
 * @param <R> the type of a recorded request
 * @since 1.2
 */
public abstract class FakeUpstream<S, R> {

  /** The Vert.x instance the fake runs on. */
  protected final Vertx vertx;
  private final UnaryOperator<S> copy;
  private final Deque<S> scripts = new ArrayDeque<>();
  private final List<R> requests = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private S defaultScript;
  private int clientClosed;
  private int connections;
  private final Set<String> protocols = new TreeSet<>();
  private boolean closing;
  private HttpServer server;

  /**
   * Creates a fake that does not listen yet.
   *
   * @param vertx the Vert.x instance to run on
   * @param defaultScript the answer when no script is queued
   * @param copy copies a script, so that later changes to a queued one do not apply
   */
  protected FakeUpstream(Vertx vertx, S defaultScript, UnaryOperator<S> copy) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.defaultScript = defaultScript;
    this.copy = copy;
  }

  /**
   * Starts listening on {@code 127.0.0.1} and a free port.
   *
   * @return completes once the fake listens
   */
  protected final Future<Void> listen() {
    HttpServer created = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"));
    created.connectionHandler(connection -> {
      synchronized (this) {
        connections++;
      }
    });
    created.requestHandler(request -> {
      synchronized (this) {
        protocols.add(request.version().alpnName());
      }
      handle(request);
    });
    return created.listen(0, "127.0.0.1").map(listening -> {
      synchronized (this) {
        server = listening;
      }
      return null;
    });
  }

  /**
   * The API root to configure a client with.
   *
   * @return a URL on {@code 127.0.0.1} and the fake's port
   */
  public abstract String baseUrl();

  /**
   * The fake's origin, without a path.
   *
   * @return {@code http://127.0.0.1:PORT}
   */
  protected final String origin() {
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
   * Queues the answer to a coming request.
   *
   * @param script the answer; copied
   */
  protected final synchronized void queue(S script) {
    scripts.add(copy.apply(script));
  }

  /**
   * Drops the scripts queued and not used yet, so that a test sharing this fake with others starts from the default
   * answer whatever an earlier test left queued.
   *
   * @return how many were dropped
   */
  public final synchronized int discardQueued() {
    int dropped = scripts.size();
    scripts.clear();
    return dropped;
  }

  /**
   * Replaces the answer when no script is queued.
   *
   * @param script the answer; copied
   */
  protected final synchronized void replaceDefaultScript(S script) {
    defaultScript = copy.apply(script);
  }

  /**
   * Takes the answer to the request being served: the oldest queued script, or a copy of the default.
   *
   * @return the script
   */
  protected final synchronized S nextScript() {
    S next = scripts.poll();
    return next != null ? next : copy.apply(defaultScript);
  }

  /**
   * Every request received so far, in arrival order.
   *
   * @return a copy of the list
   */
  public synchronized List<R> requests() {
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
  public synchronized R lastRequest() {
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
  public Future<R> awaitRequest(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n counts from 1");
    }
    return await(() -> requests.size() >= n).map(v -> requests().get(n - 1));
  }

  /**
   * How many connections clients opened to the fake so far (an HTTP/2 client carries many requests on one).
   *
   * @return the count
   * @since 1.4
   */
  public synchronized int connectionCount() {
    return connections;
  }

  /**
   * The HTTP versions requests came in, by their ALPN names: {@code http/1.1}, {@code h2} (HTTP/2 over TLS or, as
   * here, cleartext with prior knowledge), {@code http/1.0}.
   *
   * @return the versions seen so far, sorted
   * @since 1.4
   */
  public synchronized Set<String> protocols() {
    return Collections.unmodifiableSet(new TreeSet<>(protocols));
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

  /**
   * Answers one request, its body read; called on the server connection's event loop. A connection whose body
   * cannot be read is closed without an answer.
   *
   * @param request the request
   * @param rawBody the body as it came
   * @param body the body parsed as a JSON object, or {@code null} when it is empty or not a JSON object
   */
  protected abstract void route(HttpServerRequest request, Buffer rawBody, JsonObject body);

  private void handle(HttpServerRequest request) {
    request.body()
      .onSuccess(rawBody -> route(request, rawBody, parseObject(rawBody)))
      .onFailure(e -> request.connection().close());
  }

  /**
   * Records a received request, which completes whoever {@linkplain #awaitRequest awaits} it.
   *
   * @param received the request
   */
  protected final void record(R received) {
    synchronized (this) {
      requests.add(received);
    }
    notifyWaiters();
  }

  /**
   * Counts the client closing the exchange's connection before the exchange is over, unless the fake is closing.
   *
   * @param exchange the exchange about to be played
   */
  protected final void watchClientClose(FakeExchange exchange) {
    exchange.response.closeHandler(v -> clientClosed(exchange));
  }

  private void clientClosed(FakeExchange exchange) {
    synchronized (this) {
      if (closing || exchange.isOver()) {
        return;
      }
      clientClosed++;
    }
    notifyWaiters();
  }

  /**
   * A request as the OpenAI, Anthropic and Ollama fakes record it.
   *
   * @param request the request
   * @param rawBody its body as it came
   * @param body its body as a JSON object, or {@code null}
   * @return the record, with a copy of the headers
   */
  protected static ReceivedRequest received(HttpServerRequest request, Buffer rawBody, JsonObject body) {
    return new ReceivedRequest(request.method().name(), request.uri(), headers(request), body, rawBody.toString());
  }

  /**
   * A copy of a request's headers.
   *
   * @param request the request
   * @return the headers, with case-insensitive names
   */
  protected static MultiMap headers(HttpServerRequest request) {
    return MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
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
    return getClass().getSimpleName() + "[" + (server == null ? "not started" : baseUrl()) + ", requests="
      + requests.size() + ", clientClosed=" + clientClosed + "]";
  }
}
