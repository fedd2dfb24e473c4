package io.tokenlane.provider.anthropic;

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
final class AnthropicConfig {

  static final String BASE_URL = "baseUrl";
  static final String API_KEY = "apiKey";
  static final String ANTHROPIC_VERSION = "anthropicVersion";
  static final String ANTHROPIC_BETA = "anthropicBeta";
  static final String MAX_TOKENS = "maxTokens";
  static final String HEADERS = "headers";
  static final String CONNECT_TIMEOUT_MS = "connectTimeoutMs";
  static final String RESPONSE_TIMEOUT_MS = "responseTimeoutMs";
  static final String IDLE_TIMEOUT_MS = "idleTimeoutMs";
  static final String MAX_CONNECTIONS = "maxConnections";

  static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
  static final String DEFAULT_VERSION = "2023-06-01";
  static final long DEFAULT_MAX_TOKENS = 4096;
  static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  static final long DEFAULT_RESPONSE_TIMEOUT_MS = 60_000;
  static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
  static final long DEFAULT_MAX_CONNECTIONS = 256;

  static final ConfigSchema SCHEMA = ConfigSchema.of(
    ConfigField.string(BASE_URL).defaultValue(DEFAULT_BASE_URL)
      .description("The API root, before /v1/messages: https://api.anthropic.com, or a proxy that speaks the "
        + "Messages API"),
    ConfigField.string(API_KEY).secret()
      .description("The Anthropic API key, sent as x-api-key; leave out only for a proxy that authenticates "
        + "otherwise (see headers)"),
    ConfigField.string(ANTHROPIC_VERSION).defaultValue(DEFAULT_VERSION)
      .description("The anthropic-version header"),
    ConfigField.string(ANTHROPIC_BETA)
      .description("The anthropic-beta header, comma-separated beta names, such as "
        + "interleaved-thinking-2025-05-14; not sent when absent"),
    ConfigField.integer(MAX_TOKENS).defaultValue(DEFAULT_MAX_TOKENS).min(1)
      .description("max_tokens for requests that set neither max_tokens nor max_completion_tokens: Anthropic "
        + "requires one"),
    ConfigField.stringMap(HEADERS)
      .description("Extra headers sent with every request"),
    ConfigField.integer(CONNECT_TIMEOUT_MS).defaultValue(DEFAULT_CONNECT_TIMEOUT_MS).min(1)
      .description("Longest wait for a connection to the upstream, pool wait included, in milliseconds"),
    ConfigField.integer(RESPONSE_TIMEOUT_MS).defaultValue(DEFAULT_RESPONSE_TIMEOUT_MS).min(1)
      .description("Longest wait from starting a request to the upstream's response headers, in milliseconds"),
    ConfigField.integer(IDLE_TIMEOUT_MS).defaultValue(DEFAULT_IDLE_TIMEOUT_MS).min(1)
      .description("Longest silence while reading the response, before the first event and between events, "
        + "in milliseconds; ping events count as activity, time paused for slow clients does not"),
    ConfigField.integer(MAX_CONNECTIONS).defaultValue(DEFAULT_MAX_CONNECTIONS).min(1).max(65_536)
      .description("Most open connections to the upstream per verticle instance; more requests wait"));

  private final String instanceName;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final String messagesUri;
  private final String apiKey;
  private final MultiMap headers;
  private final int maxTokens;
  private final long connectTimeoutMs;
  private final long responseTimeoutMs;
  private final long idleTimeoutMs;
  private final int maxConnections;

  private AnthropicConfig(String instanceName, URI baseUrl, JsonObject config) {
    this.instanceName = instanceName;
    this.ssl = "https".equalsIgnoreCase(baseUrl.getScheme());
    this.host = baseUrl.getHost();
    this.port = baseUrl.getPort() > 0 ? baseUrl.getPort() : ssl ? 443 : 80;
    this.messagesUri = messagesUri(baseUrl);
    String key = config.getString(API_KEY);
    // Secrets from files and Kubernetes secrets often end with a newline: strip it rather than send it.
    key = key == null ? null : key.strip();
    this.apiKey = key == null || key.isEmpty() ? null : key;
    if (apiKey != null && hasControlCharacter(apiKey)) {
      throw new IllegalArgumentException(API_KEY + ": contains a control character (value hidden: secret)");
    }
    this.headers = headers(config, apiKey);
    this.maxTokens = (int) positive(config, MAX_TOKENS, DEFAULT_MAX_TOKENS);
    this.connectTimeoutMs = positive(config, CONNECT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS);
    this.responseTimeoutMs = positive(config, RESPONSE_TIMEOUT_MS, DEFAULT_RESPONSE_TIMEOUT_MS);
    this.idleTimeoutMs = positive(config, IDLE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS);
    this.maxConnections = (int) positive(config, MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS);
  }

  /**
   * Reads a configuration that already passed {@link #SCHEMA}, and checks what the schema cannot: the URL and
   * header values.
   *
   * @throws IllegalArgumentException with a message that names the key and never shows the API key
   */
  static AnthropicConfig from(String instanceName, JsonObject config) {
    return new AnthropicConfig(instanceName, baseUrl(config.getString(BASE_URL, DEFAULT_BASE_URL)), config);
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
    return uri;
  }

  /** A root written with the version ({@code https://api.anthropic.com/v1}) means the same root. */
  private static String messagesUri(URI baseUrl) {
    String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.endsWith("/v1")) {
      path = path.substring(0, path.length() - 3);
    }
    String query = baseUrl.getRawQuery();
    return path + "/v1/messages" + (query == null ? "" : "?" + query);
  }

  private static MultiMap headers(JsonObject config, String apiKey) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    JsonObject extra = config.getJsonObject(HEADERS, new JsonObject());
    for (Map.Entry<String, Object> header : extra) {
      checkHeader(HEADERS + "." + header.getKey().strip(), header.getKey(), String.valueOf(header.getValue()));
      headers.set(header.getKey(), String.valueOf(header.getValue()));
    }
    String version = config.getString(ANTHROPIC_VERSION, DEFAULT_VERSION).strip();
    checkHeader(ANTHROPIC_VERSION, "anthropic-version", version);
    headers.set("anthropic-version", version);
    String beta = config.getString(ANTHROPIC_BETA);
    if (beta != null && !beta.isBlank()) {
      checkHeader(ANTHROPIC_BETA, "anthropic-beta", beta.strip());
      headers.set("anthropic-beta", beta.strip());
    }
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, "text/event-stream");
    if (apiKey != null) {
      headers.set("x-api-key", apiKey);
    }
    return headers;
  }

  private static void checkHeader(String key, String name, String value) {
    if (name.isBlank() || value.isBlank() || hasControlCharacter(name) || hasControlCharacter(value)) {
      throw new IllegalArgumentException(key + ": header names and values must not be blank or contain control characters");
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

  private static long positive(JsonObject config, String key, long defaultValue) {
    Long value = config.getLong(key, defaultValue);
    if (value <= 0) {
      throw new IllegalArgumentException(key + ": must be at least 1, got " + value);
    }
    return value;
  }

  HttpClientOptions clientOptions() {
    return new HttpClientOptions()
      .setName("tokenlane-anthropic-" + instanceName)
      .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
      .setKeepAlive(true)
      // Compressed SSE is buffered by some proxies until a block fills; we want every event as it comes.
      .setDecompressionSupported(false);
  }

  PoolOptions poolOptions() {
    return new PoolOptions().setHttp1MaxSize(maxConnections).setHttp2MaxSize(maxConnections);
  }

  /** A request to {@code /v1/messages}, with its own header map since X-Request-Id differs each time. */
  RequestOptions messagesRequest(String requestId) {
    MultiMap requestHeaders = MultiMap.caseInsensitiveMultiMap().addAll(headers).set("X-Request-Id", requestId);
    return new RequestOptions()
      .setMethod(HttpMethod.POST)
      .setHost(host)
      .setPort(port)
      .setSsl(ssl)
      .setURI(messagesUri)
      .setConnectTimeout(connectTimeoutMs)
      .setHeaders(requestHeaders);
  }

  /** The upstream as {@code host:port}, for messages: never the whole URL, which may carry credentials. */
  String target() {
    return host + ":" + port;
  }

  int maxTokens() {
    return maxTokens;
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

  /**
   * Removes the API key from text that came from elsewhere (an upstream error body may echo the key it refused).
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
    // No path or query: either may carry credentials with some proxies.
    return "AnthropicConfig[" + instanceName + ", " + (ssl ? "https://" : "http://") + target()
      + ", apiKey=" + (apiKey == null ? "none" : "***") + "]";
  }
}
