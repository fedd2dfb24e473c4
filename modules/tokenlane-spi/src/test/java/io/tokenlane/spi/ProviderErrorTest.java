package io.tokenlane.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class ProviderErrorTest {

  @Test
  void upstreamStatusesMapToStableCodes() {
    assertEquals(ProviderError.UPSTREAM_AUTH, ProviderError.fromUpstreamStatus(401, "m").code());
    assertEquals(ProviderError.UPSTREAM_AUTH, ProviderError.fromUpstreamStatus(403, "m").code());
    assertEquals(429, ProviderError.fromUpstreamStatus(429, "m").httpStatus());
    assertEquals(ProviderError.RATE_LIMITED, ProviderError.fromUpstreamStatus(429, "m").code());
    assertEquals(ProviderError.TIMEOUT, ProviderError.fromUpstreamStatus(504, "m").code());
    assertEquals(ProviderError.OVERLOADED, ProviderError.fromUpstreamStatus(529, "m").code());
    assertEquals(503, ProviderError.fromUpstreamStatus(503, "m").httpStatus());
    assertEquals(ProviderError.INVALID_REQUEST, ProviderError.fromUpstreamStatus(422, "m").code());
    assertEquals(ProviderError.UPSTREAM_ERROR, ProviderError.fromUpstreamStatus(500, "m").code());
  }

  @Test
  void retryAfterIsReadAsSecondsOrAnHttpDateAndBounded() {
    assertEquals(2000, ProviderError.fromUpstreamStatus(429, "m", "2").retryAfterMs());
    assertEquals(1500, ProviderError.parseRetryAfter(" 1.5 "));
    assertEquals(86_400_000L, ProviderError.parseRetryAfter("99999999999999999999999"));
    assertEquals(-1, ProviderError.parseRetryAfter("-3"));
    assertEquals(-1, ProviderError.parseRetryAfter("NaN"));
    assertEquals(-1, ProviderError.parseRetryAfter("soon"));
    assertEquals(-1, ProviderError.parseRetryAfter(null));
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
    long millis = ProviderError.parseRetryAfter(date);
    assertTrue(millis > 20_000 && millis <= 30_000, "an HTTP date 30 s ahead gave " + millis);
    assertEquals(-1, new ProviderError("x", "m", 500).retryAfterMs(), "the 1.0 constructor has no hint");
  }

  @Test
  void onlyCredentialAndRequestErrorsAreNotRetryable() {
    assertFalse(ProviderError.fromUpstreamStatus(401, "m").isRetryable());
    assertFalse(ProviderError.fromUpstreamStatus(400, "m").isRetryable());
    assertTrue(ProviderError.fromUpstreamStatus(429, "m").isRetryable());
    assertTrue(ProviderError.fromUpstreamStatus(529, "m").isRetryable());
    assertTrue(ProviderError.unavailable("m").isRetryable());
    assertTrue(ProviderError.timeout("m").isRetryable());
  }
}
