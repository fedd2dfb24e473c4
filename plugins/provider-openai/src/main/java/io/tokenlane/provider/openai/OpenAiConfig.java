package io.tokenlane.provider.openai;

import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One provider instance's settings, read once when the verticle starts.
 *
 * <p>Holds the API key, so {@link #toString()} leaves it out and {@link #redact} scrubs it from any text that may
 * reach a client.
 */
final class OpenAiConfig {

  static final String BASE_URL = "baseUrl";
  static final String API_KEY = "apiKey";
  static final String API_KEY_HEADER = "apiKeyHeader";
  static final String HEADERS = "headers";
  static final String CONNECT_TIMEOUT_MS = "connectTimeoutMs";
  static final String RESPONSE_TIMEOUT_MS = "responseTimeoutMs";
  static final String IDLE_TIMEOUT_MS = "idleTimeoutMs";
  static final String MAX_CONNECTIONS = "maxConnections";
  static final String INCLUDE_USAGE = "includeUsage";
  static final String HTTP2 = "http2";

  private static final String AUTHORIZATION = "Authorization";

  static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  static final long DEFAULT_RESPONSE_TIMEOUT_MS = 60_000;
  static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
  static final long DEFAULT_MAX_CONNECTIONS = 256;
  /** HTTP/2's largest window: what the streams of one connection may hold unread together. */
  static final int HTTP2_CONNECTION_WINDOW = Integer.MAX_VALUE;

  static final ConfigSchema SCHEMA = ConfigSchema.of(
    ConfigField.string(BASE_URL).required()
      .description("The upstream's OpenAI-compatible API root, ending before /chat/completions: "
        + "https://api.openai.com/v1, http://localhost:11434/v1 (Ollama), http://vllm:8000/v1"),
    ConfigField.string(API_KEY).secret()
      .description("The upstream API key; leave out for servers that need none (Ollama, vLLM, llama.cpp)"),
    ConfigField.string(API_KEY_HEADER).defaultValue(AUTHORIZATION)
      .description("The header that carries apiKey: Authorization sends 'Bearer <key>', any other header "
        + "(Azure OpenAI: api-key) sends the key as it is"),
    ConfigField.stringMap(HEADERS)
      .description("Extra headers sent with every request, such as OpenAI-Organization or OpenAI-Project"),
    ConfigField.integer(CONNECT_TIMEOUT_MS).defaultValue(DEFAULT_CONNECT_TIMEOUT_MS).min(1)
      .description("Longest wait for a connection to the upstream, pool wait included, in milliseconds"),
    ConfigField.integer(RESPONSE_TIMEOUT_MS).defaultValue(DEFAULT_RESPONSE_TIMEOUT_MS).min(1)
      .description("Longest wait from starting a request to the upstream's response headers, in milliseconds"),
    ConfigField.integer(IDLE_TIMEOUT_MS).defaultValue(DEFAULT_IDLE_TIMEOUT_MS).min(1)
      .description("Longest silence while reading the response, before the first chunk and between chunks, "
        + "in milliseconds; keep-alive comments count as activity, time paused for slow clients does not"),
    ConfigField.integer(MAX_CONNECTIONS).defaultValue(DEFAULT_MAX_CONNECTIONS).min(1).max(65_536)
      .description("Most open connections to the upstream per verticle instance; more requests wait"),
    ConfigField.bool(INCLUDE_USAGE).defaultValue(true)
      .description("Ask for token usage with stream_options.include_usage; turn off for servers that "
        + "reject stream_options"),
    ConfigField.bool(HTTP2).defaultValue(false)
      .description("Speak HTTP/2 to the upstream, many streams on one connection: over https offered with ALPN "
        + "(HTTP/1.1 when the server does not take it), over http with prior knowledge (the server must speak "
        + "cleartext HTTP/2); a cancel then resets its stream instead of closing a connection"));

  private final String instanceName;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final String chatUri;
  private final String apiKey;
  private final MultiMap headers;
  private final long connectTimeoutMs;
  private final long responseTimeoutMs;
  private final long idleTimeoutMs;
  private final int maxConnections;
  private final boolean includeUsage;
  private final boolean http2;

  private OpenAiConfig(String instanceName, URI baseUrl, JsonObject config) {
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
    this.http2 = config.getBoolean(HTTP2, false);
    this.headers = headers(config, apiKey, http2);
    this.connectTimeoutMs = positive(config, CONNECT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS);
    this.responseTimeoutMs = positive(config, RESPONSE_TIMEOUT_MS, DEFAULT_RESPONSE_TIMEOUT_MS);
    this.idleTimeoutMs = positive(config, IDLE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS);
    this.maxConnections = (int) positive(config, MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS);
    this.includeUsage = config.getBoolean(INCLUDE_USAGE, true);
  }

  /**
   * Reads a configuration that already passed {@link #SCHEMA}, and checks what the schema cannot: the URL.
   *
   * @throws IllegalArgumentException with a message that names the key and never shows the API key
   */
  private static boolean hasControlCharacter(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  static OpenAiConfig from(String instanceName, JsonObject config) {
    return new OpenAiConfig(instanceName, baseUrl(config.getString(BASE_URL)), config);
  }

  private static URI baseUrl(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(BASE_URL + ": required, such as https://api.openai.com/v1");
    }
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(BASE_URL + ": not a URL (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme();
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException(BASE_URL + ": must start with http:// or https://, such as https://api.openai.com/v1");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(BASE_URL + ": has no host name");
    }
    return uri;
  }

  /** Keeps a query string (Azure's {@code ?api-version=...}) after the path we append. */
  private static String chatUri(URI baseUrl) {
    String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String query = baseUrl.getRawQuery();
    return path + "/chat/completions" + (query == null ? "" : "?" + query);
  }

  /** Headers about one connection: HTTP/2 forbids them (RFC 9113, 8.2.2), and Netty refuses to send them. */
  private static final Set<String> CONNECTION_HEADERS =
    Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te");

  private static MultiMap headers(JsonObject config, String apiKey, boolean http2) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    JsonObject extra = config.getJsonObject(HEADERS, new JsonObject());
    for (Map.Entry<String, Object> header : extra) {
      String value = String.valueOf(header.getValue());
      if (hasControlCharacter(header.getKey()) || hasControlCharacter(value) || header.getKey().isBlank()) {
        throw new IllegalArgumentException(HEADERS + "." + header.getKey().strip()
          + ": header names and values must not be blank or contain control characters");
      }
      if (http2 && CONNECTION_HEADERS.contains(header.getKey().strip().toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(HEADERS + "." + header.getKey().strip()
          + ": a connection-specific header, which HTTP/2 forbids (http2 is on)");
      }
      headers.set(header.getKey(), value);
    }
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, "text/event-stream");
    if (apiKey != null) {
      String name = config.getString(API_KEY_HEADER, AUTHORIZATION).strip();
      if (name.isEmpty() || hasControlCharacter(name) || name.contains(":") || name.contains(" ")) {
        throw new IllegalArgumentException(API_KEY_HEADER + ": must name a header, such as Authorization or api-key");
      }
      boolean bearer = AUTHORIZATION.equalsIgnoreCase(name);
      headers.set(name, bearer ? "Bearer " + apiKey : apiKey);
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
    HttpClientOptions options = new HttpClientOptions()
      .setName("tokenlane-openai-" + instanceName)
      .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
      .setKeepAlive(true)
      // Compressed SSE is buffered by some proxies until a block fills; we want every chunk as it comes.
      .setDecompressionSupported(false);
    if (http2) {
      // TLS: offered with ALPN, HTTP/1.1 if refused. Cleartext: prior knowledge, no Upgrade round trip (a server
      // that does not speak it fails the first request). Each connection carries as many streams as the server's
      // SETTINGS allow; maxConnections bounds the connections.
      options.setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true).setHttp2ClearTextUpgrade(false)
        // A stream paused for a slow client keeps its unread bytes (up to its own 64 KB window) counted against
        // the connection's window too: with HTTP/2's default of 64 KB, one slow client would stall every stream
        // sharing its connection. Per-stream windows bound what is buffered; the connection's must not.
        .setHttp2ConnectionWindowSize(HTTP2_CONNECTION_WINDOW);
    }
    return options;
  }

  PoolOptions poolOptions() {
    return new PoolOptions().setHttp1MaxSize(maxConnections).setHttp2MaxSize(maxConnections);
  }

  /** A request to {@code /chat/completions}, with its own header map since X-Request-Id differs each time. */
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

  long responseTimeoutMs() {
    return responseTimeoutMs;
  }

  long idleTimeoutMs() {
    return idleTimeoutMs;
  }

  long connectTimeoutMs() {
    return connectTimeoutMs;
  }

  boolean includeUsage() {
    return includeUsage;
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
    return "OpenAiConfig[" + instanceName + ", " + (ssl ? "https://" : "http://") + target()
      + (http2 ? ", http2" : "") + ", apiKey=" + (apiKey == null ? "none" : "***") + "]";
  }
}
