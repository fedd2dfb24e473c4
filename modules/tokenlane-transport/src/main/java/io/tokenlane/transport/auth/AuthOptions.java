package io.tokenlane.transport.auth;

import io.tokenlane.core.auth.ApiKeys;

/**
 * How the gateway authenticates its own clients.
 *
 * @param required whether a credential is required: {@code null} for "when keys or JWT are configured"
 * @param keys the API keys
 * @param jwt JWT validation, or {@code null}
 */
public record AuthOptions(Boolean required, ApiKeys keys, JwtOptions jwt) {

  /** @return no authentication: every client is {@link io.tokenlane.core.auth.Principal#ANONYMOUS} */
  public static AuthOptions none() {
    return new AuthOptions(Boolean.FALSE, ApiKeys.none(), null);
  }

  /** @return whether clients must present a credential */
  public boolean isRequired() {
    return required != null ? required : !keys.isEmpty() || jwt != null;
  }
}
