package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.Script;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A long-poll woken by a new event, once its client has the beginning of the answer, lingers so that the next
 * events ride in the same answer: one request per few tokens instead of one per token. The first token is never
 * held back.
 */
class LongPollLingerTest extends NativeTestBase {

  @Override
  protected String yaml() {
    return """
      transports:
        pollLingerMs: 1000
      providers:
        fake:
          type: openai
          config:
            baseUrl: ${UPSTREAM}
      models:
        fake: { provider: fake, model: gpt-4o-mini }
      """;
  }

  @Test
  void theFirstTokenComesAloneAndLaterOnesAreBatchedWithinTheLinger() throws Exception {
    // Tokens 250 ms apart: a poll answered at once holds one; one that lingers 1 s holds several.
    upstream.enqueue(Script.tokens("a", "b", "c").delay(Duration.ofMillis(250)));
    String id = client.start(token, prompt("fake", "hi"));

    JsonObject first = client.poll(token, id, 1, 10_000).json();
    JsonArray firstEvents = first.getJsonArray("events");
    assertEquals(1, firstEvents.size(), firstEvents.encode());
    assertEquals("a", firstEvents.getJsonObject(0).getString("text"), "the first token at once, not lingered");

    JsonObject next = client.poll(token, id, first.getLong("nextCursor"), 10_000).json();
    JsonArray nextEvents = next.getJsonArray("events");
    assertTrue(nextEvents.size() >= 2, "b woke the poll and c joined it within the linger: " + nextEvents.encode());
    assertEquals("b", nextEvents.getJsonObject(0).getString("text"));
    assertEquals("c", nextEvents.getJsonObject(1).getString("text"));
    assertEquals("abc", NativeClient.text(client.pollToEnd(token, id, 1)), "nothing lost or repeated");
  }
}
