package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    cluster = GatewayCluster.start(vertx, dir, ClusterScenarios.config(upstream, """
      shutdown:
        graceMs: 20000
      """), 3, 1);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static ClusterScenarios scenarios() {
    return new ClusterScenarios(cluster::client, upstream);
  }


  private static Script tokens(long delayMs) {
    return Script.tokens(TOKENS).delay(Duration.ofMillis(delayMs));
  }

  @Test
  @Order(1)
  void aStreamNegotiatedOnOneMemberIsReadOnAnotherAndACancelOnAThirdStopsTheUpstream() throws Exception {
    scenarios().readElsewhereAndCancelFromAThird();
  }


  @Test
  @Order(2)
  void longPollsAlternatingTheThreeMembersGetEveryEventOnceInOrder() throws Exception {
    scenarios().longPollsAlternatingMembers(tokens(30), WHOLE);
  }


  @Test
  @Order(3)
  void theSameRequestIdSentToTwoMembersAtOnceStartsOneStream() throws Exception {
    scenarios().sameRequestIdOnTwoMembersAtOnce(tokens(20), WHOLE);
  }


  @Test
  @Order(4)
  void aSessionsRunningStreamLimitHoldsAcrossTheMembers() throws Exception {
    scenarios().sessionLimitAcrossMembers(32);
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
    // The drained member's partitions have their backups again before another member is lost.
    cluster.awaitSafe();
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
