package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.auth.ApiKeys;
import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A key's limits hold across the members of a cluster (Hazelcast, two members in this JVM): requests counted on any
 * member draw from one bucket, and a concurrent-stream slot taken on one member is taken on all.
 */
class ClusterLimitsTest {

  static final String RATE = ApiKeys.generate();
  static final String SINGLE = ApiKeys.generate();

  private static Vertx upstreamVertx;
  private static FakeOpenAiUpstream upstream;
  private static ClusterMembers cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    upstreamVertx = Vertx.vertx();
    upstream = FakeOpenAiUpstream.start(upstreamVertx).await(10, TimeUnit.SECONDS);
    upstream.defaultScript(Script.tokens("a", "b").usage(10, 2));
    cluster = ClusterMembers.start(2, ClusterScenarios.config(upstream, """
      auth:
        keys:
          rate: { hash: "%s", limits: { requestsPerMinute: 6, burst: 4 } }
          single: { hash: "%s", limits: { concurrentStreams: 1 } }
      """.formatted(ApiKeys.hash(RATE), ApiKeys.hash(SINGLE))));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    upstreamVertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void requestsOnEveryMemberDrawFromOneBucket() throws Exception {
    String body = new JsonObject().put("model", "fake")
      .put("messages", List.of(new JsonObject().put("role", "user").put("content", "hi"))).encode();
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
      NativeClient.Reply reply = cluster.client(i % 2).request(HttpMethod.POST, "/v1/chat/completions", RATE, body);
      if (reply.status() == 200) {
        admitted++;
      } else {
        assertEquals(429, reply.status(), reply.body());
        assertEquals("rate_limit_exceeded", reply.errorCode());
      }
    }
    // A burst of 4, refilled at one request per 10 s: 4 (5 on a very slow machine), whichever member answered.
    assertTrue(admitted == 4 || admitted == 5, admitted + " admitted across two members");
  }

  @Test
  void aConcurrentStreamSlotTakenOnOneMemberIsTakenOnAll() throws Exception {
    upstream.enqueue(Script.tokens("a ", "b ").delay(Duration.ofSeconds(30)));
    String token = cluster.client(0).request(HttpMethod.POST, "/v1/sessions", SINGLE, null).json().getString("token");
    String running = cluster.client(0).start(token, prompt("fake", "hi"));
    NativeClient.Reply second = cluster.client(1).request(HttpMethod.POST, "/v1/streams", token,
      prompt("fake", "hi").encode());
    assertEquals(429, second.status(), second.body());
    assertEquals("too_many_concurrent_streams", second.errorCode());
    assertEquals(200, cluster.client(1).cancel(token, running).status());
    NativeClient.await("the slot freed on every member", () -> {
      try {
        return cluster.client(1).request(HttpMethod.POST, "/v1/streams", token, prompt("fake", "hi").encode())
          .status() == 201;
      } catch (Exception e) {
        return false;
      }
    });
  }
}
