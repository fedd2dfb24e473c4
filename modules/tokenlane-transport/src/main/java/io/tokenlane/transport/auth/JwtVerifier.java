package io.tokenlane.transport.auth;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.auth.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;
import java.util.Set;

/**
 * Validates JWTs against an identity provider's JWKS with {@code vertx-auth-jwt}: signature (never {@code none}),
 * expiry, not-before, issuer and audience. The keys are fetched without blocking, refreshed periodically, and
 * fetched again (at most every 30 s) when a token fails, so that a key rotation is picked up.
 */
final class JwtVerifier implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(JwtVerifier.class.getName());
  /** A token naming an unknown key fetches the JWKS again, at most this often (tokens are attacker input). */
  private static final long REFETCH_MIN_INTERVAL_MS = 5_000;
  private static final int MAX_JWKS_BYTES = 1024 * 1024;

  private final Vertx vertx;
  private final JwtOptions options;
  private final HttpClient client;
  private final long timerId;
  private volatile JWTAuth auth;
  private volatile java.util.Set<String> kids = java.util.Set.of();
  private volatile long lastFetchMs;
  private volatile Future<Void> fetching;

  JwtVerifier(Vertx vertx, JwtOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000));
    this.timerId = vertx.setPeriodic(options.refreshMs(), t -> fetch());
  }

  /** @return completes when the keys were fetched once (or failed to be) */
  Future<Void> fetch() {
    Future<Void> running = fetching;
    if (running != null && !running.isComplete()) {
      return running;
    }
    lastFetchMs = System.currentTimeMillis();
    Future<Void> fetched = client.request(new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(options.jwksUri()).setIdleTimeout(10_000))
      .compose(request -> request.send())
      .compose(response -> {
        if (response.statusCode() != 200) {
          return Future.failedFuture("HTTP " + response.statusCode());
        }
        String length = response.getHeader("content-length");
        if (length != null && length.length() > 8) {
          return Future.failedFuture("the JWKS is too large");
        }
        return response.body();
      })
      .map(body -> {
        if (body.length() > MAX_JWKS_BYTES) {
          throw new IllegalStateException("the JWKS is larger than " + MAX_JWKS_BYTES + " bytes");
        }
        JsonArray keys = new JsonObject(body).getJsonArray("keys");
        JWTAuthOptions authOptions = new JWTAuthOptions().setJWTOptions(jwtOptions());
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Object key : keys) {
          if (key instanceof JsonObject jwk && !"enc".equals(jwk.getString("use"))) {
            authOptions.addJwk(jwk);
            if (jwk.getValue("kid") instanceof String kid) {
              ids.add(kid);
            }
          }
        }
        auth = JWTAuth.create(vertx, authOptions);
        kids = Set.copyOf(ids);
        return (Void) null;
      })
      .onFailure(e -> LOG.log(System.Logger.Level.WARNING, "cannot load the JWKS from " + options.jwksUri() + ": "
        + e.getMessage()));
    fetching = fetched;
    return fetched;
  }

  private JWTOptions jwtOptions() {
    JWTOptions jwt = new JWTOptions().setLeeway(options.leewaySeconds());
    if (!options.issuer().isEmpty()) {
      jwt.setIssuer(options.issuer());
    }
    if (!options.audience().isEmpty()) {
      jwt.setAudience(List.of(options.audience()));
    }
    return jwt;
  }

  /**
   * @param token a compact JWT
   * @return its principal, {@code jwt:<sub>}, or a failed future with a 401
   */
  Future<Principal> verify(String token) {
    return verifyOnce(token).recover(failure -> {
      String kid = kid(token);
      if (kid == null || kids.contains(kid) || System.currentTimeMillis() - lastFetchMs < REFETCH_MIN_INTERVAL_MS) {
        return Future.failedFuture(failure);
      }
      // Maybe signed with a key published since the last fetch.
      return fetch().transform(v -> verifyOnce(token));
    });
  }

  /** @return the {@code kid} of a token's header, or {@code null} */
  private static String kid(String token) {
    try {
      String header = new String(java.util.Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
        java.nio.charset.StandardCharsets.UTF_8);
      return new JsonObject(header).getValue("kid") instanceof String kid ? kid : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private Future<Principal> verifyOnce(String token) {
    JWTAuth current = auth;
    if (current == null) {
      return Future.failedFuture(GatewayException.unauthorized("invalid_api_key",
        "the gateway cannot validate JWTs yet (its identity provider's keys are not loaded)"));
    }
    return current.authenticate(new TokenCredentials(token)).transform(done -> {
      if (done.failed()) {
        return Future.failedFuture(GatewayException.unauthorized("invalid_api_key",
          "the JWT is not valid (signature, expiry, issuer or audience)"));
      }
      JsonObject claims = done.result().attributes().getJsonObject("accessToken", new JsonObject());
      Object sub = claims.getValue("sub");
      if (!(sub instanceof String subject) || subject.isEmpty() || subject.length() > Principal.MAX_ID_LENGTH - 4) {
        return Future.failedFuture(GatewayException.unauthorized("invalid_api_key",
          "the JWT has no usable sub claim"));
      }
      if (!(claims.getValue("exp") instanceof Number exp)) {
        // A token that never expires is a credential that cannot be revoked: refused.
        return Future.failedFuture(GatewayException.unauthorized("invalid_api_key", "the JWT has no exp claim"));
      }
      long expiresAt = exp.longValue() * 1000;
      return Future.succeededFuture(principal("jwt:" + subject, expiresAt));
    });
  }

  Principal principal(String principalId, long expiresAtMs) {
    return new Principal(principalId, null, options.models(), options.limits(), expiresAtMs);
  }

  @Override
  public void close() {
    vertx.cancelTimer(timerId);
    client.close();
  }
}
