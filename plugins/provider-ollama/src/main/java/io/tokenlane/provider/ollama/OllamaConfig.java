package io.tokenlane.provider.ollama;

import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

/**
 * One provider instance's settings, read once when the verticle starts.
 *
 * <p>Holds the API key, so {@link #toString()} leaves it out and {@link #redact} scrubs it from any text that may
 * reach a client.
 */
final class OllamaConfig {

  static final String BASE_URL = "baseUrl";
  static final String API_KEY = "apiKey";
  static final String HEADERS = "headers";
  static final String KEEP_ALIVE = "keepAlive";
  static final String OPTIONS = "options";
  static final String CONNECT_TIMEOUT_MS = "connectTimeoutMs";
  static final String RESPONSE_TIMEOUT_MS = "responseTimeoutMs";
  static final String IDLE_TIMEOUT_MS = "idleTimeoutMs";
  static final String MAX_CONNECTIONS = "maxConnections";
  static final String MAX_LINE_BYTES = "maxLineBytes";

  static final String DEFAULT_BASE_URL = "http://127.0.0.1:11434";
  static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  /** Ollama sends its response headers with the first token, after loading the model: minutes on a cold start. */
  static final long DEFAULT_RESPONSE_TIMEOUT_MS = 300_000;
  static final long DEFAULT_IDLE_TIMEOUT_MS = 120_000;
  static final long DEFAULT_MAX_CONNECTIONS = 256;
  static final long DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

  static final ConfigSchema SCHEMA = ConfigSchema.of(
    ConfigField.string(BASE_URL).defaultValue(DEFAULT_BASE_URL)
      .description("The Ollama server, ending before /api/chat: http://127.0.0.1:11434, http://ollama:11434, "
        + "https://ollama.com"),
    ConfigField.string(API_KEY).secret()
      .description("Sent as 'Authorization: Bearer <key>', for ollama.com or an Ollama behind an authenticating "
        + "proxy; leave out for a plain Ollama"),
    ConfigField.stringMap(HEADERS)
      .description("Extra headers sent with every request"),
    ConfigField.string(KEEP_ALIVE)
      .description("How long Ollama keeps the model loaded after a request, sent as keep_alive: a duration such "
        + "as 10m or 1h, a number of seconds, 0 to unload at once, -1 to keep it loaded; Ollama's default when unset"),
    ConfigField.object(OPTIONS)
      .description("Ollama model options sent with every request, such as num_ctx; a request's own values "
        + "(temperature, max_tokens...) win"),
    ConfigField.integer(CONNECT_TIMEOUT_MS).defaultValue(DEFAULT_CONNECT_TIMEOUT_MS).min(1)
      .description("Longest wait for a connection to Ollama, pool wait included, in milliseconds"),
    ConfigField.integer(RESPONSE_TIMEOUT_MS).defaultValue(DEFAULT_RESPONSE_TIMEOUT_MS).min(1)
      .description("Longest wait from starting a request to Ollama's response headers, in milliseconds; Ollama "
        + "answers only once the model is loaded and the prompt read"),
    ConfigField.integer(IDLE_TIMEOUT_MS).defaultValue(DEFAULT_IDLE_TIMEOUT_MS).min(1)
      .description("Longest silence while reading the response, in milliseconds; time paused for slow clients "
        + "does not count"),
    ConfigField.integer(MAX_CONNECTIONS).defaultValue(DEFAULT_MAX_CONNECTIONS).min(1).max(65_536)
      .description("Most open connections to Ollama per verticle instance; more requests wait"),
    ConfigField.integer(MAX_LINE_BYTES).defaultValue(DEFAULT_MAX_LINE_BYTES).min(1024).max(64 * 1024 * 1024)
      .description("Longest response line accepted, in bytes; a longer one fails the stream as "
        + "upstream_bad_response"));

  private final String instanceName;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final String chatUri;
  private final String apiKey;
  private final MultiMap headers;
  private final Object keepAlive;
  private final JsonObject options;
  private final long connectTimeoutMs;
  private final long responseTimeoutMs;
  private final long idleTimeoutMs;
  private final int maxConnections;
  private final int maxLineBytes;

  private OllamaConfig(String instanceName, URI baseUrl, JsonObject config) {
    this.instanceName = instanceName;
    this.ssl = "https".equalsIgnoreCase(baseUrl.getScheme());
    this.host = baseUrl.getHost();
    this.port = baseUrl.getPort() > 0 ? baseUrl.getPort() : ssl ? 443 : 80;
    this.chatUri = chatUri(baseUrl);
    String key = config.getString(API_KEY);
    // Secrets from files and Kubernetes secrets often end with a newline: strip it rather than send it.
    key = key == null ? null : key.strip();
    this.apiKey = key == null || key.isEmpty() ? null : key;
    if (apiKey != null && hasControlCharacter(apiKey)) {
      throw new IllegalArgumentException(API_KEY + ": contains a control character (value hidden: secret)");
    }
    this.headers = headers(config, apiKey);
    this.keepAlive = keepAlive(config.getString(KEEP_ALIVE));
    this.options = config.getJsonObject(OPTIONS, new JsonObject()).copy();
    this.connectTimeoutMs = positive(config, CONNECT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS);
    this.responseTimeoutMs = positive(config, RESPONSE_TIMEOUT_MS, DEFAULT_RESPONSE_TIMEOUT_MS);
    this.idleTimeoutMs = positive(config, IDLE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS);
    this.maxConnections = (int) positive(config, MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS);
    this.maxLineBytes = (int) Math.min(Integer.MAX_VALUE - 16, positive(config, MAX_LINE_BYTES, DEFAULT_MAX_LINE_BYTES));
  }

  /**
   * Reads a configuration that already passed {@link #SCHEMA}, and checks what the schema cannot: the URL and
   * the headers.
   *
   * @throws IllegalArgumentException with a message that names the key and never shows the API key
   */
  static OllamaConfig from(String instanceName, JsonObject config) {
    return new OllamaConfig(instanceName, baseUrl(config.getString(BASE_URL, DEFAULT_BASE_URL)), config);
  }

  private static URI baseUrl(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(BASE_URL + ": must not be blank, such as " + DEFAULT_BASE_URL);
    }
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(BASE_URL + ": not a URL (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme();
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException(BASE_URL + ": must start with http:// or https://, such as " + DEFAULT_BASE_URL);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(BASE_URL + ": has no host name");
    }
    return uri;
  }

  /** A base URL that ends in {@code /api} (as some write it) does not get a second one; a query string is kept. */
  private static String chatUri(URI baseUrl) {
    String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.endsWith("/api")) {
      path = path.substring(0, path.length() - "/api".length());
    }
    String query = baseUrl.getRawQuery();
    return path + "/api/chat" + (query == null ? "" : "?" + query);
  }

  /**
   * Ollama reads {@code keep_alive} as a number of seconds or a Go duration string; "-1" without a unit is not a Go
   * duration, so numbers go as numbers.
   */
  private static Object keepAlive(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    String value = text.strip();
    try {
      double seconds = Double.parseDouble(value);
      return seconds == Math.rint(seconds) ? (Object) (long) seconds : (Object) seconds;
    } catch (NumberFormatException notANumber) {
      if (!value.matches("(\\d+(\\.\\d+)?(ns|us|µs|ms|s|m|h))+")) {
        throw new IllegalArgumentException(KEEP_ALIVE + ": expected a duration such as 5m, 1h30m or 300, or -1, got \""
          + value + "\"");
      }
      return value;
    }
  }

  private static boolean hasControlCharacter(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  private static MultiMap headers(JsonObject config, String apiKey) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    JsonObject extra = config.getJsonObject(HEADERS, new JsonObject());
    for (Map.Entry<String, Object> header : extra) {
      String value = String.valueOf(header.getValue());
      if (hasControlCharacter(header.getKey()) || hasControlCharacter(value) || header.getKey().isBlank()) {
        throw new IllegalArgumentException(HEADERS + "." + header.getKey().strip()
          + ": header names and values must not be blank or contain control characters");
      }
      headers.set(header.getKey(), value);
    }
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, "application/x-ndjson");
    if (apiKey != null) {
      headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey);
    }
    return headers;
  }

  private static long positive(JsonObject config, String key, long defaultValue) {
    Long value = config.getLong(key, defaultValue);
    if (value <= 0) {
      throw new IllegalArgumentException(key + ": must be at least 1, got " + value);
    }
    return value;
  }

  HttpClientOptions clientOptions() {
    return new HttpClientOptions()
      .setName("tokenlane-ollama-" + instanceName)
      .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
      .setKeepAlive(true)
      .setDecompressionSupported(false);
  }

  PoolOptions poolOptions() {
    return new PoolOptions().setHttp1MaxSize(maxConnections).setHttp2MaxSize(maxConnections);
  }

  /** A request to {@code /api/chat}, with its own header map since X-Request-Id differs each time. */
  RequestOptions chatRequest(String requestId) {
    MultiMap requestHeaders = MultiMap.caseInsensitiveMultiMap().addAll(headers).set("X-Request-Id", requestId);
    return new RequestOptions()
      .setMethod(HttpMethod.POST)
      .setHost(host)
      .setPort(port)
      .setSsl(ssl)
      .setURI(chatUri)
      .setConnectTimeout(connectTimeoutMs)
      .setHeaders(requestHeaders);
  }

  /** The upstream as {@code host:port}, for messages: never the whole URL, which may carry credentials. */
  String target() {
    return host + ":" + port;
  }

  /** @return the {@code keep_alive} value to send, or {@code null} for Ollama's default */
  Object keepAlive() {
    return keepAlive;
  }

  /** @return the configured model options; a copy */
  JsonObject options() {
    return options.copy();
  }

  long responseTimeoutMs() {
    return responseTimeoutMs;
  }

  long idleTimeoutMs() {
    return idleTimeoutMs;
  }

  long connectTimeoutMs() {
    return connectTimeoutMs;
  }

  int maxLineBytes() {
    return maxLineBytes;
  }

  /**
   * Removes the API key from text that came from elsewhere (an error body may echo the key it refused). Any key is
   * scrubbed, however short, because a partial answer would be a leak.
   */
  String redact(String text) {
    if (text == null || apiKey == null) {
      return text;
    }
    return text.replace(apiKey, "***");
  }

  @Override
  public String toString() {
    // No path or query: either may carry credentials with some proxies.
    return "OllamaConfig[" + instanceName + ", " + (ssl ? "https://" : "http://") + target()
      + ", apiKey=" + (apiKey == null ? "none" : "***") + "]";
  }
}
