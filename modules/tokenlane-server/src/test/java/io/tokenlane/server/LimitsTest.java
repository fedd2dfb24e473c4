package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.auth.ApiKeys;
import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-key limits against a fake upstream that reports exact usage (12 tokens a request): requests per minute and
 * the token budget hold within 10% over a run, tokens per minute refuse with a retry-after, concurrent streams are
 * capped, and a cancelled stream is settled with what it used.
 */
class LimitsTest {

  static final String RATE = ApiKeys.generate();
  static final String BUDGET = ApiKeys.generate();
  static final String TPM = ApiKeys.generate();
  static final String SETTLE = ApiKeys.generate();
  static final String CONCURRENT = ApiKeys.generate();
  static final String FAILED = ApiKeys.generate();
  /** What every default request uses, as the fake upstream reports it. */
  static final int USED = 12;

  static Vertx vertx;
  static FakeOpenAiUpstream upstream;
  static GatewayServer gateway;
  static NativeClient client;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    upstream.defaultScript(Script.tokens("a", "b").usage(10, 2));
    // Keep-alive connections stay open a minute between requests: the rate test's four clients reuse pooled
    // connections that earlier tests left idle, and a POST sent on one the gateway is closing for idleness (after
    // http.headerTimeoutMs) fails with no answer, which this test, about rates, does not measure.
    gateway = GatewayServer.start(vertx, """
      http:
        host: 127.0.0.1
        port: 0
        headerTimeoutMs: 60000
      auth:
        keys:
          rate: { hash: "%s", limits: { requestsPerMinute: 1200, burst: 10 } }
          budget: { hash: "%s", limits: { tokenBudget: 600 } }
          tpm: { hash: "%s", limits: { tokensPerMinute: 600 } }
          settle: { hash: "%s", limits: { tokenBudget: 50 } }
          concurrent: { hash: "%s", limits: { concurrentStreams: 2 } }
          failed: { hash: "%s", limits: { tokenBudget: 60 } }
      providers:
        fake: { type: openai, config: { baseUrl: "%s" } }
      models:
        fake: { provider: fake, model: gpt-4o-mini }
      """.formatted(ApiKeys.hash(RATE), ApiKeys.hash(BUDGET), ApiKeys.hash(TPM), ApiKeys.hash(SETTLE),
      ApiKeys.hash(CONCURRENT), ApiKeys.hash(FAILED), upstream.baseUrl()));
    client = new NativeClient(vertx, gateway.port());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().await();
  }

  static String completion(String text) {
    return new JsonObject().put("model", "fake")
      .put("messages", List.of(new JsonObject().put("role", "user").put("content", text))).encode();
  }

  NativeClient.Reply complete(String key) throws Exception {
    return client.request(HttpMethod.POST, "/v1/chat/completions", key, completion("hi"));
  }

  @Test
  void requestsPerMinuteHoldWithinTenPercentOverARun() throws Exception {
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger unanswered = new AtomicInteger();
    List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(5);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread thread = new Thread(() -> {
        try {
          while (System.nanoTime() < end) {
            NativeClient.Reply reply;
            try {
              reply = complete(RATE);
            } catch (java.io.IOException noAnswer) {
              // A pooled connection closed under the request (no byte of an answer): not the limiter's doing, and
              // counted apart. Seen a few times in full builds, never alone: see HttpGuard's keep-alive handling.
              unanswered.incrementAndGet();
              continue;
            }
            if (reply.status() == 200) {
              admitted.incrementAndGet();
            } else if (reply.status() == 429 && "rate_limit_exceeded".equals(reply.errorCode())
                && reply.headers().get("retry-after") != null) {
              refused.incrementAndGet();
            } else {
              problems.add(reply.status() + " " + reply.body());
            }
          }
        } catch (Exception e) {
          problems.add(e.toString());
        }
      });
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double expected = 10 + 20 * seconds;
    System.out.printf("requests per minute 1200 (burst 10): %d admitted, %d refused in %.2f s; expected %.1f%n",
      admitted.get(), refused.get(), seconds, expected);
    assertEquals(List.of(), problems);
    assertTrue(unanswered.get() <= 2, unanswered.get() + " requests got no answer at all");
    assertTrue(refused.get() > admitted.get(), "the clients asked for more than the limit");
    assertTrue(Math.abs(admitted.get() - expected) <= 0.1 * expected,
      admitted.get() + " admitted, expected " + expected + " +-10%");
  }

  @Test
  void theTokenBudgetHoldsWithinTenPercent() throws Exception {
    int admitted = 0;
    NativeClient.Reply reply;
    while ((reply = complete(BUDGET)).status() == 200) {
      admitted++;
      assertTrue(admitted < 1000, "the budget never refused");
    }
    assertEquals(429, reply.status(), reply.body());
    assertEquals("insufficient_quota", reply.errorCode());
    assertNull(reply.headers().get("retry-after"), "a total budget never starts over");
    int used = admitted * USED;
    System.out.printf("token budget 600: %d requests admitted, %d tokens used%n", admitted, used);
    assertTrue(used >= 540 && used <= 660, used + " tokens used of a 600 budget");
  }

  @Test
  void tokensPerMinuteRefuseWithARetryAfter() throws Exception {
    int admitted = 0;
    NativeClient.Reply reply;
    while ((reply = complete(TPM)).status() == 200) {
      admitted++;
      assertTrue(admitted < 1000, "the limit never refused");
    }
    assertEquals("tokens_per_minute_exceeded", reply.errorCode(), reply.body());
    assertNotNull(reply.headers().get("retry-after"));
    assertTrue(Long.parseLong(reply.headers().get("retry-after")) >= 1);
    int used = admitted * USED;
    // A minute's worth at once, plus what refilled during the run (10 tokens a second).
    assertTrue(used >= 540 && used <= 720, used + " tokens used at 600 per minute");
  }

  @Test
  void aCancelledStreamIsSettledWithWhatItUsed() throws Exception {
    String token = client.request(HttpMethod.POST, "/v1/sessions", SETTLE, null).json().getString("token");
    String[] tokens = java.util.stream.IntStream.range(0, 200).mapToObj(i -> "t" + i + " ").toArray(String[]::new);
    upstream.enqueue(Script.tokens(tokens).usage(5, 200).delay(Duration.ofMillis(20)));
    String id = client.start(token, prompt("fake", "hi"));
    NativeClient.await("30 tokens", () -> {
      try {
        NativeClient.Reply poll = client.poll(token, id, 0, 0);
        return poll.json().getJsonArray("events").stream()
          .filter(e -> "token".equals(((JsonObject) e).getString("type"))).count() >= 30;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertEquals(200, client.cancel(token, id).status());
    client.pollToEnd(token, id, 0);
    // Settled with 5 (the estimate) + 30 or more tokens counted: a prompt estimated at 34 tokens no longer fits in
    // 50. Had the cancel settled nothing, 5 + 34 would.
    NativeClient.Reply refused = client.request(HttpMethod.POST, "/v1/streams", token,
      prompt("fake", "x".repeat(120)).encode());
    assertEquals(429, refused.status(), refused.body());
    assertEquals("insufficient_quota", refused.errorCode());
  }

  @Test
  void aFailedStreamIsSettledWithWhatItUsed() throws Exception {
    String token = client.request(HttpMethod.POST, "/v1/sessions", FAILED, null).json().getString("token");
    String[] tokens = java.util.stream.IntStream.range(0, 40).mapToObj(i -> "t" + i + " ").toArray(String[]::new);
    // The upstream sends 40 tokens, then an error event instead of the rest.
    upstream.enqueue(Script.tokens(tokens).errorEventAfter(40, "the model crashed"));
    String id = client.start(token, prompt("fake", "hi"));
    List<JsonObject> events = client.pollToEnd(token, id, 0);
    assertEquals("error", events.get(events.size() - 1).getString("reason"), events.toString());
    // Settled with 5 (the estimate) + 40 counted: a prompt estimated at 34 tokens no longer fits in 60. Had the
    // failure settled nothing, 5 + 34 would.
    NativeClient.Reply refused = client.request(HttpMethod.POST, "/v1/streams", token,
      prompt("fake", "x".repeat(120)).encode());
    assertEquals(429, refused.status(), refused.body());
    assertEquals("insufficient_quota", refused.errorCode());
  }

  @Test
  void concurrentStreamsAreCappedAndFreedWhenOneEnds() throws Exception {
    String token = client.request(HttpMethod.POST, "/v1/sessions", CONCURRENT, null).json().getString("token");
    String other = client.request(HttpMethod.POST, "/v1/sessions", CONCURRENT, null).json().getString("token");
    upstream.enqueue(Script.tokens("a ", "b ").delay(Duration.ofSeconds(30)));
    upstream.enqueue(Script.tokens("a ", "b ").delay(Duration.ofSeconds(30)));
    String first = client.start(token, prompt("fake", "hi"));
    client.start(other, prompt("fake", "hi"));
    NativeClient.Reply third = client.request(HttpMethod.POST, "/v1/streams", token, prompt("fake", "hi").encode());
    assertEquals(429, third.status(), third.body());
    assertEquals("too_many_concurrent_streams", third.errorCode());
    client.cancel(token, first);
    client.pollToEnd(token, first, 0);
    NativeClient.await("a free slot", () -> {
      try {
        return client.request(HttpMethod.POST, "/v1/streams", token, prompt("fake", "hi").encode()).status() == 201;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
