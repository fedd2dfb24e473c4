package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three gateway members in one JVM sharing streams through Hazelcast: any member serves any stream of any
 * session, cancels reach the owner, request ids and session limits hold across members. (The multi-process
 * variant, with kill -9, is {@code ClusterIT}.)
 */
class ClusterTest {

  private static final String[] TOKENS = {"One ", "stream ", "read ", "from ", "any ", "member."};
  private static final String WHOLE = String.join("", TOKENS);

  private static Vertx upstreamVertx;
  private static FakeOpenAiUpstream upstream;
  private static ClusterMembers cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    upstreamVertx = Vertx.vertx();
    upstream = FakeOpenAiUpstream.start(upstreamVertx).await(10, TimeUnit.SECONDS);
    cluster = ClusterMembers.start(3, ClusterScenarios.config(upstream, """
      streams:
        maxRunningPerSession: 2
        replayCapacity: 16
      """));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    upstreamVertx.close().await(10, TimeUnit.SECONDS);
  }

  private static Script slowTokens() {
    return Script.tokens(TOKENS).delay(Duration.ofMillis(25));
  }

  @Test
  void everyMemberReportsTheWholeClusterInItsReadinessAndMetrics() throws Exception {
    for (int member = 0; member < 3; member++) {
      NativeClient.Reply ready = cluster.client(member).request(HttpMethod.GET, "/readyz", null, null);
      assertEquals(200, ready.status(), ready.body());
      assertEquals(3, ready.json().getJsonObject("cluster").getInteger("members"), ready.body());
      assertEquals(3, ready.json().getJsonObject("cluster").getInteger("named"), ready.body());
      assertEquals(false, ready.json().getJsonObject("cluster").getBoolean("partial"), ready.body());
      // Once the partitions are assigned and their backups made, the member may be lost without losing data.
      int m = member;
      NativeClient.await("member " + m + " safe", () -> {
        try {
          return cluster.client(m).request(HttpMethod.GET, "/readyz", null, null).json().getJsonObject("cluster")
            .getBoolean("safe");
        } catch (Exception e) {
          return false;
        }
      });
      NativeClient.Reply metrics = cluster.client(member).request(HttpMethod.GET, "/metrics", null, null);
      assertEquals(200, metrics.status(), metrics.body());
      assertEquals(3.0, MetricsTest.parse(metrics.body()).get("tokenlane_cluster_members"), metrics.body());
    }
  }

  @Test
  void aStreamStartedOnOneMemberIsReadOverSseOnAnotherAndCancelledFromAThird() throws Exception {
    scenarios().readElsewhereAndCancelFromAThird();
  }


  @Test
  void aSessionMintedOnOneMemberIsValidOnEveryMember() throws Exception {
    upstream.enqueue(slowTokens());
    String token = cluster.client(2).session().getString("token");
    String streamId = cluster.client(0).start(token, NativeClient.prompt("fake", "hi"));
    List<JsonObject> events = cluster.client(1).sse(token, streamId, null).awaitEnd();
    NativeClient.assertWholeStream(events);
    assertEquals(WHOLE, NativeClient.text(events));
  }

  @Test
  void longPollsAlternatingMembersGetEveryEventOnceInOrder() throws Exception {
    scenarios().longPollsAlternatingMembers(slowTokens(), WHOLE);
  }


  @Test
  void aWebSocketResumesOnAnotherMemberAfterItsConnectionDropped() throws Exception {
    upstream.enqueue(slowTokens());
    String token = cluster.client(0).session().getString("token");
    NativeClient.Ws first = cluster.client(0).readyWs(token);
    String streamId = first.prompt(NativeClient.prompt("fake", "hi"), "r-ws");
    first.socket().close().await(10, TimeUnit.SECONDS);
    long had = first.events(streamId).stream().mapToLong(e -> e.getLong("seq")).max().orElse(0);

    NativeClient.Ws second = cluster.client(1).readyWs(token);
    second.send(new JsonObject().put("type", "resume").put("streamId", streamId).put("lastSeq", had));
    List<JsonObject> rest = second.awaitEnd(streamId);
    assertEquals(had + 1, rest.get(0).getLong("seq"), "resumed right after the last event the client had");
    List<JsonObject> all = new ArrayList<>(first.events(streamId));
    all.addAll(rest);
    NativeClient.assertWholeStream(all);
    assertEquals(WHOLE, NativeClient.text(all));
  }

  @Test
  void theSameRequestIdSentToTwoMembersAtOnceStartsOneStream() throws Exception {
    scenarios().sameRequestIdOnTwoMembersAtOnce(slowTokens(), WHOLE);
  }


  @Test
  void aSessionsRunningStreamLimitHoldsAcrossMembers() throws Exception {
    scenarios().sessionLimitAcrossMembers(2);
  }


  @Test
  void noMemberLetsASessionReadResumeOrCancelAnotherSessionsStream() throws Exception {
    upstream.enqueue(Script.stall());
    String owner = cluster.client(0).session().getString("token");
    String intruder = cluster.client(1).session().getString("token");
    String streamId = cluster.client(0).start(owner, NativeClient.prompt("fake", "secret"));
    for (int member = 0; member < 3; member++) {
      NativeClient client = cluster.client(member);
      assertEquals(404, client.poll(intruder, streamId, 0, 0).status(), "poll on member " + member);
      assertEquals(404, client.cancel(intruder, streamId).status(), "cancel on member " + member);
      NativeClient.Sse sse = client.sse(intruder, streamId, null);
      NativeClient.await("an answer", () -> sse.status != 0);
      assertEquals(404, sse.status, "SSE on member " + member);
      NativeClient.Ws ws = client.readyWs(intruder);
      ws.send(new JsonObject().put("type", "resume").put("streamId", streamId).put("lastSeq", 0));
      JsonObject error = ws.awaitMessage(m -> "error".equals(m.getString("type")));
      assertEquals("stream_not_found", error.getString("code"), "WebSocket resume on member " + member);
      ws.socket().close();
      String forgedToken = owner.substring(0, owner.length() - 2) + (owner.endsWith("xx") ? "yy" : "xx");
      NativeClient.Reply forged = client.request(HttpMethod.GET, "/v1/streams/" + streamId + "/poll?waitMs=0",
        forgedToken, null);
      assertEquals(401, forged.status(), "a forged token polling on member " + member);
      NativeClient.Sse forgedSse = client.sse(forgedToken, streamId, null);
      NativeClient.await("an answer", () -> forgedSse.status != 0);
      assertEquals(401, forgedSse.status, "a forged token on SSE on member " + member);
      RawWebSocket.Frame forgedWs = RawWebSocket.connect(cluster.vertxes.get(member), cluster.members.get(member).port(),
        forgedToken, 0).awaitCloseFrame();
      assertEquals(4401, forgedWs.closeCode(), "a forged token on a WebSocket on member " + member);
    }
    NativeClient.Reply stillRunning = cluster.client(2).poll(owner, streamId, 0, 0);
    assertEquals(200, stillRunning.status(), stillRunning.body());
    assertNotEquals(true, stillRunning.json().getBoolean("ended"));
    cluster.client(2).cancel(owner, streamId);
  }

  @Test
  void aReloadOnAnotherMemberAfterTheStartWasEvictedGetsTheWholeAnswerAsASnapshot() throws Exception {
    String[] many = IntStream.range(0, 60).mapToObj(i -> i % 9 == 4 ? "\"日本" + i + "\"\n" : "w" + i + " ")
      .toArray(String[]::new);
    upstream.enqueue(Script.tokens(many).delay(Duration.ofMillis(4)));
    String token = cluster.client(0).session().getString("token");
    String streamId = cluster.client(0).start(token, NativeClient.prompt("fake", "hi"));
    // B mirrors the stream from its start, and folds what its own buffer evicts; C mirrors it once it ended, from
    // the owner's snapshot. A reload from 0 on either shows the whole answer.
    assertEquals(200, cluster.client(1).poll(token, streamId, 0, 0).status());
    NativeClient.await("the end", () -> {
      try {
        return cluster.client(0).poll(token, streamId, 0, 0).json().getBoolean("ended");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    for (int member = 1; member <= 2; member++) {
      NativeClient client = cluster.client(member);
      assertSnapshotThenTheRest(client.sse(token, streamId, null).awaitEnd(), many, "SSE on member " + member);
      assertSnapshotThenTheRest(client.pollToEnd(token, streamId, 0), many, "long-poll on member " + member);
      NativeClient.Ws ws = client.readyWs(token);
      ws.send(new JsonObject().put("type", "resume").put("streamId", streamId).put("lastSeq", 0));
      assertSnapshotThenTheRest(ws.awaitEnd(streamId), many, "WebSocket on member " + member);
      ws.socket().close();
    }
  }

  private static void assertSnapshotThenTheRest(List<JsonObject> events, String[] tokens, String where) {
    JsonObject snapshot = events.get(0);
    assertEquals("snapshot", snapshot.getString("type"), where + ": " + events);
    assertEquals("fake", snapshot.getString("model"), where);
    List<JsonObject> rest = events.subList(1, events.size());
    for (int i = 0; i < rest.size(); i++) {
      assertEquals(snapshot.getLong("seq") + 1 + i, rest.get(i).getLong("seq"), where + ": " + events);
    }
    assertEquals(String.join("", tokens), snapshot.getString("text") + NativeClient.text(rest), where);
    assertEquals("end", rest.get(rest.size() - 1).getString("type"), where);
  }

  private static ClusterScenarios scenarios() {
    return new ClusterScenarios(cluster::client, upstream);
  }

}
