package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenlane.testkit.openai.Script;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One stream cannot pin unbounded readers: the connections reading it at once on a member (SSE and WebSocket
 * followers, waiting long-polls) are bounded by {@code streams.maxReadersPerStream}; one more gets 429
 * {@code too_many_readers}, and a reader that leaves makes room.
 */
class FanOutBoundTest extends NativeTestBase {

  @Override
  protected String yaml() {
    return """
      streams:
        maxReadersPerStream: 4
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
  void readersOfOneStreamAreBoundedOnEveryTransport() throws Exception {
    // The first token comes long after the test is over (it cancels the stream): a poll never finds one waiting.
    upstream.enqueue(Script.tokens("a ", "b ").delay(Duration.ofMinutes(10)));
    String id = client.start(token, prompt("fake", "hi"));
    List<NativeClient.Sse> readers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      NativeClient.Sse sse = client.sse(token, id, null);
      sse.awaitEvents(events -> !events.isEmpty());
      readers.add(sse);
    }
    NativeClient.Reply fifth = client.request(HttpMethod.GET, "/v1/streams/" + id + "/events", token, null);
    assertEquals(429, fifth.status(), fifth.body());
    assertEquals("too_many_readers", fifth.errorCode());
    NativeClient.Reply poll = client.poll(token, id, 1, 1000);
    assertEquals(429, poll.status(), poll.body());
    NativeClient.Ws ws = client.readyWs(token);
    ws.send(new JsonObject().put("type", "resume").put("streamId", id).put("lastSeq", 0));
    assertEquals("too_many_readers", ws.awaitMessage(m -> "error".equals(m.getString("type"))).getString("code"));
    // One reader leaves: another gets in.
    readers.get(0).close();
    NativeClient.await("room for a reader", () -> {
      try {
        ws.send(new JsonObject().put("type", "resume").put("streamId", id).put("lastSeq", 0));
        NativeClient.await("an answer", () -> ws.messages().stream().filter(m -> "error".equals(m.getString("type"))).count() > 1
          || !ws.events(id).isEmpty(), 5_000);
        return !ws.events(id).isEmpty();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    client.cancel(token, id);
  }
}
