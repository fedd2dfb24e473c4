package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.FakeOpenAiUpstream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo page and the JavaScript client in a real headless Chromium, against a real gateway, directly or behind
 * a proxy that refuses WebSocket upgrades and buffers event streams the way corporate proxies do.
 */
class BrowserTest {

  private static final String PROMPT = "Tell me about streaming gateways.";
  private static final String[] SLOW_TOKENS = IntStream.range(0, 150).mapToObj(i -> "w" + i + " ").toArray(String[]::new);

  private static NativeGateway fixture;
  private static Vertx vertx;
  private static FakeOpenAiUpstream upstream;
  private static GatewayServer gateway;
  private static NativeClient client;
  private static String expectedFastText;

  @BeforeAll
  static void start() throws Exception {
    BrowserHarness.requireChromium();
    BrowserHarness.npmInstallOnce();
    fixture = NativeGateway.start("""
      transports:
        heartbeatMs: 2000
      providers:
        mock-fast:
          type: mock
          config: { tokensPerSecond: 0, length: 300 }
        upstream:
          type: openai
          config:
            baseUrl: ${UPSTREAM}
      models:
        mock-fast: { provider: mock-fast }
        slow-upstream: { provider: upstream, model: gpt-4o-mini }
      """);
    vertx = fixture.vertx;
    upstream = fixture.upstream;
    gateway = fixture.gateway;
    client = fixture.client;
    upstream.defaultScript(Script.tokens(SLOW_TOKENS).delay(Duration.ofMillis(40)));
    // The mock is deterministic per prompt: what the page must show, read over long-poll by a Java client.
    expectedFastText = NativeClient.text(client.pollToEnd(fixture.token,
      client.start(fixture.token, prompt("mock-fast", PROMPT)), 0));
  }

  @AfterAll
  static void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static String origin() {
    return "http://127.0.0.1:" + gateway.port();
  }

  private static BlockingProxy proxy() throws Exception {
    return BlockingProxy.start(vertx, gateway.port()).await(10, TimeUnit.SECONDS);
  }

  @Test
  void theDemoStreamsOnEachTransport() throws Exception {
    for (String transport : List.of("websocket", "sse", "long-polling")) {
      JsonObject page = BrowserHarness.run("demo-stream", origin(),
        new JsonObject().put("transport", transport).put("model", "mock-fast").put("prompt", PROMPT));
      assertEquals(transport, page.getString("transport"), page.encode());
      assertEquals("stop", page.getString("status"), page.encode());
      assertEquals(expectedFastText, page.getString("output"), transport);
      assertEquals(new JsonArray(), page.getJsonArray("consoleErrors"), transport);
    }
  }

  @Test
  void onAutoTheDemoPicksWebSocket() throws Exception {
    JsonObject page = BrowserHarness.run("demo-stream", origin(), new JsonObject().put("transport", "auto")
      .put("model", "mock-fast").put("prompt", PROMPT));
    assertEquals("websocket", page.getString("transport"), page.encode());
    assertEquals(expectedFastText, page.getString("output"));
  }

  @Test
  void behindAProxyThatRefusesUpgradesTheDemoFallsBackToSse() throws Exception {
    BlockingProxy proxy = proxy().blockWebSockets(true);
    try {
      JsonObject page = BrowserHarness.run("demo-stream", proxy.origin(), new JsonObject().put("transport", "auto")
        .put("model", "mock-fast").put("prompt", PROMPT));
      assertEquals("sse", page.getString("transport"), page.encode());
      assertEquals("stop", page.getString("status"));
      assertEquals(expectedFastText, page.getString("output"));
      assertTrue(proxy.refusedUpgrades() >= 1, "the page tried WebSocket first");
    } finally {
      proxy.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void behindAProxyThatAlsoBuffersEventStreamsTheDemoFallsBackToLongPolling() throws Exception {
    BlockingProxy proxy = proxy().blockWebSockets(true).bufferEventStreams(true);
    try {
      // A slow stream: a buffering proxy only delays a fast one, which then arrives whole over SSE.
      JsonObject page = BrowserHarness.run("demo-stream", proxy.origin(), new JsonObject().put("transport", "auto")
        .put("model", "slow-upstream").put("prompt", PROMPT));
      assertEquals("long-polling", page.getString("transport"), page.encode());
      assertEquals("stop", page.getString("status"));
      assertEquals(String.join("", SLOW_TOKENS), page.getString("output"), "every token exactly once across the fallback");
      assertTrue(proxy.refusedUpgrades() >= 1);
      assertTrue(proxy.bufferedEventStreams() >= 1, "the page tried SSE before long-polling");
    } finally {
      proxy.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void cancelOnThePageStopsTheUpstreamOnEachTransport() throws Exception {
    for (String transport : List.of("websocket", "sse", "long-polling")) {
      int closedBefore = upstream.clientClosedCount();
      JsonObject page = BrowserHarness.run("demo-cancel", origin(),
        new JsonObject().put("transport", transport).put("model", "slow-upstream"));
      assertEquals("cancelled", page.getString("status"), page.encode());
      assertFalse(page.getBoolean("grew"), "no token after the cancel: " + page.encode());
      assertTrue(page.getString("outputAtEnd").length() < String.join("", SLOW_TOKENS).length());
      upstream.awaitClientClosed(closedBefore + 1).await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPlainEventSourceResumesByItselfWithLastEventIdWhenTheProxyCutsTheStream() throws Exception {
    upstream.enqueue(Script.tokens("a ", "b ", "c ", "d ", "e ", "f ", "g ", "h ").delay(Duration.ofMillis(60)));
    JsonObject session = client.session();
    String token = session.getString("token");
    String id = client.start(token, prompt("slow-upstream", "hi"));
    BlockingProxy proxy = proxy().cutEventStreamsAfter(3);
    try {
      JsonObject seen = BrowserHarness.run("eventsource-resume", proxy.origin(),
        new JsonObject().put("streamId", id).put("token", session.getString("urlToken")));
      JsonArray seqs = seen.getJsonArray("seqs");
      assertEquals(new JsonArray(IntStream.rangeClosed(1, seqs.size()).boxed().toList()), seqs,
        "every seq once, in order: " + seen.encode());
      assertEquals("stop", seen.getString("endReason"));
      assertTrue(seen.getInteger("opens") >= 2, "EventSource reconnected: " + seen.encode());
      assertTrue(proxy.cutEventStreams() >= 1);
    } finally {
      proxy.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Cross-site WebSocket hijacking, tried as a page would: a page of another origin (the same gateway reached as
   * localhost, another origin than 127.0.0.1 for the browser) holding a valid token cannot open the gateway's
   * WebSocket (refused with 403 before the upgrade) nor create a session, while its own origin's socket gets ready.
   */
  @Test
  void aPageOfAnotherOriginCannotOpenTheWebSocketNorCreateASession() throws Exception {
    String script = """
      const open = (url) => new Promise((resolve) => {
        const ws = new WebSocket(url);
        ws.onmessage = (ev) => {
          resolve({ ready: JSON.parse(ev.data).type === 'ready' });
          ws.close();
        };
        ws.onclose = (ev) => resolve({ ready: false, code: ev.code });
      });
      const foreign = await open(options.api.replace('http:', 'ws:') + '/ws?access_token=' + options.token);
      const own = await open(base.replace('http:', 'ws:') + '/v1/ws?access_token=' + options.token);
      let session;
      try {
        const res = await fetch(options.api + '/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        session = 'status ' + res.status;
      } catch (err) {
        session = 'refused: ' + err.name;
      }
      return { foreign, own, session };
      """;
    JsonObject page = BrowserHarness.run("client-eval", "http://localhost:" + gateway.port(), new JsonObject()
      .put("script", script).put("token", client.session().getString("urlToken")).put("api", origin() + "/v1"));
    JsonObject result = page.getJsonObject("result");
    assertFalse(result.getJsonObject("foreign").getBoolean("ready"), page.encode());
    assertEquals(1006, result.getJsonObject("foreign").getInteger("code"), "a refused handshake: " + page.encode());
    assertTrue(result.getJsonObject("own").getBoolean("ready"), page.encode());
    assertEquals("refused: TypeError", result.getString("session"), page.encode());
    assertTrue(page.getJsonArray("consoleErrors").stream().anyMatch(e -> String.valueOf(e).contains("403")),
      "the gateway refused the handshake with 403: " + page.encode());
  }

  @Test
  void theClientResumesAfterItsWebSocketDropsWithEveryTokenExactlyOnce() throws Exception {
    BlockingProxy proxy = proxy();
    try {
      int requestsBefore = upstream.requestCount();
      String script = """
        const client = new TokenlaneClient({ baseUrl: base + '/v1/', transports: ['websocket'] });
        const stream = client.stream({ model: 'slow-upstream', messages: [{ role: 'user', content: 'hi' }] });
        let text = '';
        for await (const t of stream) { text += t; }
        const result = await stream.result;
        client.close();
        return { text, transport: result.transport, seqs: result.events.map(e => e.seq), gaps: result.gaps };
        """;
      CompletableFuture<JsonObject> run = CompletableFuture.supplyAsync(() -> {
        try {
          return BrowserHarness.run("client-eval", proxy.origin(), new JsonObject().put("script", script));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      NativeClient.await("the page's prompt upstream", () -> upstream.requestCount() > requestsBefore || run.isDone());
      // Mid-stream: the ready frame and a few events went through the proxied WebSocket (150 tokens, 40 ms apart).
      NativeClient.await("events through the proxied WebSocket", () -> proxy.webSocketMessagesToClient() > 5
        || run.isDone());
      if (run.isDone()) {
        throw new AssertionError("the page finished before its WebSocket was dropped: " + run.get());
      }
      assertTrue(proxy.dropConnections() >= 1, "the page's WebSocket went through the proxy");
      JsonObject result = run.get(90, TimeUnit.SECONDS).getJsonObject("result");
      assertEquals(String.join("", SLOW_TOKENS), result.getString("text"));
      assertEquals("websocket", result.getString("transport"));
      JsonArray seqs = result.getJsonArray("seqs");
      assertEquals(new JsonArray(IntStream.rangeClosed(1, seqs.size()).boxed().toList()), seqs);
      assertEquals(new JsonArray(), result.getJsonArray("gaps"));
      assertTrue(proxy.proxiedWebSockets() >= 2, "it reconnected");
    } finally {
      proxy.close().await(10, TimeUnit.SECONDS);
    }
  }
}
