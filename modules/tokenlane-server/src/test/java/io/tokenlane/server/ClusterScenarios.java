package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The cluster scenarios that run both on members in one JVM ({@link ClusterTest}, fast) and on member JVMs
 * ({@link ClusterIT}, as operators run them): the same assertions, whatever the members are.
 */
final class ClusterScenarios {

  private final IntFunction<NativeClient> member;
  private final FakeOpenAiUpstream upstream;

  /**
   * @param member a client of member n (0, 1, 2)
   * @param upstream the fake upstream every member's {@code fake} model streams from
   */
  ClusterScenarios(IntFunction<NativeClient> member, FakeOpenAiUpstream upstream) {
    this.member = member;
    this.upstream = upstream;
  }

  /**
   * The configuration of every member: model {@code fake} streams from the fake upstream.
   *
   * @param more further sections
   */
  static String config(FakeOpenAiUpstream upstream, String more) {
    return """
      providers:
        fake:
          type: openai
          config:
            baseUrl: %s
      models:
        fake: { provider: fake, model: gpt-4o-mini }
      """.formatted(upstream.baseUrl()) + more;
  }

  /** Started on member 0, read over SSE on member 1, cancelled on member 2: the upstream request closes. */
  void readElsewhereAndCancelFromAThird() throws Exception {
    upstream.enqueue(Script.stall());
    String token = member.apply(0).session().getString("token");
    String streamId = member.apply(0).start(token, NativeClient.prompt("fake", "hi"));
    NativeClient.Sse sse = member.apply(1).sse(token, streamId, null);
    sse.awaitEvents(events -> !events.isEmpty());
    int closedBefore = upstream.clientClosedCount();

    NativeClient.Reply cancel = member.apply(2).cancel(token, streamId);
    assertEquals(200, cancel.status(), cancel.body());
    assertEquals("cancelled", cancel.json().getString("reason"), cancel.body());
    upstream.awaitClientClosed(closedBefore + 1).await(10, TimeUnit.SECONDS);
    List<JsonObject> events = sse.awaitEnd();
    JsonObject end = events.get(events.size() - 1);
    assertEquals("cancelled", end.getString("reason"));
    assertEquals("cancelled_by_client", end.getString("code"));
    assertEquals(1, events.stream().filter(e -> "end".equals(e.getString("type"))).count());
  }

  /** Each poll on the next member: every event once, in order. */
  void longPollsAlternatingMembers(Script script, String whole) throws Exception {
    upstream.enqueue(script);
    String token = member.apply(1).session().getString("token");
    String streamId = member.apply(1).start(token, NativeClient.prompt("fake", "hi"));
    List<JsonObject> events = new ArrayList<>();
    long cursor = 0;
    for (int poll = 0; poll < 300; poll++) {
      NativeClient.Reply reply = member.apply(poll % 3).poll(token, streamId, cursor, 2000);
      assertEquals(200, reply.status(), reply.body());
      reply.json().getJsonArray("events").forEach(e -> events.add((JsonObject) e));
      cursor = reply.json().getLong("nextCursor");
      if (reply.json().getBoolean("ended")) {
        break;
      }
    }
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i + 1, events.get(i).getLong("seq"), "no gap, no duplicate: " + events);
    }
    NativeClient.assertWholeStream(events);
    assertEquals(whole, NativeClient.text(events));
  }

  /** The same prompt with one request id, to members 0 and 1 at once: one stream, one upstream request. */
  void sameRequestIdOnTwoMembersAtOnce(Script script, String whole) throws Exception {
    upstream.enqueue(script);
    int requestsBefore = upstream.requestCount();
    String token = member.apply(0).session().getString("token");
    String prompt = NativeClient.prompt("fake", "hi").put("requestId", "one-of-two").encode();
    CompletableFuture<NativeClient.Reply> onA = CompletableFuture.supplyAsync(() -> post(0, token, prompt));
    CompletableFuture<NativeClient.Reply> onB = CompletableFuture.supplyAsync(() -> post(1, token, prompt));
    NativeClient.Reply a = onA.get(30, TimeUnit.SECONDS);
    NativeClient.Reply b = onB.get(30, TimeUnit.SECONDS);
    assertEquals(a.json().getString("streamId"), b.json().getString("streamId"), a.body() + " / " + b.body());
    assertEquals(List.of(200, 201), List.of(a.status(), b.status()).stream().sorted().toList());
    String streamId = a.json().getString("streamId");
    assertEquals(whole, NativeClient.text(member.apply(2).sse(token, streamId, null).awaitEnd()));
    assertEquals(requestsBefore + 1, upstream.requestCount(), "one upstream request for both");
  }

  /** {@code limit} streams of one session spread over the members, then one more anywhere: 429. */
  void sessionLimitAcrossMembers(int limit) throws Exception {
    String token = member.apply(0).session().getString("token");
    List<String> running = new ArrayList<>();
    for (int i = 0; i < limit; i++) {
      upstream.enqueue(Script.stall());
      running.add(member.apply(i % 3).start(token, NativeClient.prompt("fake", "hi " + i)));
    }
    NativeClient.Reply refused = post(2, token, NativeClient.prompt("fake", "one too many").encode());
    assertEquals(429, refused.status(), refused.body());
    assertEquals("too_many_streams", refused.json().getJsonObject("error").getString("code"));
    for (int i = 0; i < running.size(); i++) {
      assertEquals(200, member.apply((i + 1) % 3).cancel(token, running.get(i)).status());
    }
    upstream.enqueue(Script.tokens("freed"));
    NativeClient.await("a slot freed on every member", () -> post(2, token,
      NativeClient.prompt("fake", "again").put("requestId", "after-cancel").encode()).status() == 201);
  }

  private NativeClient.Reply post(int n, String token, String prompt) {
    try {
      return member.apply(n).request(io.vertx.core.http.HttpMethod.POST, "/v1/streams", token, prompt);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
