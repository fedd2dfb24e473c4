package io.tokenlane.testkit.anthropic;

import io.tokenlane.testkit.FakeUpstream;
import io.tokenlane.testkit.openai.ReceivedRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

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
public final class FakeAnthropicUpstream extends FakeUpstream<Script, ReceivedRequest> {

  /** The Messages path. */
  public static final String MESSAGES_PATH = "/v1/messages";

  private String expectedApiKey;

  private FakeAnthropicUpstream(Vertx vertx) {
    super(vertx, Script.tokens("Hello", "!"), Script::copy);
  }

  /**
   * Starts a fake on {@code 127.0.0.1} and a free port.
   *
   * @param vertx the Vert.x instance to run on
   * @return the started fake
   */
  public static Future<FakeAnthropicUpstream> start(Vertx vertx) {
    FakeAnthropicUpstream upstream = new FakeAnthropicUpstream(vertx);
    return upstream.listen().map(upstream);
  }

  /**
   * The API root to configure a client with, like {@code https://api.anthropic.com}.
   *
   * @return {@code http://127.0.0.1:PORT}
   */
  @Override
  public String baseUrl() {
    return origin();
  }

  /**
   * Queues the answer to a coming Messages request; scripts are used in the order they were queued.
   *
   * @param script the answer; copied, so later changes to it do not apply
   * @return this fake
   */
  public FakeAnthropicUpstream enqueue(Script script) {
    queue(script);
    return this;
  }

  /**
   * Sets the answer when no script is queued; initially the tokens {@code "Hello", "!"}.
   *
   * @param script the answer; copied
   * @return this fake
   */
  public FakeAnthropicUpstream defaultScript(Script script) {
    replaceDefaultScript(script);
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

  @Override
  protected void route(HttpServerRequest request, Buffer rawBody, JsonObject body) {
    record(received(request, rawBody, body));
    if (request.method() != HttpMethod.POST || !request.path().equals(MESSAGES_PATH)) {
      Exchange.refuse(request, 404, "not_found_error", "Not Found");
      return;
    }
    String refusal = refusal(request, body);
    if (refusal != null) {
      return;
    }
    Exchange exchange = new Exchange(vertx, request, nextScript());
    watchClientClose(exchange);
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
