package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.await;
import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics}: streams on every transport and a cancel move the counters and histograms by exactly what
 * they did, connections show per transport while open, and no stream or session id appears in the exposition.
 * The gateway runs on a Vert.x built as the standalone server builds it ({@link Main#vertx}), so Vert.x's own meters
 * are in the same scrape.
 */
class MetricsTest {

  static Vertx vertx;
  static FakeOpenAiUpstream upstream;
  static GatewayServer gateway;
  static NativeClient client;
  static String token;
  static final List<String> ids = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    List<String> problems = new ArrayList<>();
    // The standalone server's Vert.x: only its metrics and event-loop settings are read from this configuration.
    vertx = Main.vertx(TokenlaneConfig.parse("""
      metrics: { enabled: true }
      providers:
        mock: { type: mock }
      models:
        m: { provider: mock }
      """, name -> null, problems));
    assertEquals(List.of(), problems);
    upstream = FakeOpenAiUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    gateway = GatewayServer.start(vertx, """
      providers:
        up: { type: openai, config: { baseUrl: "%s" } }
      models:
        fast: { provider: up, model: gpt-4o-mini }
      """.formatted(upstream.baseUrl()));
    client = new NativeClient(vertx, gateway.port());
    JsonObject session = client.session();
    token = session.getString("token");
    ids.add(session.getString("sessionId", "no-session-id"));
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    gateway.close();
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void streamsOnEveryTransportMoveTheMetersByWhatTheyDid() throws Exception {
    Map<String, Double> before = scrape();

    // OpenAI SSE: the upstream reports usage, which counts (7), not the deltas (3).
    upstream.enqueue(Script.tokens("a", "b", "c").usage(10, 7));
    GatewayServer.Reply openAi = gateway.post("/v1/chat/completions", GatewayServer.streamingChat("fast", "hi"));
    assertEquals(200, openAi.status(), openAi.body());
    assertEquals("abc", openAi.streamedText());

    // Long polling, without usage: the deltas are counted (2).
    upstream.enqueue(Script.tokens("x", "y"));
    String polled = client.start(token, prompt("fast", "hi"));
    ids.add(polled);
    client.pollToEnd(token, polled, 0);

    // Native SSE, with usage (5).
    upstream.enqueue(Script.tokens("p", "q").usage(3, 5));
    String followed = client.start(token, prompt("fast", "hi"));
    ids.add(followed);
    NativeClient.Sse sse = client.sse(token, followed, null);
    sse.awaitEnd();
    sse.close();

    // A resume: SSE again from the first event, as a reconnecting client asks.
    NativeClient.Sse resumed = client.sse(token, followed, 1L);
    resumed.awaitEnd();
    resumed.close();

    // WebSocket, with usage (4).
    upstream.enqueue(Script.tokens("w", "s").usage(3, 4));
    NativeClient.Ws ws = client.readyWs(token);
    String socketed = ws.prompt(prompt("fast", "hi"), "r-metrics-1");
    ids.add(socketed);
    ws.awaitEnd(socketed);

    // A cancel, while an SSE follower is connected: the open connections show per transport.
    upstream.enqueue(Script.tokens("1", "2", "3", "4", "5", "6", "7", "8").delay(Duration.ofMillis(300)));
    String cancelled = client.start(token, prompt("fast", "hi"));
    ids.add(cancelled);
    NativeClient.Sse watching = client.sse(token, cancelled, null);
    watching.awaitEvents(events -> events.stream().filter(e -> "token".equals(e.getString("type"))).count() >= 2);
    Map<String, Double> open = scrape();
    assertEquals(1.0, open.get("tokenlane_connections_open{transport=\"websocket\"}"));
    assertEquals(1.0, open.get("tokenlane_connections_open{transport=\"sse\"}"));
    assertEquals(0.0, open.get("tokenlane_connections_open{transport=\"openai-sse\"}"));
    assertEquals(0.0, open.get("tokenlane_connections_open{transport=\"responses-sse\"}"));
    assertEquals(0.0, open.get("tokenlane_connections_open{transport=\"messages-sse\"}"));
    assertEquals(1.0, open.get("tokenlane_streams_active"));
    assertTrue(open.get("tokenlane_replay_events") > 0, open.toString());
    NativeClient.assertStatus(200, client.cancel(token, cancelled));
    List<JsonObject> tokenEvents = watching.awaitEnd().stream().filter(e -> "token".equals(e.getString("type")))
      .toList();
    watching.close();
    ws.socket().close().await(10, TimeUnit.SECONDS);

    await("the connections to close and the streams to end", () -> {
      Map<String, Double> now = scrape();
      return now.get("tokenlane_connections_open{transport=\"websocket\"}") == 0.0
        && now.get("tokenlane_connections_open{transport=\"sse\"}") == 0.0
        && now.get("tokenlane_streams_active") == 0.0;
    });
    Map<String, Double> after = scrape();
    String model = "{model=\"fast\"}";
    assertEquals(5, delta(before, after, "tokenlane_streams_started_total" + model));
    assertEquals(4, delta(before, after, "tokenlane_streams_ended_total{model=\"fast\",reason=\"stop\"}"));
    assertEquals(1, delta(before, after, "tokenlane_streams_ended_total{model=\"fast\",reason=\"cancelled\"}"));
    assertEquals(0, delta(before, after, "tokenlane_streams_ended_total{model=\"fast\",reason=\"error\"}"));
    assertEquals(1, delta(before, after, "tokenlane_streams_cancels_total" + model));
    assertEquals(1, delta(before, after, "tokenlane_streams_resumes_total"));
    // 7 + 2 + 5 + 4 from the four whole streams, and the cancelled one's deltas counted: one character each.
    assertEquals(7 + 2 + 5 + 4 + NativeClient.text(tokenEvents).length(),
      delta(before, after, "tokenlane_tokens_delivered_total" + model));
    assertEquals(5, delta(before, after, "tokenlane_upstream_requests_total{model=\"fast\",provider=\"up\"}"));
    assertEquals(0, delta(before, after, "tokenlane_upstream_errors_total{model=\"fast\",provider=\"up\"}"));
    assertEquals(5, delta(before, after, "tokenlane_upstream_duration_seconds_count{model=\"fast\",provider=\"up\"}"));
    // Every stream delivered text: one time to first token each; the buckets are cumulative up to +Inf.
    assertEquals(5, delta(before, after, "tokenlane_time_to_first_token_seconds_count" + model));
    assertEquals(5, delta(before, after, "tokenlane_time_to_first_token_seconds_bucket{model=\"fast\",le=\"+Inf\"}"));
    assertTrue(delta(before, after, "tokenlane_time_to_first_token_seconds_sum" + model) > 0);
    // Gaps: one per delivery after a stream's first. The cancelled stream's tokens came 300 ms apart, one delivery
    // (one token event) each: that many gaps above 0.25 s. A whole stream may come in more than one upstream read,
    // with a short gap between them.
    double gaps = delta(before, after, "tokenlane_inter_token_gap_seconds_count" + model);
    double slow = gaps
      - delta(before, after, "tokenlane_inter_token_gap_seconds_bucket{model=\"fast\",le=\"0.25\"}");
    assertTrue(slow >= tokenEvents.size() - 1 && tokenEvents.size() >= 2, slow + " slow gaps, " + tokenEvents.size()
      + " token events");
    assertTrue(gaps >= slow);
    assertTrue(delta(before, after, "tokenlane_inter_token_gap_seconds_sum" + model)
      >= 0.25 * (tokenEvents.size() - 1));
    assertEquals(1.0, after.get("tokenlane_cluster_members"));
    assertEquals(0.0, after.get("tokenlane_streams_detached"));
    // Vert.x's own meters are in the same scrape.
    assertTrue(after.keySet().stream().anyMatch(key -> key.startsWith("vertx_http_server_")),
      after.keySet().toString());

    String text = gateway.get("/metrics").body();
    for (String id : ids) {
      assertFalse(text.contains(id), "the exposition names " + id);
    }
    assertFalse(text.contains(token));
    assertFalse(text.contains("r-metrics-1"));
  }

  @Test
  void theExpositionIsPrometheusText() throws Exception {
    GatewayServer.Reply reply = gateway.get("/metrics");
    assertEquals(200, reply.status());
    assertTrue(reply.headers().get("content-type").startsWith("text/plain"), reply.headers().toString());
    assertTrue(reply.body().contains("# TYPE tokenlane_streams_started_total counter"), reply.body());
    assertTrue(reply.body().contains("# TYPE tokenlane_time_to_first_token_seconds histogram"), reply.body());
    assertTrue(reply.body().contains("# TYPE tokenlane_connections_open gauge"), reply.body());
    // The event loops' delay: probed on every loop from the start, so samples are there by the first scrape.
    assertTrue(reply.body().contains("# TYPE tokenlane_event_loop_delay_seconds histogram"), reply.body());
    assertTrue(reply.body().contains("tokenlane_event_loop_delay_seconds_bucket{le=\"0.005\"}"), reply.body());
  }

  @Test
  void anEmbeddingVertxWithoutMetricsGetsTheGatewaysMetersAtTheConfiguredPath() throws Exception {
    Vertx plain = Vertx.vertx();
    try {
      GatewayServer embedded = GatewayServer.start(plain, """
        metrics: { path: /ops/prometheus }
        providers:
          mock: { type: mock }
        models:
          m: { provider: mock }
        """);
      try {
        assertEquals(404, embedded.get("/metrics").status());
        GatewayServer.Reply reply = embedded.get("/ops/prometheus");
        assertEquals(200, reply.status());
        Map<String, Double> samples = parse(reply.body());
        assertEquals(0.0, samples.get("tokenlane_streams_started_total{model=\"m\"}"));
        assertEquals(0.0, samples.get("tokenlane_connections_open{transport=\"openai-sse\"}"));
        // Only the gateway's own: this Vert.x has no metrics of its own to add.
        assertFalse(samples.keySet().stream().anyMatch(key -> key.startsWith("vertx_")), samples.keySet().toString());
      } finally {
        embedded.close();
      }
      GatewayServer off = GatewayServer.start(plain, """
        metrics: { enabled: false }
        providers:
          mock: { type: mock }
        models:
          m: { provider: mock }
        """);
      try {
        assertEquals(404, off.get("/metrics").status());
      } finally {
        off.close();
      }
    } finally {
      plain.close().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void aResumePastTheReplayBufferCountsAResumeAndAReset() throws Exception {
    try (NativeGateway small = NativeGateway.start("""
        streams: { replayCapacity: 4, snapshotMaxBytes: 0 }
        providers:
          up: { type: openai, config: { baseUrl: "${UPSTREAM}" } }
        models:
          fast: { provider: up, model: gpt-4o-mini }
        """)) {
      // One token event each, 30 ms apart: more events than the buffer keeps, and no snapshot of what it dropped.
      small.upstream.enqueue(Script.tokens("1", "2", "3", "4", "5", "6", "7", "8").delay(Duration.ofMillis(30)));
      String id = small.client.start(small.token, prompt("fast", "hi"));
      // Nobody reads while it runs: the end is awaited on the metrics themselves.
      await("the stream's end", () -> parse(body(small.gateway, "/metrics"))
        .get("tokenlane_streams_ended_total{model=\"fast\",reason=\"stop\"}") == 1.0);
      NativeClient.Sse resumed = small.client.sse(small.token, id, 1L);
      List<JsonObject> events = resumed.awaitEnd();
      resumed.close();
      assertTrue(events.stream().anyMatch(e -> "reset".equals(e.getString("type"))), events.toString());
      Map<String, Double> samples = parse(small.gateway.get("/metrics").body());
      assertEquals(1.0, samples.get("tokenlane_streams_resumes_total"));
      assertEquals(1.0, samples.get("tokenlane_streams_resets_total"));
      assertEquals(8.0, samples.get("tokenlane_tokens_delivered_total{model=\"fast\"}"));
    }
  }

  static String body(GatewayServer server, String path) {
    try {
      return server.get(path).body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aMetricsPathMustBeAbsolute() {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig.parse("""
      metrics: { path: "metrics?x" }
      providers:
        mock: { type: mock }
      models:
        m: { provider: mock }
      """, name -> null, problems);
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("metrics.path:"), problems.toString());
  }

  @Test
  void theEnvironmentTurnsMetricsOffOrMovesThem() {
    List<String> problems = new ArrayList<>();
    String yaml = """
      providers:
        mock: { type: mock }
      models:
        m: { provider: mock }
      """;
    TokenlaneConfig defaults = TokenlaneConfig.parse(yaml, name -> null, problems);
    TokenlaneConfig overridden = TokenlaneConfig.parse(yaml,
      Map.of("TOKENLANE_METRICS_ENABLED", "false", "TOKENLANE_METRICS_PATH", "/internal/metrics")::get, problems);
    assertEquals(List.of(), problems);
    assertTrue(defaults.metricsEnabled());
    assertEquals("/metrics", defaults.metricsPath());
    assertFalse(overridden.metricsEnabled());
    assertEquals("/internal/metrics", overridden.metricsPath());
  }

  static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
    Double now = after.get(series);
    if (now == null) {
      throw new AssertionError("no series " + series + " in " + after.keySet());
    }
    return now - before.getOrDefault(series, 0.0);
  }

  /** The samples of the exposition, by series as written: name and labels. */
  static Map<String, Double> scrape() {
    GatewayServer.Reply reply;
    try {
      reply = gateway.get("/metrics");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertEquals(200, reply.status(), reply.body());
    return parse(reply.body());
  }

  static Map<String, Double> parse(String exposition) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String value = line.substring(space + 1);
      samples.put(line.substring(0, space), switch (value) {
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        default -> Double.parseDouble(value);
      });
    }
    return samples;
  }
}
