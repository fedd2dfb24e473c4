package io.tokenlane.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SessionTokensTest {

  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final SessionTokens tokens = new SessionTokens(SECRET, 60_000, now::get);

  @Test
  void anIssuedTokenVerifiesToItsSessionOnAnyInstanceWithTheSameSecret() {
    SessionTokens.Session session = tokens.issue();
    assertEquals(session.id(), tokens.verify(session.token()).sessionId());
    assertEquals(session.id(), new SessionTokens(SECRET, 1, now::get).verify(session.token()).sessionId());
    assertEquals(1_060_000, session.expiresAt());
    assertEquals("anonymous", tokens.verify(session.token()).principalId());
  }

  @Test
  void aSessionCarriesItsPrincipalAndNeverOutlivesIt() {
    SessionTokens.Session session = tokens.issue("key:team-a", 1_030_000);
    SessionTokens.Claims claims = tokens.verify(session.token());
    assertEquals("key:team-a", claims.principalId());
    assertEquals(1_030_000, claims.expiresAt(), "the key expires first");
    assertTrue(session.id().endsWith("~" + io.tokenlane.core.auth.Principal.tag("key:team-a")));
    // Another principal's tag cannot be forged into a token: the id is signed.
    String[] parts = session.token().split("\\.");
    String other = tokens.issue("key:team-b").id();
    assertNull(tokens.verify(parts[0] + "." + other + "." + parts[2] + "." + parts[3] + "." + parts[4]));
  }

  @Test
  void aUrlTokenOpensConnectionsForAShortTimeAndNamesTheSameSession() {
    SessionTokens shortUrls = new SessionTokens(SECRET, 60_000, 5_000, now::get);
    SessionTokens.Session session = shortUrls.issue("key:team-a");
    assertEquals(1_005_000, session.urlTokenExpiresAt());
    SessionTokens.Claims claims = shortUrls.verify(session.urlToken());
    assertTrue(claims.inUrlForm());
    assertEquals(session.id(), claims.sessionId());
    assertEquals(session.expiresAt(), claims.expiresAt(), "a connection it opens lives as long as the session");
    now.addAndGet(5_000);
    assertNull(shortUrls.verify(session.urlToken()), "expired for opening connections");
    assertEquals(session.id(), shortUrls.verify(session.token()).sessionId(), "the session lives on");
    String fresh = shortUrls.urlToken(shortUrls.verify(session.token()));
    assertEquals(session.id(), shortUrls.verify(fresh).sessionId());
  }

  @Test
  void multiDeviceAccessIsForTheSamePrincipalOnly() {
    String a1 = tokens.issue("key:a").id();
    String a2 = tokens.issue("key:a").id();
    String b = tokens.issue("key:b").id();
    String anonymous1 = tokens.issue().id();
    String anonymous2 = tokens.issue().id();
    assertTrue(SessionTokens.mayAccess(a1, a1, false));
    assertFalse(SessionTokens.mayAccess(a1, a2, false));
    assertTrue(SessionTokens.mayAccess(a1, a2, true));
    assertFalse(SessionTokens.mayAccess(a1, b, true));
    assertFalse(SessionTokens.mayAccess(anonymous1, anonymous2, true), "sessions without a principal never share");
  }

  @Test
  void sessionsGetDistinctUnguessableIds() {
    assertNotEquals(tokens.issue().id(), tokens.issue().id());
    assertEquals(2 + 22, tokens.issue().id().length(), "s- and 128 bits in base64url");
    assertEquals(2 + 22 + 1 + 12, tokens.issue("key:a").id().length(), "and ~ and the principal's tag");
  }

  @Test
  void aTokenSignedWithAnotherSecretIsRefused() {
    byte[] other = SECRET.clone();
    other[0] ^= 1;
    assertNull(new SessionTokens(other, 60_000, now::get).verify(tokens.issue().token()));
  }

  @Test
  void aTokenWithAnyPartChangedIsRefused() {
    String token = tokens.issue("key:a").token();
    String[] parts = token.split("\\.");
    assertNull(tokens.verify(parts[0] + "." + "s-someoneelse" + "." + parts[2] + "." + parts[3] + "." + parts[4]));
    assertNull(tokens.verify(parts[0] + "." + parts[1] + "." + "a2V5OmI" + "." + parts[3] + "." + parts[4]));
    assertNull(tokens.verify(parts[0] + "." + parts[1] + "." + parts[2] + "." + (Long.parseLong(parts[3]) + 1) + "." + parts[4]));
    assertNull(tokens.verify("u2." + parts[1] + "." + parts[2] + "." + parts[3] + "." + parts[4]));
    assertNull(tokens.verify("v1." + parts[1] + "." + parts[3] + "." + parts[4]), "the old format is not accepted");
    assertNull(tokens.verify(token.substring(0, token.length() - 1)));
  }

  @Test
  void anExpiredTokenIsRefused() {
    String token = tokens.issue().token();
    now.addAndGet(59_999);
    assertNotEquals(null, tokens.verify(token), "still valid one ms before");
    now.addAndGet(1);
    assertNull(tokens.verify(token));
  }

  @Test
  void malformedTokensAreRefusedWithoutExceptions() {
    for (String bad : new String[] {null, "", ".", "...", "v1", "v1.a.b.c.d", "x".repeat(1000), "v1.s-a.notanumber.sig",
        "v2.s-a.%%%.1.sig", "v2.s-a.YQ.99999999999999999999999.sig", "u2.s-a.YQ.1.2.3.sig"}) {
      assertNull(tokens.verify(bad), String.valueOf(bad));
    }
  }

  @Test
  void aShortSecretIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new SessionTokens(new byte[16], 1000, now::get));
  }
}
