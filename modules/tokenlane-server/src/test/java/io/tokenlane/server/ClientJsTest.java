package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.ollama.FakeOllamaUpstream;
import io.tokenlane.testkit.ollama.Script;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tokenlane-client-js} from Node (no browser, no dependency) against a real gateway: each transport forced,
 * negotiation, abort (plain, with tokens in flight, with tokens received and not yet read), follow-up prompts on
 * one socket, resume from another client with the same session, a reload behind the replay buffer (snapshot), and
 * what goes where of the credentials (API key, session token) through a recording proxy.
 * The scenarios are in {@code modules/tokenlane-client-js/src/test/js/client-check.mjs}.
 */
class ClientJsTest {

  private static Vertx vertx;
  private static GatewayServer gateway;
  // An upstream that thinks before it answers, for the reasoning scenario.
  private static FakeOllamaUpstream thinker;
  // A replay buffer far shorter than the answer: a resume behind it gets a snapshot. Its own Vert.x: servers of one
  // Vert.x on port 0 share their port.
  private static Vertx compactingVertx;
  private static GatewayServer compacting;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    thinker = FakeOllamaUpstream.start(vertx).await(10, TimeUnit.SECONDS);
    thinker.defaultScript(Script.tokens("The ", "answer ", "is ", "4.").thinking("Two ", "and ", "two ", "make ", "four."));
    gateway = GatewayServer.start(vertx, """
      providers:
        thinker: { type: ollama, config: { baseUrl: "%s" } }
        mock-fast:
          type: mock
          config: { tokensPerSecond: 0, length: 400 }
        mock-typewriter:
          type: mock
          config: { ttftMs: 50, tokensPerSecond: 60, length: 300 }
      models:
        mock-fast: { provider: mock-fast }
        mock-typewriter: { provider: mock-typewriter }
        thinker: { provider: thinker, model: "qwen3:8b" }
      """.formatted(thinker.baseUrl()));
    compactingVertx = Vertx.vertx();
    compacting = GatewayServer.start(compactingVertx, """
      streams:
        replayCapacity: 8
      providers:
        mock-compact:
          type: mock
          config: { ttftMs: 0, tokensPerSecond: 400, length: 300 }
      models:
        mock-compact: { provider: mock-compact }
      """);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    compacting.close();
    compactingVertx.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject check(String scenario) throws Exception {
    return check(scenario, gateway);
  }

  private static JsonObject check(String scenario, GatewayServer gateway) throws Exception {
    return ClientCheck.result(ClientCheck.start(scenario, gateway.baseUrl() + "/"));
  }


  @Test
  void eachTransportDeliversTheSameWholeText() throws Exception {
    String websocket = check("stream-websocket").getString("text");
    assertEquals(websocket, check("stream-sse").getString("text"));
    assertEquals(websocket, check("stream-long-polling").getString("text"));
    assertTrue(websocket.length() > 100, websocket);
  }

  @Test
  void reasoningIsKeptApartFromTheAnswerOnEveryTransport() throws Exception {
    JsonObject runs = check("reasoning").getJsonObject("runs");
    assertEquals(Set.of("websocket", "sse", "long-polling"), runs.fieldNames());
    for (String transport : runs.fieldNames()) {
      assertEquals("Two and two make four.", runs.getJsonObject(transport).getString("reasoning"), transport);
      assertEquals("The answer is 4.", runs.getJsonObject(transport).getString("text"), transport);
    }
  }

  @Test
  void negotiationPicksWebSocketFirst() throws Exception {
    assertEquals("websocket", check("auto").getString("transport"));
  }

  @Test
  void anAbortSignalCancelsOnEveryTransportAndNoTokenFollows() throws Exception {
    assertNoTokenAfterTheAbort(check("abort"), "cancelled");
  }

  /**
   * The cancel reaches the gateway after tokens it generated in the meantime: they arrive after the abort, before
   * the end, and the client must drop them (the race that made the test above fail now and then, made certain).
   */
  @Test
  void tokensThatArriveBetweenTheAbortAndTheEndAreDiscarded() throws Exception {
    JsonObject runs = assertNoTokenAfterTheAbort(check("abort-in-flight"), "cancelled");
    for (String transport : runs.fieldNames()) {
      assertTrue(runs.getJsonObject(transport).getInteger("discarded") > 0, transport + ": " + runs.encode());
    }
  }

  @Test
  void tokensReceivedButNotYetReadDoNotReachTheLoopAfterTheAbort() throws Exception {
    assertNoTokenAfterTheAbort(check("abort-burst"), "length");
  }

  /** Each transport's run: exactly the 3 tokens read before the abort, then the end with {@code reason}. */
  private static JsonObject assertNoTokenAfterTheAbort(JsonObject result, String reason) {
    JsonObject runs = result.getJsonObject("runs");
    assertEquals(3, runs.size(), runs.encode());
    for (String transport : runs.fieldNames()) {
      JsonObject run = runs.getJsonObject(transport);
      assertEquals(3, run.getInteger("tokens"), transport + ": " + run.encode());
      assertEquals(reason, run.getString("reason"), transport + ": " + run.encode());
    }
    return runs;
  }

  @Test
  void followUpPromptsShareOneWebSocket() throws Exception {
    JsonObject result = check("follow-up");
    assertEquals(1, result.getInteger("sockets"));
  }

  @Test
  void aReloadBehindTheReplayBufferShowsTheWholeAnswerFromItsSnapshot() throws Exception {
    JsonObject runs = check("snapshot", compacting).getJsonObject("runs");
    assertEquals(3, runs.size(), runs.encode());
  }

  /**
   * Seen on the wire by a recording proxy: the API key only in Authorization of POST sessions; the session token in
   * Authorization of every HTTP request of the streams, and in a URL only for the WebSocket handshake.
   */
  @Test
  void theSessionTokenTravelsInAHeaderAndInAUrlOnlyForTheWebSocket() throws Exception {
    JsonObject runs = check("auth-headers").getJsonObject("runs");
    assertEquals(3, runs.size(), runs.encode());
    for (String transport : List.of("sse", "long-polling")) {
      List<Object> requests = runs.getJsonObject(transport).getJsonArray("requests").getList();
      assertTrue(requests.stream().noneMatch(r -> String.valueOf(r).contains("access_token")), transport + ": " + requests);
      assertTrue(requests.size() >= 3, transport + ": " + requests);
    }
  }

  /** A refused API key, a proxy's 401 page and a disallowed model each fail the stream after one request. */
  @Test
  void refusedCredentialsFailTheStreamAtOnceWithoutRetries() throws Exception {
    JsonObject runs = check("auth-refused").getJsonObject("runs");
    assertEquals(401, runs.getJsonObject("invalid_api_key").getInteger("status"), runs.encode());
    assertEquals("model_not_allowed", runs.getJsonObject("model_not_allowed").getString("code"), runs.encode());
  }

  @Test
  void anotherClientWithTheSameSessionResumesWithNothingLostOrRepeated() throws Exception {
    JsonObject runs = check("resume").getJsonObject("runs");
    assertEquals(3, runs.size(), runs.encode());
  }
}
