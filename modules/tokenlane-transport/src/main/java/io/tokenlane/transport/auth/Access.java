package io.tokenlane.transport.auth;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.auth.Admissions;
import io.tokenlane.core.auth.ApiKeys;
import io.tokenlane.core.auth.Principal;
import io.tokenlane.core.auth.Ticket;
import io.tokenlane.core.cluster.StreamDirectory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * Who may call the gateway, and how much: authenticates a request's credential (a gateway API key, or a JWT) into a
 * {@link Principal}, and admits its streams against the principal's models and limits. Shared by the
 * OpenAI-compatible API and the native protocol; one per gateway.
 *
 * <p>A credential is read from {@code Authorization: Bearer <credential>} or {@code x-api-key: <credential>}.
 */
public final class Access implements AutoCloseable {

  private final AuthOptions options;
  private final boolean required;
  private final Admissions admissions;
  private final JwtVerifier jwt;

  private Access(AuthOptions options, Admissions admissions, JwtVerifier jwt) {
    this.options = options;
    this.required = options.isRequired();
    this.admissions = admissions;
    this.jwt = jwt;
  }

  /**
   * Creates the access control; with JWT validation configured, starts fetching the identity provider's keys.
   *
   * @param vertx the Vert.x instance
   * @param options the authentication settings
   * @param directory where concurrency slots and quotas live (the cluster's, when clustered)
   * @return the access control; {@link #close()} it with the gateway
   */
  public static Access create(Vertx vertx, AuthOptions options, StreamDirectory directory) {
    JwtVerifier jwt = options.jwt() == null ? null : new JwtVerifier(vertx, options.jwt());
    if (jwt != null) {
      jwt.fetch();
    }
    return new Access(options, new Admissions(directory.quotas(), directory), jwt);
  }

  /** @return no authentication and no limit: every request is {@link Principal#ANONYMOUS} */
  public static Access open() {
    return new Access(AuthOptions.none(), Admissions.unlimited(), null);
  }

  /** @return whether clients must present a credential */
  public boolean required() {
    return required;
  }

  /**
   * The principal of a request.
   *
   * @param request the request
   * @return the principal ({@link Principal#ANONYMOUS} when authentication is off), or a failed future with a 401
   *     {@link GatewayException}: {@code invalid_api_key} or {@code api_key_expired}
   */
  public Future<Principal> authenticate(HttpServerRequest request) {
    if (!required) {
      return Future.succeededFuture(Principal.ANONYMOUS);
    }
    return authenticate(credential(request));
  }

  /**
   * The principal of a credential.
   *
   * @param credential an API key or a JWT, possibly {@code null}
   * @return as {@link #authenticate(HttpServerRequest)}
   */
  public Future<Principal> authenticate(String credential) {
    if (!required) {
      return Future.succeededFuture(Principal.ANONYMOUS);
    }
    if (credential == null || credential.isEmpty()) {
      return Future.failedFuture(GatewayException.unauthorized("invalid_api_key",
        "an API key is required: send Authorization: Bearer <key> (or x-api-key)"));
    }
    Principal principal;
    try {
      principal = options.keys().authenticate(credential, System.currentTimeMillis());
    } catch (GatewayException e) {
      return Future.failedFuture(e);
    }
    if (principal != null) {
      return Future.succeededFuture(principal);
    }
    if (jwt != null && looksLikeJwt(credential)) {
      return jwt.verify(credential);
    }
    return Future.failedFuture(GatewayException.unauthorized("invalid_api_key", "the API key is not valid"));
  }

  /**
   * The principal a session token names, as it stands now.
   *
   * @param principalId the id in the token
   * @return the principal, or {@code null} when it may no longer use the gateway (its key was removed or expired)
   */
  public Principal principal(String principalId) {
    if (!required) {
      return Principal.ANONYMOUS;
    }
    if (principalId.startsWith(ApiKeys.ID_PREFIX)) {
      Principal key = options.keys().byId(principalId);
      return key == null || key.expired(System.currentTimeMillis()) ? null : key;
    }
    if (jwt != null && principalId.startsWith("jwt:")) {
      return jwt.principal(principalId, 0);
    }
    return null;
  }

  /**
   * Admits a stream of a principal ({@link Admissions#admit}).
   *
   * @param principal who asks
   * @param body a validated chat-completions body
   * @return the ticket, or a failed future with a 403 or 429 {@link GatewayException}
   */
  public Future<Ticket> admit(Principal principal, JsonObject body) {
    return admissions.admit(principal, body);
  }

  /**
   * Admits a prompt re-issued on this member after the member that ran it was lost (see
   * {@link io.tokenlane.core.stream.StreamHub#readmitWith}).
   *
   * @param described the first ticket's {@link Ticket#describe()}, or {@code null}
   * @param body the prompt
   * @return the ticket, or a failed future when the principal is now over a limit
   */
  public Future<Ticket> readmit(JsonObject described, JsonObject body) {
    return admissions.readmit(described, body);
  }

  /**
   * @param request a request
   * @return the credential it presents, or {@code null}
   */
  public static String credential(HttpServerRequest request) {
    String header = request.getHeader("authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    String apiKey = request.getHeader("x-api-key");
    return apiKey == null ? null : apiKey.trim();
  }

  private static boolean looksLikeJwt(String credential) {
    int first = credential.indexOf('.');
    return first > 0 && credential.indexOf('.', first + 1) > first && credential.length() <= 16 * 1024;
  }

  @Override
  public void close() {
    if (jwt != null) {
      jwt.close();
    }
  }
}
