package io.tokenlane.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.anthropic.Script;
import io.tokenlane.testkit.openai.ReceivedRequest;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What reaches Anthropic: the fake records every request as it came off the wire. */
class AnthropicUpstreamRequestTest extends AnthropicProviderTestBase {

  private ReceivedRequest send(ChatRequest request) {
    upstream.enqueue(Script.tokens("ok"));
    RecordedStream stream = finished(harness().start(request));
    assertNull(stream.error(), () -> "the request failed: " + stream.error());
    return upstream.lastRequest();
  }

  private JsonObject sent(JsonObject body) {
    return send(ProviderHarness.prompt(body.put("model", MODEL))).body();
  }

  private static JsonObject message(String role, Object content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  private static JsonObject text(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  private static JsonObject withMessages(JsonObject... messages) {
    return new JsonObject().put("messages", new JsonArray(List.of((Object[]) messages)));
  }

  private static JsonObject toolCall(String id, String name, String arguments) {
    return new JsonObject().put("id", id).put("type", "function")
      .put("function", new JsonObject().put("name", name).put("arguments", arguments));
  }

  @Test
  void theRequestGoesToV1MessagesWithKeyVersionBetaExtraHeadersAndRequestId() {
    deploy(config().put("anthropicBeta", "interleaved-thinking-2025-05-14")
      .put("headers", new JsonObject().put("X-Team", "search")));
    ChatRequest request = prompt();

    ReceivedRequest received = send(request);

    assertEquals("POST", received.method());
    assertEquals("/v1/messages", received.path());
    assertEquals(API_KEY, received.header("x-api-key"));
    assertEquals("2023-06-01", received.header("anthropic-version"));
    assertEquals("interleaved-thinking-2025-05-14", received.header("anthropic-beta"));
    assertEquals("search", received.header("X-Team"));
    assertEquals("application/json", received.header("content-type"));
    assertEquals(request.requestId(), received.header("X-Request-Id"));
    assertNull(received.header("Authorization"));
  }

  @Test
  void aBaseUrlWrittenWithV1OrATrailingSlashReachesTheSamePathAndTheVersionIsConfigurable() {
    deploy(config().put("baseUrl", upstream.baseUrl() + "/v1/").put("anthropicVersion", "2024-01-01"));

    ReceivedRequest received = send(prompt());

    assertEquals("/v1/messages", received.path());
    assertEquals("2024-01-01", received.header("anthropic-version"));
    assertNull(received.header("anthropic-beta"));
  }

  @Test
  void aPlainPromptStreamsWithTheConfiguredDefaultMaxTokens() {
    deploy(config().put("maxTokens", 1234));

    JsonObject body = send(prompt()).body();

    assertEquals(new JsonObject().put("model", MODEL)
      .put("messages", new JsonArray().add(message("user", new JsonArray().add(text("Say hello to the world")))))
      .put("stream", true).put("max_tokens", 1234), body);
  }

  @Test
  void systemAndDeveloperMessagesBecomeTheTopLevelSystemPrompt() {
    JsonObject body = sent(withMessages(
      message("system", "You are terse."),
      message("developer", new JsonArray().add(text("Answer in French.")).add(text("No emoji."))),
      message("user", "Hi")));

    assertEquals("You are terse.\n\nAnswer in French.\nNo emoji.", body.getString("system"));
    assertEquals(1, body.getJsonArray("messages").size());
    assertEquals("user", body.getJsonArray("messages").getJsonObject(0).getString("role"));
  }

  @Test
  void consecutiveTurnsOfOneRoleAreMergedSoRolesAlternate() {
    JsonObject body = sent(withMessages(
      message("user", "one"), message("user", "two"), message("assistant", "three"), message("assistant", ""),
      message("assistant", "four"), message("user", "five")));

    assertEquals(new JsonArray()
      .add(message("user", new JsonArray().add(text("one")).add(text("two"))))
      .add(message("assistant", new JsonArray().add(text("three")).add(text("four"))))
      .add(message("user", new JsonArray().add(text("five")))), body.getJsonArray("messages"));
  }

  @Test
  void toolCallsBecomeToolUseBlocksAndToolMessagesBecomeToolResultsInOneUserTurn() {
    JsonObject assistant = message("assistant", "Checking both.").put("tool_calls", new JsonArray()
      .add(toolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))
      .add(toolCall("call_2", "get_time", "")));
    JsonObject body = sent(withMessages(message("user", "Weather and time?"), assistant,
      message("tool", "18 C").put("tool_call_id", "call_1"),
      message("tool", new JsonArray().add(text("09:00")).add(new JsonObject().put("type", "image_url")
        .put("image_url", new JsonObject().put("url", "https://example.com/clock.png")))).put("tool_call_id", "call_2"),
      message("user", "Thanks")));

    JsonArray messages = body.getJsonArray("messages");
    assertEquals(3, messages.size());
    assertEquals(message("assistant", new JsonArray().add(text("Checking both."))
      .add(new JsonObject().put("type", "tool_use").put("id", "call_1").put("name", "get_weather")
        .put("input", new JsonObject().put("city", "Paris")))
      .add(new JsonObject().put("type", "tool_use").put("id", "call_2").put("name", "get_time")
        .put("input", new JsonObject()))), messages.getJsonObject(1));
    assertEquals(message("user", new JsonArray()
      .add(new JsonObject().put("type", "tool_result").put("tool_use_id", "call_1").put("content", "18 C"))
      .add(new JsonObject().put("type", "tool_result").put("tool_use_id", "call_2")
        .put("content", new JsonArray().add(text("09:00")).add(new JsonObject().put("type", "image")
          .put("source", new JsonObject().put("type", "url").put("url", "https://example.com/clock.png")))))
      .add(text("Thanks"))), messages.getJsonObject(2));
  }

  @Test
  void functionToolsBecomeAnthropicToolsWithTheirSchema() {
    JsonObject parameters = new JsonObject().put("type", "object")
      .put("properties", new JsonObject().put("city", new JsonObject().put("type", "string")));
    JsonObject body = sent(withMessages(message("user", "Weather?")).put("tools", new JsonArray()
      .add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "get_weather")
        .put("description", "Weather by city").put("parameters", parameters)))
      .add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "now")))));

    assertEquals(new JsonArray()
      .add(new JsonObject().put("name", "get_weather").put("description", "Weather by city").put("input_schema", parameters))
      .add(new JsonObject().put("name", "now").put("input_schema", new JsonObject().put("type", "object")
        .put("properties", new JsonObject()))), body.getJsonArray("tools"));
    assertFalse(body.containsKey("tool_choice"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "\"auto\"|true|{\"type\":\"auto\"}",
    "\"none\"|false|{\"type\":\"none\"}",
    "\"required\"|true|{\"type\":\"any\"}",
    "{\"type\":\"function\",\"function\":{\"name\":\"now\"}}|true|{\"type\":\"tool\",\"name\":\"now\"}",
    "\"required\"|false|{\"type\":\"any\",\"disable_parallel_tool_use\":true}",
    "null|false|{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"})
  void toolChoiceAndParallelToolCallsMapToAnthropicsToolChoice(String choice, boolean parallel, String expected) {
    JsonObject request = withMessages(message("user", "Time?")).put("parallel_tool_calls", parallel)
      .put("tools", new JsonArray().add(new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", "now"))));
    if (!choice.equals("null")) {
      request.put("tool_choice", Json.decodeValue(choice));
    }

    assertEquals(new JsonObject(expected), sent(request).getJsonObject("tool_choice"));
  }

  @Test
  void imagesBecomeBase64OrUrlSources() {
    JsonArray parts = new JsonArray().add(text("What is this?"))
      .add(new JsonObject().put("type", "image_url")
        .put("image_url", new JsonObject().put("url", "data:image/png;base64,iVBORw0KGgo=").put("detail", "high")))
      .add(new JsonObject().put("type", "image_url")
        .put("image_url", new JsonObject().put("url", "https://example.com/cat.jpg")));

    JsonArray content = sent(withMessages(message("user", parts))).getJsonArray("messages").getJsonObject(0)
      .getJsonArray("content");

    assertEquals(new JsonArray().add(text("What is this?"))
      .add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
        .put("media_type", "image/png").put("data", "iVBORw0KGgo=")))
      .add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "url")
        .put("url", "https://example.com/cat.jpg"))), content);
  }

  @Test
  void samplingStopSequencesLimitAndUserMapToTheirAnthropicFields() {
    JsonObject body = sent(withMessages(message("user", "Count")).put("temperature", 0.2).put("top_p", 0.9)
      .put("stop", new JsonArray().add("###").add("END")).put("max_completion_tokens", 77).put("max_tokens", 99)
      .put("user", "user-42").put("response_format", new JsonObject().put("type", "text")));

    assertEquals(0.2, body.getDouble("temperature"));
    assertEquals(0.9, body.getDouble("top_p"));
    assertEquals(new JsonArray().add("###").add("END"), body.getJsonArray("stop_sequences"));
    assertEquals(77, body.getInteger("max_tokens"));
    assertEquals(new JsonObject().put("user_id", "user-42"), body.getJsonObject("metadata"));
    assertFalse(body.containsKey("response_format"));
    assertFalse(body.containsKey("stop"));
    assertEquals(new JsonArray().add("x"), sent(withMessages(message("user", "a")).put("stop", "x"))
      .getJsonArray("stop_sequences"));
  }

  @ParameterizedTest
  @CsvSource({"low, , 1024, 5120", "medium, , 4096, 8192", "high, , 16384, 20480", "high, 8000, 4000, 8000",
    "low, 1024, 0, 1024", "minimal, , 0, 4096"})
  void reasoningEffortAsksForThinkingWithABudgetBelowMaxTokens(String effort, Integer maxTokens, int budget, int max) {
    JsonObject request = withMessages(message("user", "Think")).put("reasoning_effort", effort);
    if (maxTokens != null) {
      request.put("max_tokens", maxTokens);
    }

    JsonObject body = sent(request);

    assertEquals(max, body.getInteger("max_tokens"));
    if (budget == 0) {
      assertFalse(body.containsKey("thinking"));
    } else {
      assertEquals(new JsonObject().put("type", "enabled").put("budget_tokens", budget), body.getJsonObject("thinking"));
      assertTrue(body.getInteger("max_tokens") > budget);
    }
    assertFalse(body.containsKey("reasoning_effort"));
  }

  @Test
  void anthropicsOwnThinkingFieldPassesThroughAndLeavesRoomForTheAnswer() {
    JsonObject thinking = new JsonObject().put("type", "enabled").put("budget_tokens", 2048);

    JsonObject body = sent(withMessages(message("user", "Think")).put("thinking", thinking).put("reasoning_effort", "high"));

    assertEquals(thinking, body.getJsonObject("thinking"));
    assertEquals(4096 + 2048, body.getInteger("max_tokens"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
      + "\"function\":{\"name\":\"f\",\"arguments\":\"{not json\"}}]}"
      + "|messages[1].tool_calls[0].function.arguments is not a JSON object",
    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
      + "\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}"
      + "|messages[1].tool_calls[0].function.arguments is not a JSON object",
    "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"ftp://x/cat.png\"}}]}"
      + "|messages[1].content[0].image_url.url must be an http(s) URL or a base64 data: URL",
    "{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{}}]}"
      + "|messages[1].content[0]: content part type input_audio is not supported by Anthropic",
    "{\"role\":\"tool\",\"content\":\"x\"}|messages[1].tool_call_id is missing",
    "{\"role\":\"assistant\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"https://x/a.png\"}]}"
      + "|messages[1].content[0]: images are only supported in user and tool messages",
    "{\"role\":\"function\",\"content\":\"x\"}|messages[1].role function is not supported by Anthropic"})
  void aRequestAnthropicCannotTakeIsRefusedAsInvalidBeforeAnyUpstreamCall(String badMessage, String expected) {
    ChatRequest request = ProviderHarness.prompt(withMessages(message("user", "Hi"), new JsonObject(badMessage))
      .put("model", MODEL));

    RecordedStream stream = finished(harness().start(request));

    assertEquals(ProviderError.INVALID_REQUEST, stream.error().code());
    assertEquals(400, stream.error().httpStatus());
    assertEquals(expected, stream.error().message());
    assertEquals(1, stream.terminalCalls());
    assertEquals(0, upstream.requestCount());
  }
}
