package io.tokenlane.server;

import static io.tokenlane.server.GatewayServer.chat;
import static io.tokenlane.server.GatewayServer.streamingChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Models routed over several targets, end to end: real HTTP on loopback from a client through the gateway to fake
 * OpenAI upstreams that refuse, fail, rate-limit, stall or answer slowly.
 */
class RoutingTest {

  private Vertx vertx;
  private FakeOpenAiUpstream upstreamA;
  private FakeOpenAiUpstream upstreamB;
  private GatewayServer gateway;
  private LogCapture capture;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstreamA = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    upstreamB = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    upstreamA.defaultScript(Script.tokens("from ", "A"));
    upstreamB.defaultScript(Script.tokens("from ", "B"));
    capture = LogCapture.start();
  }

  @AfterEach
  void stop() throws Exception {
    capture.close();
    if (gateway != null) {
      gateway.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A gateway with providers a and b on the two fakes and the model {@code smart} routed as {@code route}. */
  private void gateway(String route) throws Exception {
    gateway(upstreamA.baseUrl(), "", route);
  }

  private void gateway(String baseUrlA, String configA, String route) throws Exception {
    gateway = GatewayServer.start(vertx, """
      logging:
        accessLog: false
      providers:
        a: { type: openai, config: { baseUrl: "%s" %s } }
        b: { type: openai, config: { baseUrl: "%s" } }
      models:
        plain: { provider: a, model: gpt-a }
        smart:
      %s
      """.formatted(baseUrlA, configA, upstreamB.baseUrl(), route.indent(4)));
    Logger.getLogger("io.tokenlane.streams").setLevel(Level.INFO);
  }

  private static final String ORDERED = """
    strategy: ordered
    targets:
      - {provider: a, model: a-model}
      - {provider: b, model: b-model}
    """;

  private GatewayServer.Reply stream() throws Exception {
    return gateway.post("/v1/chat/completions", streamingChat("smart", "hi"));
  }

  /** One clean stream from B: its text, the alias as model, a finish and [DONE], no error anywhere. */
  private void assertCleanStreamFromB(GatewayServer.Reply reply) {
    assertEquals(200, reply.status(), reply.body());
    assertEquals("from B", reply.streamedText(), reply.body());
    assertFalse(reply.body().contains("\"error\""), reply.body());
    assertEquals(1, reply.data().stream().filter("[DONE]"::equals).count(), reply.body());
    for (JsonObject chunk : reply.chunks()) {
      assertEquals("smart", chunk.getString("model"), "the client sees the alias: " + chunk);
    }
    assertEquals("b-model", upstreamB.lastRequest().body().getString("model"));
  }

  private String endLine() {
    NativeClient.await("a stream end line", () -> !capture.messagesOf("io.tokenlane.streams").isEmpty());
    List<String> lines = capture.messagesOf("io.tokenlane.streams");
    return lines.get(lines.size() - 1);
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void weightedRoutingSplitsStreamsByWeightWithinABinomialBound() throws Exception {
    gateway("""
      strategy: weighted
      targets:
        - {provider: a, model: gpt-4o-mini, weight: 3}
        - {provider: b, model: claude-sonnet-4-5, weight: 1}
      """);
    int n = 400;
    for (int sent = 0; sent < n; sent += 20) {
      List<Future<GatewayServer.Reply>> batch = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        batch.add(gateway.send(HttpMethod.POST, "/v1/chat/completions", Buffer.buffer(chat("smart", "hi").encode())));
      }
      Future.all(batch).await(30, TimeUnit.SECONDS);
      for (Future<GatewayServer.Reply> reply : batch) {
        assertEquals(200, reply.result().status(), reply.result().body());
      }
    }
    int a = upstreamA.requestCount();
    assertEquals(n, a + upstreamB.requestCount());
    // Expected 300, standard deviation sqrt(400 * 3/4 * 1/4) ~ 8.7: five deviations either way.
    assertTrue(Math.abs(a - 300) <= 43, "a served " + a + " of " + n);
  }

  @Test
  void orderedFailsOverWhenTheFirstTargetRefusesConnections() throws Exception {
    gateway("http://127.0.0.1:" + closedPort() + "/v1", "", ORDERED);
    assertCleanStreamFromB(stream());
    String line = endLine();
    assertTrue(line.contains("model=smart provider=b attempt=2 "), line);
  }

  @Test
  void orderedFailsOverWhenTheFirstTargetAnswers500() throws Exception {
    gateway(ORDERED);
    upstreamA.enqueue(Script.serverError());
    assertCleanStreamFromB(stream());
    assertEquals(1, upstreamA.requestCount());
    assertEquals("a-model", upstreamA.lastRequest().body().getString("model"));
    String line = endLine();
    assertTrue(line.contains("provider=b attempt=2 ") && line.contains("reason=stop"), line);
  }

  @Test
  void orderedFailsOverWhenTheFirstTargetAnswers429() throws Exception {
    gateway(ORDERED);
    upstreamA.enqueue(Script.rateLimited(1));
    assertCleanStreamFromB(stream());
    assertEquals(1, upstreamA.requestCount());
  }

  @Test
  void orderedFailsOverWhenTheFirstTargetTimesOutBeforeTheFirstToken() throws Exception {
    gateway(upstreamA.baseUrl(), ", responseTimeoutMs: 300, idleTimeoutMs: 300", ORDERED);
    upstreamA.enqueue(Script.stall());
    assertCleanStreamFromB(stream());
    upstreamA.awaitClientClosed().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aNonStreamingClientGetsOneCompletionFromTheSecondTarget() throws Exception {
    gateway(ORDERED);
    upstreamA.enqueue(Script.serverError());
    JsonObject completion = gateway.post("/v1/chat/completions", chat("smart", "hi")).json();
    assertEquals("from B", completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message")
      .getString("content"), completion.encode());
    assertEquals("smart", completion.getString("model"));
  }

  @Test
  void aNativeStreamFailsOverWithOneGapFreeSequenceAndOneEnd() throws Exception {
    gateway(ORDERED);
    upstreamA.enqueue(Script.serverError());
    try (NativeClient client = new NativeClient(vertx, gateway.port())) {
      String token = client.session().getString("token");
      String id = client.start(token, NativeClient.prompt("smart", "hi"));
      List<JsonObject> events = client.sse(token, id, null).awaitEnd();
      NativeClient.assertWholeStream(events);
      assertEquals("from B", NativeClient.text(events));
      assertEquals("stop", events.get(events.size() - 1).getString("reason"));
    }
    assertEquals(1, upstreamA.requestCount());
  }

  @Test
  void afterTheFirstTokenAFailureReachesTheClientAndNoOtherTargetIsCalled() throws Exception {
    gateway(ORDERED);
    upstreamA.enqueue(Script.tokens("one ", "two ", "three").dropConnectionAfter(1));
    GatewayServer.Reply reply = stream();
    assertEquals(200, reply.status());
    assertEquals("one ", reply.streamedText(), reply.body());
    List<String> data = reply.data();
    assertFalse(data.contains("[DONE]"), reply.body());
    assertTrue(new JsonObject(data.get(data.size() - 1)).containsKey("error"), reply.body());
    assertEquals(0, upstreamB.requestCount(), "never spliced with another target's text");
    String line = endLine();
    assertTrue(line.contains("provider=a attempt=1 ") && line.contains("reason=error"), line);
  }

  @Test
  void aRequestTheUpstreamCallsInvalidIsNotRetriedElsewhere() throws Exception {
    gateway(ORDERED);
    upstreamA.enqueue(Script.error(400, "invalid_request_error", null, "bad messages"));
    GatewayServer.Reply reply = stream();
    assertEquals(400, reply.status(), reply.body());
    assertEquals(0, upstreamB.requestCount());
  }

  @Test
  void aTargetThatKeepsFailingCoolsDownThenRecoversAfterTheCooldown() throws Exception {
    gateway(ORDERED + "failureThreshold: 2\ncooldownMs: 300\n");
    upstreamA.defaultScript(Script.serverError());
    assertCleanStreamFromB(stream());
    assertCleanStreamFromB(stream());
    assertEquals(2, upstreamA.requestCount());
    // Open: a is skipped without a request.
    assertCleanStreamFromB(stream());
    assertEquals(2, upstreamA.requestCount());
    // After the cooldown one stream probes a, which works again, and then a serves.
    upstreamA.defaultScript(Script.tokens("from ", "A"));
    List<String> texts = new ArrayList<>();
    NativeClient.await("a probed after its cooldown", () -> {
      try {
        texts.add(stream().streamedText());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return upstreamA.requestCount() > 2;
    });
    assertEquals("from A", texts.get(texts.size() - 1));
    assertEquals("from A", stream().streamedText());
  }

  @Test
  void aRateLimitWithRetryAfterSkipsTheTargetUntilThen() throws Exception {
    gateway(ORDERED + "failureThreshold: 10\n");
    upstreamA.enqueue(Script.rateLimited(3));
    assertCleanStreamFromB(stream());
    assertCleanStreamFromB(stream());
    assertEquals(1, upstreamA.requestCount(), "a is skipped while its retry-after runs");
    NativeClient.await("a serving again after its retry-after", () -> {
      try {
        stream();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return upstreamA.requestCount() > 1;
    });
  }

  @Test
  void whenEveryTargetIsRateLimitedTheClientGets429WithRetryAfter() throws Exception {
    gateway(ORDERED + "failureThreshold: 10\n");
    upstreamA.enqueue(Script.rateLimited(30));
    upstreamB.enqueue(Script.rateLimited(20));
    GatewayServer.Reply last = stream();
    assertEquals(429, last.status(), last.body());
    assertEquals("rate_limited", last.json().getJsonObject("error").getString("code"));
    assertEquals("20", last.headers().get("retry-after"), "the last target's retry-after reaches the client");
    // Both cool down now: the gateway answers itself, without calling either.
    GatewayServer.Reply refused = stream();
    assertEquals(429, refused.status(), refused.body());
    assertEquals("rate_limited", refused.json().getJsonObject("error").getString("code"));
    long retryAfter = Long.parseLong(refused.headers().get("retry-after"));
    assertTrue(retryAfter > 0 && retryAfter <= 20, "retry-after " + retryAfter);
    assertEquals(1, upstreamA.requestCount());
    assertEquals(1, upstreamB.requestCount());
  }

  @Test
  void whenEveryTargetCoolsDownTheClientGets503NoHealthyTarget() throws Exception {
    gateway(ORDERED + "failureThreshold: 1\ncooldownMs: 60000\n");
    upstreamA.enqueue(Script.serverError());
    upstreamB.enqueue(Script.serverError());
    GatewayServer.Reply last = stream();
    assertEquals(502, last.status(), last.body());
    assertEquals("upstream_error", last.json().getJsonObject("error").getString("code"));
    GatewayServer.Reply refused = stream();
    assertEquals(503, refused.status(), refused.body());
    assertEquals("no_healthy_target", refused.json().getJsonObject("error").getString("code"));
    assertTrue(Long.parseLong(refused.headers().get("retry-after")) > 0);
    assertEquals(1, upstreamA.requestCount());
    assertEquals(1, upstreamB.requestCount());
  }

  @Test
  void maxAttemptsBoundsTheFailover() throws Exception {
    gateway(ORDERED + "maxAttempts: 1\n");
    upstreamA.enqueue(Script.serverError());
    GatewayServer.Reply reply = stream();
    assertEquals(502, reply.status(), reply.body());
    assertEquals(0, upstreamB.requestCount());
  }

  @Test
  void leastBusyPrefersTheIdleTarget() throws Exception {
    gateway("""
      strategy: least-busy
      targets:
        - {provider: a, model: a-model}
        - {provider: b, model: b-model}
      """);
    // a holds its first stream open after one token; then both answer at once.
    upstreamA.enqueue(Script.tokens("held ", "open").stallAfter(1));
    List<HttpClientResponse> held = new ArrayList<>();
    NativeClient.await("a stream held open on a", () -> {
      HttpClientResponse response = gateway.openStream(streamingChat("smart", "hi")).await();
      Promise<Void> firstChunk = Promise.promise();
      response.handler(buffer -> firstChunk.tryComplete()).resume();
      firstChunk.future().await();
      held.add(response);
      return upstreamA.requestCount() == 1;
    });
    for (int i = 0; i < 20; i++) {
      assertCleanStreamFromB(stream());
    }
    assertEquals(1, upstreamA.requestCount(), "the busy target got no stream while the other was idle");
    held.forEach(response -> response.request().connection().close());
    upstreamA.awaitClientClosed().await(10, TimeUnit.SECONDS);
  }

  @Test
  void lowestLatencyPrefersTheFasterTargetAfterWarmUp() throws Exception {
    gateway("""
      strategy: lowest-latency
      targets:
        - {provider: a, model: a-model}
        - {provider: b, model: b-model}
      """);
    upstreamA.defaultScript(Script.tokens("from ", "A").delay(Duration.ofMillis(300)));
    // Warm-up: each target is measured once.
    assertEquals("from A", stream().streamedText());
    assertEquals("from B", stream().streamedText());
    int n = 20;
    for (int i = 0; i < n; i++) {
      assertEquals(200, stream().status());
    }
    int slow = upstreamA.requestCount() - 1;
    // Exploration sends about 1 in 40 streams to the slower target: 0.5 expected here.
    assertTrue(slow <= 5, "the slow target got " + slow + " of " + n);
  }

  @Test
  void aSingleProviderModelIsUnchanged() throws Exception {
    gateway(ORDERED);
    upstreamA.enqueue(Script.serverError());
    GatewayServer.Reply reply = gateway.post("/v1/chat/completions", streamingChat("plain", "hi"));
    assertEquals(502, reply.status(), reply.body());
    assertEquals(0, upstreamB.requestCount());
    assertEquals("from A", gateway.post("/v1/chat/completions", streamingChat("plain", "hi")).streamedText());
    String line = endLine();
    assertTrue(line.contains("model=plain provider=a transport="), line);
  }
}
