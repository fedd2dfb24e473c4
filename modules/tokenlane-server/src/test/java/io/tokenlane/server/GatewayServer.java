package io.tokenlane.server;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway started in-process from YAML on a free loopback port, with an HTTP client that reads whole responses
 * and OpenAI event streams. The test fixture every server test shares.
 */
final class GatewayServer implements AutoCloseable {

  final Vertx vertx;
  final HttpClient client;
  private final java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
    .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
  final TokenlaneVerticle verticle;
  final String deploymentId;

  private GatewayServer(Vertx vertx, TokenlaneVerticle verticle, String deploymentId) {
    this.vertx = vertx;
    this.verticle = verticle;
    this.deploymentId = deploymentId;
    // One connection per request: a pooled Vert.x 5.0.7 client connection occasionally hangs the request that
    // reuses it (upstream vert.x issue #5663, client side; the gateway answers the same sequence on one
    // keep-alive connection from curl), which would make these tests flaky for reasons outside the gateway.
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  /** Held: java.util.logging keeps loggers weakly, and a level set on a collected one is lost. */
  static final java.util.logging.Logger STREAM_LOG = java.util.logging.Logger.getLogger("io.tokenlane.streams");

  /** Starts a gateway; {@code yaml} gets {@code http: {host: 127.0.0.1, port: 0}} unless it sets http itself. */
  static GatewayServer start(Vertx vertx, String yaml) throws Exception {
    List<String> problems = new ArrayList<>();
    // A top-level http section only: an upstream's URL ("baseUrl: http://...") is not one.
    String withHttp = java.util.regex.Pattern.compile("(?m)^http:").matcher(yaml).find() ? yaml
      : "http:\n  host: 127.0.0.1\n  port: 0\n" + yaml;
    // No access line per request in test output, unless a test asks for the logging section (AccessLogTest does).
    if (!java.util.regex.Pattern.compile("(?m)^logging:").matcher(withHttp).find()) {
      withHttp = "logging:\n  accessLog: false\n" + withHttp;
      // Nor a line per stream end (AccessLogTest turns it on for its own gateway).
      STREAM_LOG.setLevel(java.util.logging.Level.WARNING);
    } else {
      STREAM_LOG.setLevel(java.util.logging.Level.INFO);
    }
    TokenlaneConfig config = TokenlaneConfig.parse(withHttp, Map.<String, String>of()::get, problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(problems.toString());
    }
    TokenlaneVerticle verticle = new TokenlaneVerticle(config);
    String id = vertx.deployVerticle(verticle).await(20, TimeUnit.SECONDS);
    return new GatewayServer(vertx, verticle, id);
  }

  int port() {
    return verticle.actualPort();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** A whole response. */
  record Reply(int status, MultiMap headers, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }

    /** The {@code data:} payloads of an event stream, in order. */
    List<String> data() {
      List<String> data = new ArrayList<>();
      for (String line : body.split("\n")) {
        if (line.startsWith("data: ")) {
          data.add(line.substring(6));
        }
      }
      return data;
    }

    /** The JSON chunks of an OpenAI event stream, without {@code [DONE]}. */
    List<JsonObject> chunks() {
      return data().stream().filter(d -> !d.equals("[DONE]")).map(JsonObject::new).toList();
    }

    /** The concatenated {@code delta.content} of an OpenAI event stream. */
    String streamedText() {
      StringBuilder text = new StringBuilder();
      for (JsonObject chunk : chunks()) {
        JsonArray choices = chunk.getJsonArray("choices", new JsonArray());
        if (!choices.isEmpty()) {
          String content = choices.getJsonObject(0).getJsonObject("delta", new JsonObject()).getString("content");
          text.append(content == null ? "" : content);
        }
      }
      return text.toString();
    }

    /**
     * The events of a typed event stream (Responses API, Anthropic Messages): each event's {@code data} JSON,
     * checked to carry its {@code event:} name as {@code type}. Comments (keep-alives) are skipped.
     */
    List<JsonObject> events() {
      List<JsonObject> events = new ArrayList<>();
      for (String block : body.split("\n\n")) {
        String event = null;
        String data = null;
        for (String line : block.split("\n")) {
          if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ")) {
            data = line.substring(6);
          }
        }
        if (data == null) {
          continue;
        }
        JsonObject json = new JsonObject(data);
        if (event == null || !event.equals(json.getString("type"))) {
          throw new AssertionError("event " + event + " carries type " + json.getString("type") + ": " + block);
        }
        events.add(json);
      }
      return events;
    }

    /** The types of {@link #events()}, in order. */
    List<String> eventTypes() {
      return events().stream().map(event -> event.getString("type")).toList();
    }
  }

  Reply request(HttpMethod method, String path, String body) throws Exception {
    return send(method, path, body == null ? null : Buffer.buffer(body)).await(30, TimeUnit.SECONDS);
  }

  Reply get(String path) throws Exception {
    return request(HttpMethod.GET, path, null);
  }

  Reply post(String path, JsonObject body) throws Exception {
    return request(HttpMethod.POST, path, body.encode());
  }

  /** A POST with extra headers, name then value. */
  Reply post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
      .timeout(Duration.ofSeconds(30))
      .header("content-type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> response = jdk.send(request.build(), HttpResponse.BodyHandlers.ofString());
    MultiMap received = MultiMap.caseInsensitiveMultiMap();
    response.headers().map().forEach(received::add);
    return new Reply(response.statusCode(), received, response.body());
  }

  /**
   * A whole request with the JDK's HTTP client (one connection per request, HTTP/1.1): whole-request tests don't
   * depend on the Vert.x client, which occasionally hung a request here under load (see the constructor).
   */
  Future<Reply> send(HttpMethod method, String path, Buffer body) {
    HttpRequest request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port() + path))
      .timeout(Duration.ofSeconds(30))
      .header("content-type", "application/json")
      .method(method.name(), body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(body.getBytes()))
      .build();
    return Future.fromCompletionStage(jdk.sendAsync(request, HttpResponse.BodyHandlers.ofString())
      .thenApply(response -> {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        response.headers().map().forEach(headers::add);
        return new Reply(response.statusCode(), headers, response.body());
      }));
  }

  /**
   * Opens a streaming request and hands back the response as soon as its head arrives, paused: body chunks that
   * arrive before the caller sets its handler would otherwise be dropped. Set a handler, then {@code resume()}.
   */
  Future<HttpClientResponse> openStream(JsonObject body) {
    return openStream(client, port(), body);
  }

  static Future<HttpClientResponse> openStream(HttpClient client, int port, JsonObject body) {
    return openStream(client, port, "/v1/chat/completions", body);
  }

  /** As {@link #openStream(JsonObject)}, to another path. */
  Future<HttpClientResponse> openStream(String path, JsonObject body) {
    return openStream(client, port(), path, body);
  }

  static Future<HttpClientResponse> openStream(HttpClient client, int port, String path, JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
      .setURI(path).putHeader("content-type", "application/json");
    return client.request(options).compose(request -> request.send(body.encode())).map(response -> {
      response.pause();
      return response;
    });
  }

  static JsonObject chat(String model, String prompt) {
    return new JsonObject().put("model", model)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt)));
  }

  static JsonObject streamingChat(String model, String prompt) {
    return chat(model, prompt).put("stream", true);
  }

  @Override
  public void close() throws Exception {
    client.close();
    if (vertx.deploymentIDs().contains(deploymentId)) {
      vertx.undeploy(deploymentId).await(30, TimeUnit.SECONDS);
    }
  }
}
