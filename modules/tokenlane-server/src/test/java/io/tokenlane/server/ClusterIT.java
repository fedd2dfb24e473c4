package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three gateway JVMs (the runnable jar) on 127.0.0.1 forming one cluster, the fake upstream in this JVM. The tests
 * run in order on one cluster: the later ones add a member, drain one and kill one.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  private static final String[] TOKENS = {"Any ", "member ", "serves ", "any ", "stream, ", "nothing ", "lost."};
  private static final String WHOLE = String.join("", TOKENS);

  private static Vertx vertx;
  private static FakeOpenAiUpstream upstream;
  private static GatewayCluster cluster;
  private static Path dir;

  @BeforeAll
  static void startCluster() throws Exception {
    vertx = Vertx.vertx();
    upstream = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    dir = Files.createTempDirectory("tokenlane-cluster-it");
    cluster = GatewayCluster.start(vertx, dir, """
      providers:
        fake:
          type: openai
          config:
            baseUrl: %s
      models:
        fake: { provider: fake, model: gpt-4o-mini }
      shutdown:
        graceMs: 20000
      """.formatted(upstream.baseUrl()), 3, 1);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static NativeClient.Reply post(int member, String token, String prompt) {
    try {
      return cluster.client(member).request(HttpMethod.POST, "/v1/streams", token, prompt);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Script tokens(long delayMs) {
    return Script.tokens(TOKENS).delay(Duration.ofMillis(delayMs));
  }

  @Test
  @Order(1)
  void aStreamNegotiatedOnOneMemberIsReadOnAnotherAndACancelOnAThirdStopsTheUpstream() throws Exception {
    upstream.enqueue(Script.stall());
    String token = cluster.client(0).session().getString("token");
    String streamId = cluster.client(0).start(token, NativeClient.prompt("fake", "hi"));
    NativeClient.Sse sse = cluster.client(1).sse(token, streamId, null);
    sse.awaitEvents(events -> !events.isEmpty());
    int closedBefore = upstream.clientClosedCount();

    NativeClient.Reply cancel = cluster.client(2).cancel(token, streamId);
    assertEquals(200, cancel.status(), cancel.body());
    upstream.awaitClientClosed(closedBefore + 1).await(10, TimeUnit.SECONDS);
    List<JsonObject> events = sse.awaitEnd();
    assertEquals("cancelled", events.get(events.size() - 1).getString("reason"));
    assertEquals(1, events.stream().filter(e -> "end".equals(e.getString("type"))).count());
  }

  @Test
  @Order(2)
  void longPollsAlternatingTheThreeMembersGetEveryEventOnceInOrder() throws Exception {
    upstream.enqueue(tokens(30));
    String token = cluster.client(1).session().getString("token");
    String streamId = cluster.client(1).start(token, NativeClient.prompt("fake", "hi"));
    List<JsonObject> events = new ArrayList<>();
    long cursor = 0;
    for (int poll = 0; poll < 300; poll++) {
      NativeClient.Reply reply = cluster.client(poll % 3).poll(token, streamId, cursor, 2000);
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
    assertEquals(WHOLE, NativeClient.text(events));
  }

  @Test
  @Order(3)
  void theSameRequestIdSentToTwoMembersAtOnceStartsOneStream() throws Exception {
    upstream.enqueue(tokens(20));
    int requestsBefore = upstream.requestCount();
    String token = cluster.client(0).session().getString("token");
    String prompt = NativeClient.prompt("fake", "hi").put("requestId", "one-of-two").encode();
    CompletableFuture<NativeClient.Reply> onA = CompletableFuture.supplyAsync(() -> post(0, token, prompt));
    CompletableFuture<NativeClient.Reply> onB = CompletableFuture.supplyAsync(() -> post(1, token, prompt));
    NativeClient.Reply a = onA.get(30, TimeUnit.SECONDS);
    NativeClient.Reply b = onB.get(30, TimeUnit.SECONDS);
    assertEquals(a.json().getString("streamId"), b.json().getString("streamId"), a.body() + " / " + b.body());
    assertEquals(WHOLE, NativeClient.text(cluster.client(2).sse(token, a.json().getString("streamId"), null).awaitEnd()));
    assertEquals(requestsBefore + 1, upstream.requestCount(), "one upstream request for both");
  }

  @Test
  @Order(4)
  void aSessionsRunningStreamLimitHoldsAcrossTheMembers() throws Exception {
    String token = cluster.client(0).session().getString("token");
    List<String> running = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      upstream.enqueue(Script.stall());
      running.add(cluster.client(i % 3).start(token, NativeClient.prompt("fake", "hi " + i)));
    }
    NativeClient.Reply refused = cluster.client(2).request(HttpMethod.POST, "/v1/streams", token,
      NativeClient.prompt("fake", "one too many").encode());
    assertEquals(429, refused.status(), refused.body());
    assertEquals("too_many_streams", refused.json().getJsonObject("error").getString("code"));
    for (int i = 0; i < running.size(); i++) {
      assertEquals(200, cluster.client((i + 1) % 3).cancel(token, running.get(i)).status());
    }
  }

  @Test
  @Order(5)
  void aMemberJoiningMidRunServesTheStreamsOfTheOthers() throws Exception {
    upstream.enqueue(tokens(150));
    String token = cluster.client(0).session().getString("token");
    String streamId = cluster.client(2).start(token, NativeClient.prompt("fake", "hi"));
    int joined = cluster.startMember();
    NativeClient.await("the new member in the cluster", () -> cluster.members(cluster.client(joined)) == 4);
    List<JsonObject> events = cluster.client(joined).sse(token, streamId, null).awaitEnd();
    NativeClient.assertWholeStream(events);
    assertEquals(WHOLE, NativeClient.text(events));
  }

  @Test
  @Order(6)
  void aDrainingMemberSendsItsClientsElsewhereWhileItsStreamsFinish() throws Exception {
    upstream.enqueue(tokens(250));
    int draining = 3;
    String token = cluster.client(draining).session().getString("token");
    NativeClient.Ws ws = cluster.client(draining).readyWs(token);
    String streamId = ws.prompt(NativeClient.prompt("fake", "hi"), "drain-1");
    ws.awaitMessage(m -> "token".equals(m.getString("type")));

    cluster.processes.get(draining).terminate();
    ws.awaitClose();
    assertEquals((short) 1001, ws.closeCode);
    assertTrue(ws.closeReason.startsWith("reconnect:"), ws.closeReason);
    long had = ws.events(streamId).stream().mapToLong(e -> e.getLong("seq")).max().orElse(0);

    NativeClient.Ws elsewhere = cluster.client(0).readyWs(token);
    elsewhere.send(new JsonObject().put("type", "resume").put("streamId", streamId).put("lastSeq", had));
    List<JsonObject> all = new ArrayList<>(ws.events(streamId));
    all.addAll(elsewhere.awaitEnd(streamId));
    NativeClient.assertWholeStream(all);
    assertEquals("stop", all.get(all.size() - 1).getString("reason"), "the generation finished during the drain");
    assertEquals(WHOLE, NativeClient.text(all));
    assertEquals(143, cluster.processes.get(draining).awaitExit(30), cluster.output());
  }

  @Test
  @Order(7)
  void killingTheOwnerMidStreamDeliversWhatItHadThenOwnerLostWithinFiveSeconds() throws Exception {
    upstream.enqueue(tokens(500));
    String token = cluster.client(0).session().getString("token");
    String streamId = cluster.client(2).start(token, NativeClient.prompt("fake", "hi"));
    NativeClient.Sse sse = cluster.client(1).sse(token, streamId, null);
    sse.awaitEvents(events -> events.stream().filter(e -> "token".equals(e.getString("type"))).count() >= 3);

    long killedAt = System.nanoTime();
    cluster.processes.get(2).kill();
    List<JsonObject> events = sse.awaitEnd();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    JsonObject end = events.get(events.size() - 1);
    assertEquals("error", end.getString("reason"), end.encode());
    assertEquals("owner_lost", end.getString("code"), end.encode());
    assertTrue(tookMs < 5_000, "owner_lost took " + tookMs + " ms");
    NativeClient.assertWholeStream(events);

    // A client that followed the stream elsewhere, reconnecting to another member, learns the same end.
    List<JsonObject> polled = cluster.client(0).pollToEnd(token, streamId, 0);
    assertEquals(events, polled);
  }
}
