package io.tokenlane.server;

import static io.tokenlane.server.GatewayServer.streamingChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.Script;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * OpenAI in, OpenAI out: an upstream's chunks reach the client byte for byte, with only {@code id} and
 * {@code model} rewritten, however TCP cuts them (multi-byte characters split included); and the same upstream
 * through the native protocol (the general path) gives the same text, tool calls and usage.
 */
class OpenAiPassThroughTest {

  private static final String UPSTREAM_ID = "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT";
  private static final String UPSTREAM_MODEL = "gpt-4o-mini-2024-07-18";
  private static final String TEXT = "Grüße, 世界 😀 \"quoted\" back\\slash\nnew line\t</script>";

  private static NativeGateway fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = NativeGateway.start("""
      providers:
        upstream:
          type: openai
          config:
            baseUrl: ${UPSTREAM}
      models:
        public-model: { provider: upstream, model: gpt-4o-mini }
      """);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  /** One chunk as OpenAI sends it, with the upstream's id and model. */
  private static String chunk(String choices, String usage) {
    return "{\"id\":\"" + UPSTREAM_ID + "\",\"object\":\"chat.completion.chunk\",\"created\":1733500000,\"model\":\""
      + UPSTREAM_MODEL + "\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":"
      + choices + ",\"usage\":" + usage + "}";
  }

  private static String delta(String delta, String finishReason) {
    return "[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finishReason + "}]";
  }

  private static String quoted(String text) {
    return new JsonArray().add(text).encode().replaceAll("^\\[|]$", "");
  }

  /** A whole answer: role, text in pieces, a tool call in two fragments, the finish, the usage chunk. */
  private static List<String> answer() {
    List<String> chunks = new ArrayList<>();
    chunks.add(chunk(delta("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "null"), "null"));
    for (String piece : new String[] {"Grüße, 世", "界 😀 \"quoted\" ", "back\\slash\nnew line\t</script>"}) {
      chunks.add(chunk(delta("{\"content\":" + quoted(piece) + "}", "null"), "null"));
    }
    chunks.add(chunk(delta("{\"tool_calls\":[{\"index\":0,\"id\":\"call_DdmO9pD3xa9XTPNJ32zg2hcA\",\"type\":\"function\","
      + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", "null"), "null"));
    chunks.add(chunk(delta("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\\\"Köln\\\"}\"}}]}",
      "null"), "null"));
    chunks.add(chunk(delta("{}", "\"tool_calls\""), "null"));
    chunks.add(chunk("[]", "{\"prompt_tokens\":19,\"completion_tokens\":24,\"total_tokens\":43,"
      + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
      + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0}}"));
    return chunks;
  }

  /** The event stream an upstream writes: comments and CRLF line endings included, as some servers do. */
  private static String upstreamBody(List<String> chunks, String eol) {
    StringBuilder body = new StringBuilder(": OPENROUTER PROCESSING" + eol + eol);
    for (String chunk : chunks) {
      body.append("data: ").append(chunk).append(eol).append(eol);
    }
    return body.append("data: [DONE]").append(eol).append(eol).toString();
  }

  /** What the client must get: every chunk (the usage chunk only when asked for), rewritten, then [DONE]. */
  private static String expectedBody(List<String> chunks, String gatewayId, boolean usage) {
    StringBuilder body = new StringBuilder();
    for (String chunk : chunks) {
      if (!usage && chunk.contains("\"choices\":[]")) {
        continue;
      }
      body.append("data: ").append(chunk.replace("\"id\":\"" + UPSTREAM_ID + "\"", "\"id\":\"" + gatewayId + "\"")
        .replace("\"model\":\"" + UPSTREAM_MODEL + "\"", "\"model\":\"public-model\"")).append("\n\n");
    }
    return body.append("data: [DONE]\n\n").toString();
  }

  private static JsonObject request(boolean usage) {
    JsonObject body = streamingChat("public-model", "What is the weather in Köln?");
    return usage ? body.put("stream_options", new JsonObject().put("include_usage", true)) : body;
  }

  @ParameterizedTest(name = "cut every {0} bytes")
  @ValueSource(ints = {0, 1, 2, 3, 5, 7, 64})
  void chunksPassThroughByteForByteWithOnlyIdAndModelRewrittenHoweverTheyAreCut(int cut) throws Exception {
    for (boolean usage : new boolean[] {true, false}) {
      Script script = Script.raw(200, "text/event-stream; charset=utf-8", upstreamBody(answer(), cut == 3 ? "\r\n" : "\n"));
      fixture.upstream.enqueue(cut > 0 ? script.splitEveryBytes(cut) : script);
      GatewayServer.Reply reply = fixture.gateway.post("/v1/chat/completions", request(usage));
      assertEquals(200, reply.status(), reply.body());
      assertEquals("text/event-stream; charset=utf-8", reply.headers().get("content-type"));
      String gatewayId = new JsonObject(reply.data().get(0)).getString("id");
      assertTrue(gatewayId.startsWith("chatcmpl-") && !gatewayId.equals(UPSTREAM_ID), gatewayId);
      assertEquals(expectedBody(answer(), gatewayId, usage), reply.body(), "usage asked for: " + usage);
    }
  }

  @Test
  void anErrorMidStreamFollowsTheChunksPassedThroughAndNoDoneFollowsIt() throws Exception {
    List<String> chunks = answer().subList(0, 3);
    String body = upstreamBody(chunks, "\n").replace("data: [DONE]\n\n",
      "data: {\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n");
    fixture.upstream.enqueue(Script.raw(200, "text/event-stream", body).splitEveryBytes(9));
    GatewayServer.Reply reply = fixture.gateway.post("/v1/chat/completions", request(false));
    assertEquals(200, reply.status());
    List<String> data = reply.data();
    String gatewayId = new JsonObject(data.get(0)).getString("id");
    String expected = expectedBody(chunks, gatewayId, false).replace("data: [DONE]\n\n", "");
    assertTrue(reply.body().startsWith(expected), reply.body());
    JsonObject error = new JsonObject(data.get(data.size() - 1)).getJsonObject("error");
    assertEquals("upstream_error", error.getString("code"));
    assertTrue(error.getString("message").contains("The server is overloaded"), error.getString("message"));
    assertFalse(reply.body().contains("[DONE]"));
  }

  @Test
  void theNativeProtocolGetsTheSameTextToolCallsAndUsageFromTheSameChunks() throws Exception {
    fixture.upstream.enqueue(Script.raw(200, "text/event-stream", upstreamBody(answer(), "\n")).splitEveryBytes(2));
    String id = fixture.client.start(fixture.token, NativeClient.prompt("public-model", "weather?"));
    List<JsonObject> events = fixture.client.sse(fixture.token, id, 0L).awaitEnd();
    NativeClient.assertWholeStream(events);
    assertEquals(TEXT, NativeClient.text(events));
    JsonArray calls = new JsonArray();
    events.stream().filter(event -> "tool_calls".equals(event.getString("type")))
      .forEach(event -> event.getJsonArray("toolCalls").forEach(calls::add));
    assertEquals("get_weather", calls.getJsonObject(0).getJsonObject("function").getString("name"));
    assertEquals("{\"city\":\"Köln\"}", calls.getJsonObject(1).getJsonObject("function").getString("arguments"));
    JsonObject usage = events.stream().filter(event -> "usage".equals(event.getString("type"))).findFirst().orElseThrow();
    assertEquals(43, usage.getInteger("totalTokens"));
    JsonObject end = events.get(events.size() - 1);
    assertEquals("tool_calls", end.getString("reason"));
  }

  @Test
  void aClientThatAsksForNoStreamGetsTheWholeCompletionFromTheSameChunks() throws Exception {
    fixture.upstream.enqueue(Script.raw(200, "text/event-stream", upstreamBody(answer(), "\n")).splitEveryBytes(5));
    GatewayServer.Reply reply = fixture.gateway.post("/v1/chat/completions", request(false).put("stream", false));
    assertEquals(200, reply.status(), reply.body());
    JsonObject message = reply.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message");
    assertEquals(TEXT, message.getString("content"));
    assertEquals("{\"city\":\"Köln\"}", message.getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function")
      .getString("arguments"));
    assertEquals(43, reply.json().getJsonObject("usage").getInteger("total_tokens"));
    assertEquals("public-model", reply.json().getString("model"));
  }
}
