package io.tokenlane.core.session;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and verifies session tokens: {@code v1.<sessionId>.<expiresAtMillis>.<signature>}, signed with
 * HMAC-SHA256. A token carries everything needed to check it, so any gateway instance that shares the secret
 * verifies it without shared state.
 *
 * <p>Thread-safe.
 */
public final class SessionTokens {

  /** A session as handed to a client. */
  public record Session(String id, String token, long expiresAt) {
  }

  private static final String VERSION = "v1";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  private final long ttlMillis;
  private final LongSupplier clock;
  private final ThreadLocal<Mac> macs;

  /**
   * Creates the token service.
   *
   * @param secret the signing secret, at least 32 bytes
   * @param ttlMillis how long a token is valid
   * @param millisClock the wall clock, {@code System::currentTimeMillis} outside tests
   */
  public SessionTokens(byte[] secret, long ttlMillis, LongSupplier millisClock) {
    if (secret.length < 32) {
      throw new IllegalArgumentException("the session secret must be at least 32 bytes");
    }
    if (ttlMillis < 1) {
      throw new IllegalArgumentException("ttl must be at least 1 ms");
    }
    this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
    this.ttlMillis = ttlMillis;
    this.clock = millisClock;
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /**
   * A secret from a random source, for a single instance that was given none.
   *
   * @return 32 random bytes
   */
  public static byte[] randomSecret() {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return secret;
  }

  /**
   * A random, unguessable id.
   *
   * @param prefix what the id starts with ({@code s-}, {@code st-})
   * @return the prefix and 128 random bits
   */
  public static String randomId(String prefix) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return prefix + B64.encodeToString(bytes);
  }

  /** @return a new session with a fresh id */
  public Session issue() {
    String id = randomId("s-");
    long expiresAt = clock.getAsLong() + ttlMillis;
    String payload = VERSION + "." + id + "." + expiresAt;
    return new Session(id, payload + "." + sign(payload), expiresAt);
  }

  /**
   * Checks a token.
   *
   * @param token what the client presented, possibly {@code null}
   * @return the session id, or {@code null} when the token is missing, malformed, forged or expired
   */
  public String verify(String token) {
    if (token == null || token.length() > 256) {
      return null;
    }
    int signatureAt = token.lastIndexOf('.');
    if (signatureAt < 0) {
      return null;
    }
    String payload = token.substring(0, signatureAt);
    byte[] expected = sign(payload).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, token.substring(signatureAt + 1).getBytes(StandardCharsets.US_ASCII))) {
      return null;
    }
    String[] parts = payload.split("\\.", -1);
    if (parts.length != 3 || !VERSION.equals(parts[0])) {
      return null;
    }
    try {
      return Long.parseLong(parts[2]) > clock.getAsLong() ? parts[1] : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private String sign(String payload) {
    return B64.encodeToString(macs.get().doFinal(payload.getBytes(StandardCharsets.UTF_8)));
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
