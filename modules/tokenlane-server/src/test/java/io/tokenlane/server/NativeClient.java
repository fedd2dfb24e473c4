package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A client of the native protocol (docs/protocol.md) written from the spec with Vert.x clients: sessions, SSE,
 * long-poll and WebSocket, each recording what it received so that tests assert on whole conversations.
 */
final class NativeClient implements AutoCloseable {

  static final long TIMEOUT_MS = 20_000;

  private final Vertx vertx;
  private final int port;
  private final HttpClient http;
  private final WebSocketClient webSockets;
  private final java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
    .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

  NativeClient(Vertx vertx, int port) {
    this(vertx, port, new WebSocketClientOptions());
  }

  /** With WebSocket client options, a small receive buffer for instance. */
  NativeClient(Vertx vertx, int port, WebSocketClientOptions webSocketOptions) {
    this.vertx = vertx;
    this.port = port;
    // Keep-alive off: see GatewayServer (vert.x issue #5663 on pooled client connections).
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    this.webSockets = vertx.createWebSocketClient(new WebSocketClientOptions(webSocketOptions).setMaxMessageSize(1 << 24)
      .setMaxFrameSize(1 << 24));
  }

  /** A response read whole. */
  record Reply(int status, MultiMap headers, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }

    String errorCode() {
      return json().getJsonObject("error").getString("code");
    }
  }

  /**
   * One whole request, with the JDK's HTTP client: a second, independent HTTP implementation next to the Vert.x
   * clients used for streams.
   */
  Reply request(HttpMethod method, String uri, String token, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + uri))
      .timeout(Duration.ofMillis(TIMEOUT_MS))
      .method(method.name(), body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("content-type", "application/json");
    }
    HttpResponse<String> response = jdk.send(request.build(),
      HttpResponse.BodyHandlers.ofString());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    response.headers().map().forEach(headers::add);
    return new Reply(response.statusCode(), headers, response.body());
  }

  /** @return a new session's JSON */
  JsonObject session() throws Exception {
    Reply reply = request(HttpMethod.POST, "/v1/sessions", null, null);
    assertEquals(201, reply.status(), reply.body());
    return reply.json();
  }

  static JsonObject prompt(String model, String text) {
    return new JsonObject().put("model", model)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  /** @return the open WebSocket and SSE connections this member's {@code /readyz} reports, 0 when it does not answer */
  int openConnections() {
    try {
      Reply ready = request(HttpMethod.GET, "/readyz", null, null);
      return ready.status() == 200 ? ready.json().getInteger("openConnections") : 0;
    } catch (Exception e) {
      return 0;
    }
  }

  /** POST /v1/streams; asserts 201 and returns the stream id. */
  String start(String token, JsonObject prompt) throws Exception {
    Reply reply = request(HttpMethod.POST, "/v1/streams", token, prompt.encode());
    assertEquals(201, reply.status(), reply.body());
    return reply.json().getString("streamId");
  }

  Reply poll(String token, String streamId, long after, long waitMs) throws Exception {
    return request(HttpMethod.GET, "/v1/streams/" + streamId + "/poll?after=" + after + "&waitMs=" + waitMs, token, null);
  }

  /** Polls from {@code after} until the end; returns every event received. */
  List<JsonObject> pollToEnd(String token, String streamId, long after) throws Exception {
    List<JsonObject> events = new ArrayList<>();
    long cursor = after;
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    while (System.currentTimeMillis() < deadline) {
      Reply reply = poll(token, streamId, cursor, 1000);
      assertEquals(200, reply.status(), reply.body());
      JsonObject batch = reply.json();
      batch.getJsonArray("events").forEach(e -> events.add((JsonObject) e));
      cursor = batch.getLong("nextCursor");
      if (batch.getBoolean("ended")) {
        return events;
      }
    }
    throw new AssertionError("stream did not end; got " + events.size() + " events");
  }

  Reply cancel(String token, String streamId) throws Exception {
    return request(HttpMethod.DELETE, "/v1/streams/" + streamId, token, null);
  }

  /** Follows a stream over SSE. */
  Sse sse(String token, String streamId, Long lastEventId) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
      .setURI("/v1/streams/" + streamId + "/events");
    if (token != null) {
      options.putHeader("authorization", "Bearer " + token);
    }
    if (lastEventId != null) {
      options.putHeader("last-event-id", Long.toString(lastEventId));
    }
    Sse sse = new Sse();
    sse.response = http.request(options).compose(request -> request.send()).map(response -> {
      sse.status = response.statusCode();
      sse.headers = response.headers();
      response.handler(sse::chunk);
      response.endHandler(v -> sse.ended = true);
      response.exceptionHandler(e -> sse.ended = true);
      return response;
    });
    return sse;
  }

  /** Opens a WebSocket to /v1/ws and waits for its {@code ready}. */
  Ws readyWs(String token) {
    Ws ws = ws(token);
    ws.awaitReady();
    return ws;
  }

  /** Opens a WebSocket to /v1/ws. */
  Ws ws(String token) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
      .setURI("/v1/ws");
    if (token != null) {
      // A Java client can send the session token in a header; a browser puts a short-lived urlToken in the URL.
      options.addHeader("authorization", "Bearer " + token);
    }
    Ws ws = new Ws();
    // Handlers set before connecting: set after, a message arriving with the handshake answer (the server's
    // "ready") can be delivered before them and lost.
    ClientWebSocket socket = webSockets.webSocket();
    socket.textMessageHandler(text -> ws.received(new JsonObject(text)));
    socket.closeHandler(v -> {
      ws.closeCode = socket.closeStatusCode();
      ws.closeReason = socket.closeReason();
      ws.closed = true;
    });
    ws.socket = socket.connect(options);
    return ws;
  }

  /**
   * The stream events of a text/event-stream body: its complete blocks (the last one may still be on its way) that
   * carry an {@code id:}, which must be the event's seq.
   */
  static List<JsonObject> sseEvents(String text) {
    List<JsonObject> events = new ArrayList<>();
    String complete = text.substring(0, text.lastIndexOf("\n\n") + 1);
    for (String block : complete.split("\n\n")) {
      String id = null;
      String data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        }
      }
      if (id != null && data != null) {
        JsonObject event = new JsonObject(data);
        assertEquals(Long.parseLong(id), event.getLong("seq"), "id: must be the seq");
        events.add(event);
      }
    }
    return events;
  }

  /** Waits for a condition, polling. */
  static void await(String what, BooleanSupplier condition) {
    await(what, condition, TIMEOUT_MS);
  }

  /** Waits for a condition, polling, at most {@code timeoutMs}. */
  static void await(String what, BooleanSupplier condition, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** The text of the token events. */
  static String text(List<JsonObject> events) {
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> "token".equals(e.getString("type"))).forEach(e -> text.append(e.getString("text")));
    return text.toString();
  }

  /** Asserts seqs run 1..n without gap or repeat and exactly one end, last. */
  static void assertWholeStream(List<JsonObject> events) {
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i + 1, events.get(i).getLong("seq"), "seq of event " + i + " in " + events);
    }
    assertEquals("start", events.get(0).getString("type"));
    assertEquals(1, events.stream().filter(e -> "end".equals(e.getString("type"))).count(), events::toString);
    assertEquals("end", events.get(events.size() - 1).getString("type"));
  }

  /** Drops events at or below the last seq seen, as a client must. */
  static List<JsonObject> dedupe(List<JsonObject> events) {
    List<JsonObject> out = new ArrayList<>();
    long last = 0;
    for (JsonObject event : events) {
      if (event.getLong("seq") > last) {
        out.add(event);
        last = event.getLong("seq");
      }
    }
    return out;
  }

  @Override
  public void close() {
    http.close();
    webSockets.close();
  }

  /** An SSE connection and what came on it. */
  static final class Sse {
    Future<HttpClientResponse> response;
    volatile int status;
    volatile MultiMap headers;
    volatile boolean ended;
    // Bytes, decoded whole: a chunk may end inside a multi-byte character.
    private final Buffer raw = Buffer.buffer();

    private synchronized void chunk(Buffer buffer) {
      raw.appendBuffer(buffer);
    }

    synchronized String raw() {
      return raw.toString(StandardCharsets.UTF_8);
    }

    /** The stream events (complete blocks with an {@code id:}), in order. */
    synchronized List<JsonObject> events() {
      return sseEvents(raw());
    }

    List<JsonObject> awaitEnd() {
      await("an end event over SSE", () -> events().stream().anyMatch(e -> "end".equals(e.getString("type"))));
      return events();
    }

    List<JsonObject> awaitEvents(Predicate<List<JsonObject>> condition) {
      try {
        await("SSE events", () -> condition.test(events()));
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; status " + status + ", received: " + raw().replace('\n', '|'), e);
      }
      return events();
    }

    void close() throws Exception {
      response.await(TIMEOUT_MS, TimeUnit.MILLISECONDS).request().connection().close();
    }
  }

  /** A WebSocket and every message it received. */
  static final class Ws {
    Future<WebSocket> socket;
    volatile boolean closed;
    volatile Short closeCode;
    volatile String closeReason;
    private final List<JsonObject> messages = new ArrayList<>();

    private synchronized void received(JsonObject message) {
      messages.add(message);
    }

    synchronized List<JsonObject> messages() {
      return new ArrayList<>(messages);
    }

    WebSocket socket() throws Exception {
      return socket.await(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    void send(JsonObject frame) throws Exception {
      socket().writeTextMessage(frame.encode()).await(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    /** The events of one stream, in arrival order. */
    List<JsonObject> events(String streamId) {
      return messages().stream().filter(m -> streamId.equals(m.getString("streamId")) && m.containsKey("seq")).toList();
    }

    /** Sends a prompt frame and waits for its {@code start}; returns the stream id. */
    String prompt(JsonObject prompt, String requestId) throws Exception {
      send(prompt.copy().put("type", "prompt").put("requestId", requestId));
      return awaitStart(requestId);
    }

    /**
     * Waits for the answer to a prompt: its {@code start} event, whose stream id it returns, or an {@code error} frame
     * for its request id, which fails at once with the error.
     */
    String awaitStart(String requestId) {
      Predicate<JsonObject> answer = m -> requestId.equals(m.getString("requestId"))
        && ("start".equals(m.getString("type")) || "error".equals(m.getString("type")));
      JsonObject first = awaitMessage(answer);
      if ("error".equals(first.getString("type"))) {
        throw new AssertionError("prompt " + requestId + " refused: " + first.encode());
      }
      return first.getString("streamId");
    }

    List<JsonObject> awaitEnd(String streamId) {
      await("end of " + streamId, () -> events(streamId).stream().anyMatch(e -> "end".equals(e.getString("type"))));
      return events(streamId);
    }

    /**
     * Sends a {@code ping} and waits for its {@code pong}. The server handles a connection's frames in order and
     * writes in order, so once the pong is here, everything it wrote before reading the ping is here too.
     */
    void roundTrip() throws Exception {
      long pongsBefore = pongs();
      send(new JsonObject().put("type", "ping"));
      await("a pong", () -> pongs() > pongsBefore);
    }

    private long pongs() {
      return messages().stream().filter(m -> "pong".equals(m.getString("type"))).count();
    }

    JsonObject awaitMessage(Predicate<JsonObject> match) {
      await("a matching message", () -> messages().stream().anyMatch(match));
      return messages().stream().filter(match).findFirst().orElseThrow();
    }

    void awaitClose() {
      await("the server to close the WebSocket", () -> closed);
    }

    void awaitReady() {
      awaitMessage(m -> "ready".equals(m.getString("type")));
    }
  }

  static void assertStatus(int status, Reply reply) {
    assertEquals(status, reply.status(), reply.body());
    assertTrue(reply.headers().get("content-type").startsWith("application/json"), reply.headers().toString());
  }
}
