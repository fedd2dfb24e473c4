package io.tokenlane.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.cluster.StreamDirectory;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A prompt re-issued on another member after its member was lost counts against the same principal: the first
 * ticket describes the principal (id and limits, never a credential), and the re-admission uses that description.
 */
class ReadmitTest {

  private static final JsonObject BODY = new JsonObject().put("model", "m")
    .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));

  @Test
  void theReissuedPromptIsAdmittedAgainstTheSamePrincipalsLimits() {
    Admissions admissions = new Admissions(QuotaStore.local(), StreamDirectory.local());
    Limits oneRequest = new Limits(60, 1, 0, 0, 0, Limits.BudgetPeriod.TOTAL);
    Principal key = new Principal("key-1", "team", Set.of("m"), oneRequest, 0);

    Ticket first = admissions.admit(key, BODY).result();
    JsonObject described = first.describe();
    assertEquals("key-1", described.getString("principal"));
    assertEquals(oneRequest.toJson(), described.getJsonObject("limits"));
    assertFalse(described.encode().contains("team"), "only the id and the limits travel");

    // The bucket held one request, which the first prompt took: the re-issue is counted, and refused.
    Future<Ticket> again = admissions.readmit(described, BODY);
    assertTrue(again.failed());
    assertEquals("rate_limit_exceeded", ((GatewayException) again.cause()).code());

    // Another principal's bucket is untouched.
    JsonObject other = described.copy().put("principal", "key-2");
    assertTrue(admissions.readmit(other, BODY).succeeded());
  }

  @Test
  void aPromptThatCountedNothingIsReissuedWithoutLimits() {
    Admissions admissions = new Admissions(QuotaStore.local(), StreamDirectory.local());
    assertNull(Ticket.NONE.describe());
    assertSame(Ticket.NONE, admissions.readmit(null, BODY).result());
  }
}
