package io.tokenlane.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Set;

/**
 * Who calls the gateway: an API key ({@code key:<id>}), a JWT subject ({@code jwt:<sub>}), or, when
 * authentication is off, {@link #ANONYMOUS}. Session tokens carry the principal's id, so a session belongs to the
 * principal that minted it.
 *
 * @param id the principal's id, unique across kinds
 * @param owner who the principal belongs to (a team, a person), for operators; may be {@code null}
 * @param models the public models it may use; empty: every model
 * @param limits what it may spend
 * @param expiresAtMs when it stops being valid (epoch ms); 0: never
 */
public record Principal(String id, String owner, Set<String> models, Limits limits, long expiresAtMs) {

  /** Anyone, when authentication is off: every model, no limit. */
  public static final Principal ANONYMOUS = new Principal("anonymous", null, Set.of(), Limits.NONE, 0);

  /** Longest principal id accepted (a JWT subject past it is refused). */
  public static final int MAX_ID_LENGTH = 256;

  public Principal {
    models = Set.copyOf(models);
  }

  /**
   * @param model a public model name
   * @return whether this principal may use it
   */
  public boolean allows(String model) {
    return models.isEmpty() || models.contains(model);
  }

  /** @return whether this is the principal of a gateway without authentication */
  public boolean anonymous() {
    return this == ANONYMOUS || ANONYMOUS.id.equals(id);
  }

  /**
   * @param nowMs the wall clock
   * @return whether the principal has expired
   */
  public boolean expired(long nowMs) {
    return expiresAtMs > 0 && nowMs >= expiresAtMs;
  }

  /**
   * A short, stable tag of a principal id, part of every session id it mints: sessions of one principal are
   * recognisable without a lookup (multi-device continuity), and the id is not revealed.
   *
   * @param principalId the id
   * @return 12 URL-safe characters
   */
  public static String tag(String principalId) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(principalId.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
