package io.tokenlane.testkit.openai;

import io.tokenlane.testkit.FakeUpstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

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
public final class FakeOpenAiUpstream extends FakeUpstream<Script, ReceivedRequest> {

  /** The chat-completions path. */
  public static final String CHAT_PATH = "/v1/chat/completions";
  /** The model-list path. */
  public static final String MODELS_PATH = "/v1/models";

  private List<String> models = List.of("gpt-4o-mini");

  private FakeOpenAiUpstream(Vertx vertx) {
    super(vertx, Script.tokens("Hello", "!"), Script::copy);
  }

  /**
   * Starts a fake on {@code 127.0.0.1} and a free port.
   *
   * @param vertx the Vert.x instance to run on
   * @return the started fake
   */
  public static Future<FakeOpenAiUpstream> start(Vertx vertx) {
    FakeOpenAiUpstream upstream = new FakeOpenAiUpstream(vertx);
    return upstream.listen().map(upstream);
  }

  /**
   * The API root to configure a client with.
   *
   * @return {@code http://127.0.0.1:PORT/v1}
   */
  @Override
  public String baseUrl() {
    return origin() + "/v1";
  }

  /**
   * Queues the answer to a coming chat request; scripts are used in the order they were queued.
   *
   * @param script the answer; copied, so later changes to it do not apply
   * @return this fake
   */
  public FakeOpenAiUpstream enqueue(Script script) {
    queue(script);
    return this;
  }

  /**
   * Sets the answer to chat requests when no script is queued; initially the tokens {@code "Hello", "!"}.
   *
   * @param script the answer; copied
   * @return this fake
   */
  public FakeOpenAiUpstream defaultScript(Script script) {
    replaceDefaultScript(script);
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

  @Override
  protected void route(HttpServerRequest request, Buffer rawBody, JsonObject body) {
    ReceivedRequest received = received(request, rawBody, body);
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
    watchClientClose(exchange);
    record(received);
    exchange.play(body);
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
