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
 * Issues and verifies session tokens, signed with HMAC-SHA256. A token carries everything needed to check it, so
 * any gateway instance that shares the secret verifies it without shared state:
 * <ul>
 *   <li>a session token, {@code v2.<sessionId>.<principal>.<expiresAtMillis>.<signature>}, for the
 *   {@code Authorization} header;</li>
 *   <li>a URL token, {@code u2.<sessionId>.<principal>.<urlExpiresAtMillis>.<expiresAtMillis>.<signature>}, for the
 *   URLs of the browser APIs that cannot send headers (WebSocket, EventSource): valid for opening a connection for a
 *   short time only, so that a URL that leaks into a log or a proxy is soon worthless.</li>
 * </ul>
 * A session belongs to the principal that minted it (an API key, a JWT subject): the principal's id is in the token,
 * and a short tag of it ends the session id ({@code s-<random>~<tag>}), so that sessions of one principal are
 * recognised without a lookup.
 *
 * <p>Thread-safe.
 */
public final class SessionTokens {

  /**
   * A session as handed to a client.
   *
   * @param id the session id
   * @param token the session token
   * @param expiresAt when the session ends (epoch ms)
   * @param urlToken a URL token of the session
   * @param urlTokenExpiresAt until when the URL token opens connections
   */
  public record Session(String id, String token, long expiresAt, String urlToken, long urlTokenExpiresAt) {
  }

  /**
   * What a valid token says.
   *
   * @param sessionId the session
   * @param principalId who minted it
   * @param expiresAt when the session ends (epoch ms): a connection opened with the token serves no new request after
   * @param inUrlForm whether it is a URL token
   */
  public record Claims(String sessionId, String principalId, long expiresAt, boolean inUrlForm) {
  }

  /** Default validity of a URL token: 60 s, long enough to open a connection, or reconnect after a blip. */
  public static final long DEFAULT_URL_TTL_MS = 60_000;
  /** Longest token looked at. */
  public static final int MAX_TOKEN_LENGTH = 1024;

  private static final String VERSION = "v2";
  private static final String URL_VERSION = "u2";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  private final long ttlMillis;
  private final long urlTtlMillis;
  private final LongSupplier clock;
  private final ThreadLocal<Mac> macs;

  /**
   * Creates the token service, with URL tokens valid for {@link #DEFAULT_URL_TTL_MS}.
   *
   * @param secret the signing secret, at least 32 bytes
   * @param ttlMillis how long a session is valid
   * @param millisClock the wall clock, {@code System::currentTimeMillis} outside tests
   */
  public SessionTokens(byte[] secret, long ttlMillis, LongSupplier millisClock) {
    this(secret, ttlMillis, DEFAULT_URL_TTL_MS, millisClock);
  }

  /**
   * Creates the token service.
   *
   * @param secret the signing secret, at least 32 bytes
   * @param ttlMillis how long a session is valid
   * @param urlTtlMillis how long a URL token opens connections
   * @param millisClock the wall clock, {@code System::currentTimeMillis} outside tests
   */
  public SessionTokens(byte[] secret, long ttlMillis, long urlTtlMillis, LongSupplier millisClock) {
    if (secret.length < 32) {
      throw new IllegalArgumentException("the session secret must be at least 32 bytes");
    }
    if (ttlMillis < 1 || urlTtlMillis < 1) {
      throw new IllegalArgumentException("ttl must be at least 1 ms");
    }
    this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
    this.ttlMillis = ttlMillis;
    this.urlTtlMillis = urlTtlMillis;
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

  /** @return a new anonymous session (a gateway without authentication) */
  public Session issue() {
    return issue(io.tokenlane.core.auth.Principal.ANONYMOUS.id());
  }

  /**
   * A new session of a principal.
   *
   * @param principalId who mints it
   * @return the session, with its token and a URL token
   */
  public Session issue(String principalId) {
    return issue(principalId, 0);
  }

  /**
   * A new session of a principal that expires itself (a key with an expiry, a JWT's {@code exp}).
   *
   * @param principalId who mints it
   * @param notAfterMs when the principal expires (epoch ms), the session with it; 0: the TTL alone decides
   * @return the session, with its token and a URL token
   */
  public Session issue(String principalId, long notAfterMs) {
    boolean anonymous = io.tokenlane.core.auth.Principal.ANONYMOUS.id().equals(principalId);
    String id = randomId("s-") + (anonymous ? "" : "~" + io.tokenlane.core.auth.Principal.tag(principalId));
    long expiresAt = clock.getAsLong() + ttlMillis;
    if (notAfterMs > 0) {
      expiresAt = Math.min(expiresAt, notAfterMs);
    }
    String payload = VERSION + "." + id + "." + B64.encodeToString(principalId.getBytes(StandardCharsets.UTF_8))
      + "." + expiresAt;
    Claims claims = new Claims(id, principalId, expiresAt, false);
    String urlToken = urlToken(claims);
    return new Session(id, payload + "." + sign(payload), expiresAt, urlToken, urlTokenExpiry(urlToken));
  }

  /**
   * A fresh URL token of a session, valid for opening connections for the URL-token TTL (never past the session).
   *
   * @param session a verified session
   * @return the URL token
   */
  public String urlToken(Claims session) {
    long urlExpiresAt = Math.min(session.expiresAt(), clock.getAsLong() + urlTtlMillis);
    String payload = URL_VERSION + "." + session.sessionId() + "."
      + B64.encodeToString(session.principalId().getBytes(StandardCharsets.UTF_8)) + "." + urlExpiresAt + "."
      + session.expiresAt();
    return payload + "." + sign(payload);
  }

  /**
   * @param urlToken a URL token this service issued
   * @return until when it opens connections (epoch ms)
   */
  public static long urlTokenExpiry(String urlToken) {
    return Long.parseLong(urlToken.split("\\.", -1)[3]);
  }

  /**
   * Checks a session token or a URL token.
   *
   * @param token what the client presented, possibly {@code null}
   * @return its claims, or {@code null} when the token is missing, malformed, forged or expired
   */
  public Claims verify(String token) {
    if (token == null || token.length() > MAX_TOKEN_LENGTH) {
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
    try {
      long now = clock.getAsLong();
      if (parts.length == 4 && VERSION.equals(parts[0])) {
        long expiresAt = Long.parseLong(parts[3]);
        return expiresAt > now ? new Claims(parts[1], principal(parts[2]), expiresAt, false) : null;
      }
      if (parts.length == 5 && URL_VERSION.equals(parts[0])) {
        long expiresAt = Long.parseLong(parts[4]);
        return Long.parseLong(parts[3]) > now && expiresAt > now
          ? new Claims(parts[1], principal(parts[2]), expiresAt, true) : null;
      }
      return null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Whether a stream of one session may be read by another: the same session always; with multi-device continuity,
   * any session of the same (authenticated) principal.
   *
   * @param streamSession the session that started the stream
   * @param askingSession the session asking
   * @param acrossSessions whether multi-device continuity is on
   * @return whether to allow it
   */
  public static boolean mayAccess(String streamSession, String askingSession, boolean acrossSessions) {
    if (streamSession == null || askingSession == null) {
      return false;
    }
    if (streamSession.equals(askingSession)) {
      return true;
    }
    if (!acrossSessions) {
      return false;
    }
    int a = streamSession.indexOf('~');
    int b = askingSession.indexOf('~');
    return a > 0 && b > 0 && streamSession.regionMatches(a, askingSession, b, streamSession.length() - a)
      && streamSession.length() - a == askingSession.length() - b;
  }

  private static String principal(String encoded) {
    return new String(B64_DECODER.decode(encoded), StandardCharsets.UTF_8);
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
