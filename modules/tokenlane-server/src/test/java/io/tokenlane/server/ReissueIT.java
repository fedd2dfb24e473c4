package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.ReceivedRequest;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * {@code cluster.reissue: true}: five gateway JVMs, members killed with SIGKILL one after the other while their
 * streams run. Another member runs each prompt again, and the stream goes on after a {@code restart} event: through
 * the mirror that a reader on another member already had, when a reader who was on the dead member comes back
 * through a member that knew nothing of the stream, again when the member that took a stream over is lost too, and
 * for the JS client. Members 0 and 4 live to the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReissueIT {

  private static final String[] LOST = {"This ", "answer ", "is ", "lost ", "with ", "its ", "member."};
  private static final String[] AGAIN = {"The ", "prompt ", "ran ", "again."};
  private static final String SECOND = String.join("", AGAIN);
  /**
   * The first two tokens of the lost answer. Tokens the gateway reads from its upstream together reach clients in one
   * event (a busy machine reads two writes 20 ms apart at once), so the tests wait on text, never on event counts.
   */
  private static final String TWO = LOST[0] + LOST[1];

  private static Vertx vertx;
  private static FakeOpenAiUpstream upstream;
  private static GatewayCluster cluster;

  /** The members' logs, when a test fails: what each did when it lost a member. */
  @RegisterExtension
  static final TestWatcher LOGS = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (cluster != null) {
        System.out.println(cluster.output());
      }
    }
  };

  @BeforeAll
  static void startCluster() throws Exception {
    vertx = Vertx.vertx();
    upstream = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    Path dir = Files.createTempDirectory("tokenlane-reissue-it");
    cluster = GatewayCluster.start(vertx, dir, ClusterScenarios.config(upstream, """
      cluster:
        reissue: true
      """), 5, 0);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** What an earlier test queued and did not use (it failed before its prompts ran) is not this test's answer. */
  @BeforeEach
  void discardScripts() {
    upstream.discardQueued();
  }

  @Test
  @Order(1)
  void killingTheOwnerMidStreamRunsEachPromptAgainOnAnotherMemberAfterARestart() throws Exception {
    cluster.awaitSafe();
    upstream.enqueue(Script.tokens(LOST).delay(Duration.ofMillis(400)))
      .enqueue(Script.tokens(LOST).delay(Duration.ofMillis(400)))
      .enqueue(Script.tokens(AGAIN).delay(Duration.ofMillis(20)))
      .enqueue(Script.tokens(AGAIN).delay(Duration.ofMillis(20)));
    String token = cluster.client(0).session().getString("token");
    String followed = cluster.client(2).start(token, NativeClient.prompt("fake", "question one"));
    upstream.awaitRequest(1).await(10, TimeUnit.SECONDS);
    String onOwner = cluster.client(2).start(token, NativeClient.prompt("fake", "question two"));
    upstream.awaitRequest(2).await(10, TimeUnit.SECONDS);
    // One stream has a reader on member 1 (its mirror there); the other is read only on its owner.
    NativeClient.Sse elsewhere = cluster.client(1).sse(token, followed, null);
    NativeClient.Sse ownerSide = cluster.client(2).sse(token, onOwner, null);
    elsewhere.awaitEvents(ReissueIT::hasTwoTokens);
    ownerSide.awaitEvents(ReissueIT::hasTwoTokens);

    cluster.processes.get(2).kill();

    // Member 1 takes the followed stream over: its reader gets the restart and the new answer on the same response.
    List<JsonObject> first = elsewhere.awaitEnd();
    assertRestartedOnce(first, "stop");
    assertTrue(NativeClient.text(first.subList(0, indexOfRestart(first))).startsWith(TWO),
      "what the lost member generated came first: " + first);

    // The other stream's reader comes back through member 0 with the last seq it had, which the lost member may
    // not have backed up: it still gets the restart, then the new answer.
    long had = ownerSide.events().stream().mapToLong(e -> e.getLong("seq")).max().orElse(0);
    List<JsonObject> second = cluster.client(0).sse(token, onOwner, had).awaitEnd();
    assertRestartedOnce(second, "stop");
    assertEquals(SECOND, answer(second));

    // Each prompt ran twice upstream, the second time with the same messages.
    assertEquals(4, upstream.requestCount());
    List<String> asked = upstream.requests().stream().map(ReissueIT::question).toList();
    assertEquals(2, asked.stream().filter("question one"::equals).count(), asked.toString());
    assertEquals(2, asked.stream().filter("question two"::equals).count(), asked.toString());

    // A reader from the start, on either remaining member, gets the answer as it now is.
    for (int member = 0; member < 2; member++) {
      List<JsonObject> polled = cluster.client(member).pollToEnd(token, followed, 0);
      assertRestartedOnce(polled, "stop");
      assertEquals(SECOND, answer(polled));
    }
  }

  /**
   * A stream taken over is taken over again when its new owner is lost too: the second member's backup continues
   * the first's, and a reader gets one restart per lost generation, then the last answer.
   */
  @Test
  @Order(2)
  void aStreamTakenOverIsTakenOverAgainWhenItsNewOwnerIsLostToo() throws Exception {
    upstream.enqueue(Script.tokens(LOST).delay(Duration.ofMillis(20)).stallAfter(2))
      .enqueue(Script.tokens(LOST).delay(Duration.ofMillis(20)).stallAfter(2))
      .enqueue(Script.tokens(AGAIN).delay(Duration.ofMillis(20)));
    int asked = upstream.requestCount();
    String token = cluster.client(0).session().getString("token");
    String id = cluster.client(3).start(token, NativeClient.prompt("fake", "question three"));
    NativeClient.Sse onOne = cluster.client(1).sse(token, id, null);
    onOne.awaitEvents(ReissueIT::hasTwoTokens);

    cluster.awaitSafe();
    cluster.processes.get(3).kill();
    // Member 1, which had the mirror, runs the prompt again; it stalls after two tokens.
    onOne.awaitEvents(events -> indexOfRestart(events) > 0 && hasTwoTokens(events));
    NativeClient.Sse onZero = cluster.client(0).sse(token, id, null);
    onZero.awaitEvents(ReissueIT::hasTwoTokens);

    // Member 3's loss moved partitions: its backups are made again before the next loss (the guarantee covers one
    // member lost at a time).
    cluster.awaitSafe();
    cluster.processes.get(1).kill();
    // Member 0 had a mirror of member 1's stream: it takes the stream over in turn.
    List<JsonObject> events = onZero.awaitEnd();
    assertEquals(2, events.stream().filter(e -> "restart".equals(e.getString("type"))).count(), events::toString);
    assertEquals(SECOND, answer(events));
    assertEquals("stop", events.get(events.size() - 1).getString("reason"));
    assertEquals(asked + 3, upstream.requestCount(), "the prompt ran three times");
    // From the start: the last answer, after the snapshot that drops the lost ones.
    List<JsonObject> polled = cluster.client(0).pollToEnd(token, id, 0);
    assertEquals(SECOND, answer(polled));
    assertEquals("end", polled.get(polled.size() - 1).getString("type"));
  }

  /**
   * The JS client in Node, through a round-robin balancer over the two members left: the member holding its
   * WebSocket (and so running its stream) is killed; the client reconnects to the other, which runs the prompt
   * again, and the client shows only the new answer.
   */
  @Test
  @Order(3)
  void theJsClientShowsOnlyTheNewAnswerAfterARestart() throws Exception {
    // Three tokens, then the upstream says nothing more: the member is killed while it waits.
    upstream.enqueue(Script.tokens(LOST).delay(Duration.ofMillis(20)).stallAfter(3))
      .enqueue(Script.tokens(AGAIN).delay(Duration.ofMillis(20)));
    int asked = upstream.requestCount();
    List<Integer> alive = List.of(0, 4);
    String firstTokens = "tokenlane_time_to_first_token_seconds_count";
    double[] before = {metric(0, firstTokens), metric(4, firstTokens)};
    RoundRobinBalancer balancer = RoundRobinBalancer.start(vertx, alive.stream().map(cluster.httpPorts::get).toList());
    Process node = ClientCheck.start("restarted-websocket", "http://127.0.0.1:" + balancer.port() + "/v1/", "fake");
    try {
      upstream.awaitRequest(asked + 1).await(30, TimeUnit.SECONDS);
      int[] holder = {-1};
      NativeClient.await("the client's connection on a member", () -> {
        holder[0] = alive.stream().filter(m -> cluster.client(m).openConnections() > 0).findFirst().orElse(-1);
        return holder[0] >= 0;
      });
      // The first token reached the member (its time to first token is recorded as it goes on to the client; gaps
      // between tokens are not counted, since tokens read together are delivered together).
      NativeClient.await("a token on the member",
        () -> metric(holder[0], firstTokens) > before[alive.indexOf(holder[0])]);
      cluster.awaitSafe();
      balancer.removeBackend(cluster.httpPorts.get(holder[0]));
      cluster.processes.get(holder[0]).kill();

      JsonObject result = ClientCheck.result(node);
      String output = result.encode();
      assertEquals(SECOND, result.getString("text"), output);
      assertEquals(1, result.getInteger("restarts"), output);
      assertEquals(asked + 2, upstream.requestCount(), "the prompt ran twice");
      // The one member left sees fewer members than named, and says so.
      int survivor = alive.stream().filter(m -> m != holder[0]).findFirst().orElseThrow();
      JsonObject status = cluster.client(survivor).request(HttpMethod.GET, "/readyz", null, null).json()
        .getJsonObject("cluster");
      long running = cluster.processes.stream().filter(GatewayProcess::isAlive).count();
      assertEquals(running, status.getInteger("members").longValue(), status.encode());
      assertEquals(5, status.getInteger("named"), status.encode());
      assertTrue(status.getBoolean("partial"), status.encode());
    } finally {
      node.destroyForcibly();
      balancer.close();
    }
  }

  /** The sum of a metric's series on a member, 0 when it has none yet. */
  private static double metric(int member, String name) {
    try {
      NativeClient.Reply reply = cluster.client(member).request(HttpMethod.GET, "/metrics", null, null);
      return reply.body().lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    } catch (Exception e) {
      return 0;
    }
  }

  private static String question(ReceivedRequest request) {
    return request.body().getJsonArray("messages").getJsonObject(0).getString("content");
  }

  /** The answer as a client shows it so far begins with the lost answer's first two tokens. */
  private static boolean hasTwoTokens(List<JsonObject> events) {
    return answer(events).startsWith(TWO);
  }

  private static int indexOfRestart(List<JsonObject> events) {
    for (int i = 0; i < events.size(); i++) {
      if ("restart".equals(events.get(i).getString("type"))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * One restart, right after an emptied snapshot, seqs increasing, then the new answer whole and exactly one end,
   * last.
   */
  private static void assertRestartedOnce(List<JsonObject> events, String reason) {
    int restart = indexOfRestart(events);
    assertTrue(restart > 0, "a restart, after a snapshot: " + events);
    assertEquals(1, events.stream().filter(e -> "restart".equals(e.getString("type"))).count(), events::toString);
    assertEquals("owner_lost", events.get(restart).getString("reason"));
    JsonObject snapshot = events.get(restart - 1);
    assertEquals("snapshot", snapshot.getString("type"), events::toString);
    assertEquals("", snapshot.getString("text"));
    assertEquals(events.get(restart).getLong("seq") - 1, snapshot.getLong("seq"));
    for (int i = 1; i < events.size(); i++) {
      assertTrue(events.get(i).getLong("seq") > events.get(i - 1).getLong("seq"), "seqs increase: " + events);
    }
    List<JsonObject> after = events.subList(restart + 1, events.size());
    assertEquals(SECOND, NativeClient.text(after));
    for (int i = 1; i < after.size(); i++) {
      assertEquals(after.get(i - 1).getLong("seq") + 1, after.get(i).getLong("seq"), "no gap after the restart");
    }
    assertEquals(1, events.stream().filter(e -> "end".equals(e.getString("type"))).count(), events::toString);
    JsonObject end = events.get(events.size() - 1);
    assertEquals("end", end.getString("type"));
    assertEquals(reason, end.getString("reason"), end.encode());
  }

  /** The answer as a client shows it: a snapshot replaces the text, a restart empties it, tokens extend it. */
  private static String answer(List<JsonObject> events) {
    StringBuilder text = new StringBuilder();
    for (JsonObject event : events) {
      switch (event.getString("type")) {
        case "snapshot" -> {
          text.setLength(0);
          text.append(event.getString("text", ""));
        }
        case "restart" -> text.setLength(0);
        case "token" -> text.append(event.getString("text"));
        default -> {
        }
      }
    }
    return text.toString();
  }
}
