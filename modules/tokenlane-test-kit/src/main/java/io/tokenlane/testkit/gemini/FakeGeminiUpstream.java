package io.tokenlane.testkit.gemini;

import io.tokenlane.testkit.FakeUpstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
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
public final class FakeGeminiUpstream extends FakeUpstream<GeminiScript, GeminiRequest> {

  private static final Pattern STREAM_PATH = Pattern.compile("/([A-Za-z0-9._-]+)/models/([^/:]+):streamGenerateContent");

  private FakeGeminiUpstream(Vertx vertx) {
    super(vertx, GeminiScript.text("Hello", "!"), GeminiScript::copy);
  }

  /**
   * Starts a fake on {@code 127.0.0.1} and a free port.
   *
   * @param vertx the Vert.x instance to run on
   * @return the started fake
   */
  public static Future<FakeGeminiUpstream> start(Vertx vertx) {
    FakeGeminiUpstream upstream = new FakeGeminiUpstream(vertx);
    return upstream.listen().map(upstream);
  }

  /**
   * The API root to configure a client with, before the version, as {@code https://generativelanguage.googleapis.com}.
   *
   * @return {@code http://127.0.0.1:PORT}
   */
  @Override
  public String baseUrl() {
    return origin();
  }

  /**
   * Queues the answer to a coming request; scripts are used in the order they were queued.
   *
   * @param script the answer; copied, so later changes to it do not apply
   * @return this fake
   */
  public FakeGeminiUpstream enqueue(GeminiScript script) {
    queue(script);
    return this;
  }

  /**
   * Sets the answer when no script is queued; initially the text {@code "Hello", "!"}.
   *
   * @param script the answer; copied
   * @return this fake
   */
  public FakeGeminiUpstream defaultScript(GeminiScript script) {
    replaceDefaultScript(script);
    return this;
  }

  @Override
  protected void route(HttpServerRequest request, Buffer rawBody, JsonObject body) {
    GeminiRequest received = new GeminiRequest(request.method().name(), request.path(), request.query(),
      headers(request), body, rawBody.toString());
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
    watchClientClose(exchange);
    record(received);
    exchange.play(stream.group(2), body);
  }

  private static void error(HttpServerRequest request, int status, String name, String message) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json; charset=UTF-8")
      .end(GeminiWire.error(status, name, message).encodePrettily());
  }

  /**
   * The last request received.
   *
   * @return it, or {@code null} before the first
   */
  @Override
  public GeminiRequest lastRequest() {
    // Declared here as well: callers compiled against earlier kits link to this return type.
    return super.lastRequest();
  }
}
