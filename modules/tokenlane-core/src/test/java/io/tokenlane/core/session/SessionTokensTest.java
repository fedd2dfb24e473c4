package io.tokenlane.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    assertEquals(session.id(), tokens.verify(session.token()));
    assertEquals(session.id(), new SessionTokens(SECRET, 1, now::get).verify(session.token()));
    assertEquals(1_060_000, session.expiresAt());
  }

  @Test
  void sessionsGetDistinctUnguessableIds() {
    assertNotEquals(tokens.issue().id(), tokens.issue().id());
    assertEquals(2 + 22, tokens.issue().id().length(), "s- and 128 bits in base64url");
  }

  @Test
  void aTokenSignedWithAnotherSecretIsRefused() {
    byte[] other = SECRET.clone();
    other[0] ^= 1;
    assertNull(new SessionTokens(other, 60_000, now::get).verify(tokens.issue().token()));
  }

  @Test
  void aTokenWithAnyPartChangedIsRefused() {
    String token = tokens.issue().token();
    String[] parts = token.split("\\.");
    assertNull(tokens.verify(parts[0] + "." + "s-someoneelse" + "." + parts[2] + "." + parts[3]));
    assertNull(tokens.verify(parts[0] + "." + parts[1] + "." + (Long.parseLong(parts[2]) + 1) + "." + parts[3]));
    assertNull(tokens.verify("v2." + parts[1] + "." + parts[2] + "." + parts[3]));
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
    for (String bad : new String[] {null, "", ".", "...", "v1", "v1.a.b.c.d", "x".repeat(1000), "v1.s-a.notanumber.sig"}) {
      assertNull(tokens.verify(bad), String.valueOf(bad));
    }
  }

  @Test
  void aShortSecretIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new SessionTokens(new byte[16], 1000, now::get));
  }
}
