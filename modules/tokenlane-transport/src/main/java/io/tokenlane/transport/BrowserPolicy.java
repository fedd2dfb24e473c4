package io.tokenlane.transport;

import io.tokenlane.transport.openai.OpenAiErrors;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a browser page may do with the API: a request that carries an {@code Origin} header (every cross-origin
 * request of a browser, and every WebSocket handshake) is served only when that origin is the gateway's own or is in
 * the allow-list; any other is refused with 403 {@code origin_not_allowed} before a handler runs, so a page of
 * another site can neither open a WebSocket with a visitor's token (cross-site WebSocket hijacking) nor create
 * sessions or streams through a form or a simple request. Requests without {@code Origin} (non-browser clients)
 * pass. Allowed cross-origin requests get CORS headers, and preflights are answered here.
 *
 * <p>Mount it in front of the routes it guards: {@code router.route("/v1/*").handler(policy)}. Called on the event
 * loop of the request; it never blocks.
 *
 * <p>The gateway's own origin is the scheme and authority of the request ({@code Host}, or {@code :authority} on
 * HTTP/2), or those a proxy in front reports in {@code X-Forwarded-Proto} and {@code X-Forwarded-Host}. Trusting the
 * forwarded headers is safe here: a page cannot put them on a WebSocket handshake, and on a fetch they are not
 * CORS-safelisted, so the browser first sends a preflight without them, which is refused.
 *
 * @since 0.1
 */
public final class BrowserPolicy implements Handler<RoutingContext> {

  /** How long a browser may cache a preflight's answer: 10 minutes (Chromium caps it at 2 hours). */
  public static final long DEFAULT_MAX_AGE_SECONDS = 600;
  /** The methods of the API. */
  public static final String ALLOWED_METHODS = "GET, POST, DELETE";
  /** The request headers the clients send: credentials by header, never cookies. */
  public static final String ALLOWED_HEADERS = "authorization, content-type, x-api-key, last-event-id, x-request-id,"
    + " anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access";
  /** Response headers a page may read besides the safelisted ones. */
  public static final String EXPOSED_HEADERS = "location, retry-after, x-request-id";
  /** The allow-list entry that allows every origin. */
  public static final String ANY = "*";

  private final Set<String> allowed;
  private final boolean any;
  private final String maxAge;

  private BrowserPolicy(Set<String> allowed, boolean any, long maxAgeSeconds) {
    this.allowed = allowed;
    this.any = any;
    this.maxAge = Long.toString(maxAgeSeconds);
  }

  /**
   * Creates a policy.
   *
   * @param allowedOrigins origins allowed besides the gateway's own, each {@code scheme://host[:port]} (http or
   *   https, no path), or {@code *} for any; empty: the gateway's own origin only
   * @param maxAgeSeconds how long a browser may cache a preflight, 0 to 86400
   * @return the policy
   * @throws IllegalArgumentException naming the first entry that is not an origin
   */
  public static BrowserPolicy create(List<String> allowedOrigins, long maxAgeSeconds) {
    if (maxAgeSeconds < 0 || maxAgeSeconds > 86_400) {
      throw new IllegalArgumentException("maxAgeSeconds must be within 0..86400");
    }
    Set<String> allowed = new LinkedHashSet<>();
    boolean any = false;
    for (String entry : allowedOrigins) {
      if (ANY.equals(entry)) {
        any = true;
        continue;
      }
      String origin = normalize(entry);
      if (origin == null) {
        throw new IllegalArgumentException("'" + entry + "' is not an origin: http(s)://host[:port], no path, or *");
      }
      allowed.add(origin);
    }
    return new BrowserPolicy(Set.copyOf(allowed), any, maxAgeSeconds);
  }

  /** @return a policy that allows the gateway's own origin only */
  public static BrowserPolicy sameOriginOnly() {
    return create(List.of(), DEFAULT_MAX_AGE_SECONDS);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    String origin = request.getHeader("origin");
    if (!any) {
      // The answer depends on Origin: a cache must not hand one origin's answer to another.
      response.headers().add("vary", "origin");
    }
    if (origin == null) {
      ctx.next();
      return;
    }
    if (!allows(request)) {
      refuse(response);
      return;
    }
    response.putHeader("access-control-allow-origin", any ? ANY : origin);
    if (request.method() == HttpMethod.OPTIONS && request.getHeader("access-control-request-method") != null) {
      response.setStatusCode(204)
        .putHeader("access-control-allow-methods", ALLOWED_METHODS)
        .putHeader("access-control-allow-headers", ALLOWED_HEADERS)
        .putHeader("access-control-max-age", maxAge)
        .putHeader("content-length", "0")
        .end();
      return;
    }
    response.putHeader("access-control-expose-headers", EXPOSED_HEADERS);
    ctx.next();
  }

  /**
   * Whether a request may be served: it has no {@code Origin}, or its origin is allowed or the gateway's own.
   *
   * @param request the request
   * @return whether it may be served
   */
  public boolean allows(HttpServerRequest request) {
    String origin = request.getHeader("origin");
    if (origin == null || any) {
      return true;
    }
    String normalized = normalize(origin);
    return normalized != null && (allowed.contains(normalized) || normalized.equals(ownOrigin(request, false))
      || normalized.equals(ownOrigin(request, true)));
  }

  private static void refuse(HttpServerResponse response) {
    // No CORS header: a page of that origin cannot read this answer either.
    OpenAiErrors.send(response, 403, OpenAiErrors.body(
      "Requests from this page's origin are not allowed; the gateway's operator can add it to browser.allowedOrigins.",
      "permission_error", null, "origin_not_allowed"));
  }

  /** The gateway's origin as the client sees it: from the request itself, or from what a proxy forwarded. */
  private static String ownOrigin(HttpServerRequest request, boolean forwarded) {
    String scheme = request.scheme() == null ? "http" : request.scheme();
    String proto = first(request.getHeader("x-forwarded-proto"));
    if (forwarded || proto != null) {
      scheme = proto != null ? proto : scheme;
    }
    HostAndPort authority;
    if (forwarded) {
      String host = first(request.getHeader("x-forwarded-host"));
      authority = host == null ? null : HostAndPort.parseAuthority(host, -1);
    } else {
      authority = request.authority();
    }
    if (authority == null || authority.host() == null || authority.host().isEmpty()) {
      return null;
    }
    return origin(scheme, authority.host(), authority.port());
  }

  private static String first(String header) {
    if (header == null) {
      return null;
    }
    int comma = header.indexOf(',');
    String value = (comma < 0 ? header : header.substring(0, comma)).trim();
    return value.isEmpty() ? null : value;
  }

  /**
   * {@code scheme://host[:port]} in lower case without the scheme's default port, or null if not an origin (a
   * trailing slash is forgiven: an operator may copy it from the address bar).
   */
  static String normalize(String origin) {
    try {
      URI uri = new URI(origin);
      if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
        || uri.getRawFragment() != null || !(uri.getRawPath() == null || uri.getRawPath().isEmpty()
        || uri.getRawPath().equals("/"))) {
        return null;
      }
      return origin(uri.getScheme(), uri.getHost(), uri.getPort());
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static String origin(String scheme, String host, int port) {
    String s = scheme == null ? "" : scheme.toLowerCase(Locale.ROOT);
    if (!s.equals("http") && !s.equals("https")) {
      return null;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.contains(":")) {
      h = "[" + h + "]";
    }
    boolean defaultPort = port < 0 || (s.equals("http") && port == 80) || (s.equals("https") && port == 443);
    return s + "://" + h + (defaultPort ? "" : ":" + port);
  }
}
