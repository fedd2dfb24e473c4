package io.tokenlane.transport.auth;

import io.tokenlane.core.auth.Limits;
import java.util.Set;

/**
 * JWT validation: tokens signed by an identity provider whose public keys are published as a JWKS.
 *
 * @param jwksUri where the provider publishes its keys (https; fetched at start, every {@code refreshMs}, and
 *     again, at most every 30 s, when a token names an unknown key)
 * @param issuer the {@code iss} every token must carry; empty: not checked
 * @param audience the {@code aud} every token must carry; empty: not checked
 * @param models the public models JWT principals may use; empty: every model
 * @param limits the limits of every JWT principal (each subject counted on its own)
 * @param refreshMs how often the keys are fetched again
 * @param leewaySeconds clock skew allowed on {@code exp} and {@code nbf}
 */
public record JwtOptions(String jwksUri, String issuer, String audience, Set<String> models, Limits limits,
                         long refreshMs, int leewaySeconds) {

  public JwtOptions {
    models = Set.copyOf(models);
  }
}
