package io.tokenlane.provider.gemini;

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
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One provider instance's settings, read once when the verticle starts.
 *
 * <p>Holds the API key, so {@link #toString()} leaves it out and {@link #redact} scrubs it from any text that may
 * reach a client. The key travels in the {@code x-goog-api-key} header only, never in the URL, where proxies and
 * access logs would keep it.
 */
final class GeminiConfig {

  static final String BASE_URL = "baseUrl";
  static final String API_VERSION = "apiVersion";
  static final String API_KEY = "apiKey";
  static final String HEADERS = "headers";
  static final String CONNECT_TIMEOUT_MS = "connectTimeoutMs";
  static final String RESPONSE_TIMEOUT_MS = "responseTimeoutMs";
  static final String IDLE_TIMEOUT_MS = "idleTimeoutMs";
  static final String MAX_CONNECTIONS = "maxConnections";
  static final String MAX_EVENT_BYTES = "maxEventBytes";

  static final String API_KEY_HEADER = "x-goog-api-key";
  static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";
  static final String DEFAULT_API_VERSION = "v1beta";
  static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  static final long DEFAULT_RESPONSE_TIMEOUT_MS = 60_000;
  static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
  static final long DEFAULT_MAX_CONNECTIONS = 256;
  /** Text events are a few hundred bytes; image parts (inline base64) can be megabytes. */
  static final long DEFAULT_MAX_EVENT_BYTES = 8L * 1024 * 1024;

  static final ConfigSchema SCHEMA = ConfigSchema.of(
    ConfigField.string(BASE_URL).defaultValue(DEFAULT_BASE_URL)
      .description("The Gemini API root, before the version: https://generativelanguage.googleapis.com, or a proxy "
        + "that serves the same paths"),
    ConfigField.string(API_VERSION).defaultValue(DEFAULT_API_VERSION)
      .description("The API version in the path: v1beta (thinking, tools, JSON schema) or v1"),
    ConfigField.string(API_KEY).secret()
      .description("The Gemini API key, sent in the x-goog-api-key header; leave out for a proxy that adds it"),
    ConfigField.stringMap(HEADERS)
      .description("Extra headers sent with every request"),
    ConfigField.integer(CONNECT_TIMEOUT_MS).defaultValue(DEFAULT_CONNECT_TIMEOUT_MS).min(1)
      .description("Longest wait for a connection to the upstream, pool wait included, in milliseconds"),
    ConfigField.integer(RESPONSE_TIMEOUT_MS).defaultValue(DEFAULT_RESPONSE_TIMEOUT_MS).min(1)
      .description("Longest wait from starting a request to the upstream's response headers, in milliseconds"),
    ConfigField.integer(IDLE_TIMEOUT_MS).defaultValue(DEFAULT_IDLE_TIMEOUT_MS).min(1)
      .description("Longest silence while reading the response, before the first event and between events, in "
        + "milliseconds; thinking models can be silent for a while before their first event"),
    ConfigField.integer(MAX_CONNECTIONS).defaultValue(DEFAULT_MAX_CONNECTIONS).min(1).max(65_536)
      .description("Most open connections to the upstream per verticle instance; more requests wait"),
    ConfigField.integer(MAX_EVENT_BYTES).defaultValue(DEFAULT_MAX_EVENT_BYTES).min(1024).max(256L * 1024 * 1024)
      .description("Largest server-sent event accepted from the upstream, in bytes; a larger one fails the stream "
        + "as upstream_bad_response"));

  private final String instanceName;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final String modelsPath;
  private final String apiKey;
  private final MultiMap headers;
  private final long connectTimeoutMs;
  private final long responseTimeoutMs;
  private final long idleTimeoutMs;
  private final int maxConnections;
  private final int maxEventBytes;

  private GeminiConfig(String instanceName, URI baseUrl, JsonObject config) {
    this.instanceName = instanceName;
    this.ssl = "https".equalsIgnoreCase(baseUrl.getScheme());
    this.host = baseUrl.getHost();
    this.port = baseUrl.getPort() > 0 ? baseUrl.getPort() : ssl ? 443 : 80;
    this.modelsPath = modelsPath(baseUrl, apiVersion(config.getString(API_VERSION, DEFAULT_API_VERSION)));
    String key = config.getString(API_KEY);
    // Secrets from files and Kubernetes secrets often end with a newline: strip it rather than send it.
    key = key == null ? null : key.strip();
    this.apiKey = key == null || key.isEmpty() ? null : key;
    if (apiKey != null && hasControlCharacter(apiKey)) {
      throw new IllegalArgumentException(API_KEY + ": contains a control character (value hidden: secret)");
    }
    this.headers = headers(config, apiKey);
    this.connectTimeoutMs = positive(config, CONNECT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS);
    this.responseTimeoutMs = positive(config, RESPONSE_TIMEOUT_MS, DEFAULT_RESPONSE_TIMEOUT_MS);
    this.idleTimeoutMs = positive(config, IDLE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS);
    this.maxConnections = (int) positive(config, MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS);
    this.maxEventBytes = (int) Math.min(Integer.MAX_VALUE, positive(config, MAX_EVENT_BYTES, DEFAULT_MAX_EVENT_BYTES));
  }

  /**
   * Reads a configuration that already passed {@link #SCHEMA}, and checks what the schema cannot: the URL, the
   * version, header values.
   *
   * @throws IllegalArgumentException with a message that names the key and never shows the API key
   */
  static GeminiConfig from(String instanceName, JsonObject config) {
    return new GeminiConfig(instanceName, baseUrl(config.getString(BASE_URL, DEFAULT_BASE_URL)), config);
  }

  private static URI baseUrl(String text) {
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
    if (uri.getRawQuery() != null) {
      // Google's own query parameter is key=, exactly what must not be in a URL: refuse rather than forward it.
      throw new IllegalArgumentException(BASE_URL + ": must not have a query string; put the key in apiKey");
    }
    return uri;
  }

  private static String apiVersion(String version) {
    String trimmed = version.strip();
    if (!trimmed.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException(API_VERSION + ": must be a path segment such as v1beta or v1, got \""
        + trimmed + "\"");
    }
    return trimmed;
  }

  private static String modelsPath(URI baseUrl, String version) {
    String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return path + "/" + version + "/models/";
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
    headers.set(HttpHeaders.ACCEPT, "text/event-stream");
    if (apiKey != null) {
      headers.set(API_KEY_HEADER, apiKey);
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
      .setName("tokenlane-gemini-" + instanceName)
      .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
      .setKeepAlive(true)
      // Compressed SSE is buffered by some proxies until a block fills; we want every event as it comes.
      .setDecompressionSupported(false);
  }

  PoolOptions poolOptions() {
    return new PoolOptions().setHttp1MaxSize(maxConnections).setHttp2MaxSize(maxConnections);
  }

  /**
   * A request to {@code models/{model}:streamGenerateContent?alt=sse}, with its own header map since X-Request-Id
   * differs each time.
   */
  RequestOptions streamRequest(String model, String requestId) {
    MultiMap requestHeaders = MultiMap.caseInsensitiveMultiMap().addAll(headers).set("X-Request-Id", requestId);
    return new RequestOptions()
      .setMethod(HttpMethod.POST)
      .setHost(host)
      .setPort(port)
      .setSsl(ssl)
      .setURI(modelsPath + modelSegment(model) + ":streamGenerateContent?alt=sse")
      .setConnectTimeout(connectTimeoutMs)
      .setHeaders(requestHeaders);
  }

  /**
   * The model as one path segment: Google's own names ({@code gemini-2.5-flash}) pass as they are, a
   * {@code models/} prefix (as the API lists them) is dropped, anything else is percent-encoded so that a model
   * name can never change the path.
   */
  static String modelSegment(String model) {
    String name = model.startsWith("models/") ? model.substring("models/".length()) : model;
    StringBuilder segment = new StringBuilder(name.length());
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
        segment.append(c);
      } else {
        segment.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
          .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return segment.toString();
  }

  /** The upstream as {@code host:port}, for messages: never the whole URL. */
  String target() {
    return host + ":" + port;
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

  int maxEventBytes() {
    return maxEventBytes;
  }

  /**
   * Removes the API key from text that came from elsewhere (Google's error details may quote the key it refused).
   * Any key is scrubbed, however short, because a partial answer would be a leak.
   */
  String redact(String text) {
    if (text == null || apiKey == null) {
      return text;
    }
    return text.replace(apiKey, "***");
  }

  @Override
  public String toString() {
    return "GeminiConfig[" + instanceName + ", " + (ssl ? "https://" : "http://") + target()
      + ", apiKey=" + (apiKey == null ? "none" : "***") + "]";
  }
}
