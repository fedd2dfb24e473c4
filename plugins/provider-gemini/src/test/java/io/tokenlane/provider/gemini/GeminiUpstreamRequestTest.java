package io.tokenlane.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.gemini.GeminiRequest;
import io.tokenlane.testkit.gemini.GeminiScript;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What reaches Gemini, as the fake recorded it: path, headers and the GenerateContentRequest. */
class GeminiUpstreamRequestTest extends GeminiProviderTestBase {

  private GeminiRequest send(ChatRequest request) {
    upstream.enqueue(GeminiScript.text("ok"));
    RecordedStream stream = finished(harness().start(request));
    assertNull(stream.error(), () -> "failed: " + stream.error());
    return upstream.lastRequest();
  }

  private GeminiRequest send(JsonObject body) {
    return send(ProviderHarness.prompt(body.put("model", MODEL)));
  }

  private static JsonObject message(String role, Object content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  private static JsonObject text(String text) {
    return new JsonObject().put("text", text);
  }

  private static JsonObject turn(String role, JsonObject... parts) {
    return new JsonObject().put("role", role).put("parts", new JsonArray(List.of((Object[]) parts)));
  }

  private ProviderError refused(JsonObject body) {
    RecordedStream stream = finished(harness().start(ProviderHarness.prompt(body.put("model", MODEL))));
    assertEquals(0, upstream.requestCount(), "a request Gemini cannot express must not be sent");
    assertEquals(ProviderError.INVALID_REQUEST, stream.error().code());
    assertEquals(400, stream.error().httpStatus());
    return stream.error();
  }

  @Test
  void theRequestGoesToStreamGenerateContentWithTheKeyInAHeaderAndTheRequestId() {
    deploy(config().put("headers", new JsonObject().put("X-Goog-User-Project", "my-project")));
    ChatRequest request = prompt();

    GeminiRequest received = send(request);

    assertEquals("POST", received.method());
    assertEquals("/v1beta/models/gemini-2.5-flash:streamGenerateContent", received.path());
    assertEquals("alt=sse", received.query());
    assertEquals(API_KEY, received.header("x-goog-api-key"));
    assertEquals(request.requestId(), received.header("X-Request-Id"));
    assertEquals("my-project", received.header("X-Goog-User-Project"));
    assertEquals("application/json", received.header("Content-Type"));
    assertFalse(received.query().contains("key"), received.query());
  }

  @Test
  void apiVersionAndAModelsPrefixAndOddModelNamesShapeThePath() {
    deploy(config().put("apiVersion", "v1").put("baseUrl", upstream.baseUrl() + "/"));
    send(ProviderHarness.prompt("models/gemini-2.0-flash", "hi"));
    assertEquals("/v1/models/gemini-2.0-flash:streamGenerateContent", upstream.lastRequest().path());

    upstream.enqueue(GeminiScript.text("ok"));
    finished(harness().start(ProviderHarness.prompt("../evil?x", "hi")));

    assertEquals("/v1/models/..%2Fevil%3Fx:streamGenerateContent", upstream.lastRequest().path());
  }

  @Test
  void systemAndDeveloperMessagesBecomeTheSystemInstructionAndRolesMapToUserAndModel() {
    GeminiRequest received = send(new JsonObject().put("messages", new JsonArray()
      .add(message("system", "Be brief."))
      .add(message("developer", new JsonArray().add(new JsonObject().put("type", "text").put("text", "Use English."))))
      .add(message("user", "Hi"))
      .add(message("user", "Anyone there?"))
      .add(message("assistant", "Hello."))
      .add(message("user", "Bye"))));

    JsonObject body = received.body();
    assertEquals(new JsonObject().put("parts", new JsonArray().add(text("Be brief.")).add(text("Use English."))),
      body.getJsonObject("systemInstruction"));
    assertEquals(new JsonArray()
      .add(turn("user", text("Hi"), text("Anyone there?")))
      .add(turn("model", text("Hello.")))
      .add(turn("user", text("Bye"))), body.getJsonArray("contents"));
    assertFalse(body.containsKey("generationConfig"));
    assertFalse(body.containsKey("tools"));
  }

  @Test
  void toolsToolCallsAndToolResultsMapToFunctionDeclarationsCallsAndResponsesFoundByCallId() {
    JsonObject parameters = new JsonObject().put("type", "object").put("properties",
      new JsonObject().put("city", new JsonObject().put("type", "string"))).put("required", new JsonArray().add("city"));
    JsonArray tools = new JsonArray()
      .add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "get_weather")
        .put("description", "Weather now").put("parameters", parameters).put("strict", true)))
      .add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "get_time")));
    JsonArray calls = new JsonArray()
      .add(new JsonObject().put("id", "call_1").put("type", "function").put("function",
        new JsonObject().put("name", "get_weather").put("arguments", "{\"city\":\"Paris\"}")))
      .add(new JsonObject().put("id", "call_2").put("type", "function").put("function",
        new JsonObject().put("name", "get_time").put("arguments", ""))
        .put("extra_content", new JsonObject().put("google", new JsonObject().put("thought_signature", "sig=="))));

    GeminiRequest received = send(new JsonObject().put("tools", tools).put("tool_choice", "required")
      .put("messages", new JsonArray()
        .add(message("user", "Weather and time in Paris?"))
        .add(message("assistant", null).put("tool_calls", calls))
        .add(message("tool", "{\"temp_c\": 21}").put("tool_call_id", "call_1"))
        .add(message("tool", "14:05").put("tool_call_id", "call_2"))
        .add(message("user", "Thanks, and tomorrow?"))));

    JsonObject body = received.body();
    assertEquals(new JsonArray().add(new JsonObject().put("functionDeclarations", new JsonArray()
      .add(new JsonObject().put("name", "get_weather").put("description", "Weather now").put("parameters", parameters))
      .add(new JsonObject().put("name", "get_time")))), body.getJsonArray("tools"));
    assertEquals(new JsonObject().put("functionCallingConfig", new JsonObject().put("mode", "ANY")),
      body.getJsonObject("toolConfig"));
    assertEquals(new JsonArray()
      .add(turn("user", text("Weather and time in Paris?")))
      .add(turn("model",
        new JsonObject().put("functionCall", new JsonObject().put("name", "get_weather")
          .put("args", new JsonObject().put("city", "Paris"))),
        new JsonObject().put("functionCall", new JsonObject().put("name", "get_time").put("args", new JsonObject()))
          .put("thoughtSignature", "sig==")))
      .add(turn("user",
        new JsonObject().put("functionResponse", new JsonObject().put("name", "get_weather")
          .put("response", new JsonObject().put("temp_c", 21))),
        new JsonObject().put("functionResponse", new JsonObject().put("name", "get_time")
          .put("response", new JsonObject().put("content", "14:05"))),
        text("Thanks, and tomorrow?"))), body.getJsonArray("contents"));
  }

  @Test
  void toolChoiceModesMapToFunctionCallingConfig() {
    JsonArray tools = new JsonArray().add(new JsonObject().put("type", "function")
      .put("function", new JsonObject().put("name", "f")));
    List<Object> choices = List.of("auto", "none",
      new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "f")));
    List<JsonObject> expected = List.of(new JsonObject().put("mode", "AUTO"), new JsonObject().put("mode", "NONE"),
      new JsonObject().put("mode", "ANY").put("allowedFunctionNames", new JsonArray().add("f")));

    for (int i = 0; i < choices.size(); i++) {
      GeminiRequest received = send(new JsonObject().put("tools", tools).put("tool_choice", choices.get(i))
        .put("messages", new JsonArray().add(message("user", "go"))));
      assertEquals(expected.get(i), received.body().getJsonObject("toolConfig").getJsonObject("functionCallingConfig"));
    }
  }

  @Test
  void imagesBecomeInlineDataOrFileDataWithAGuessedMediaType() {
    JsonArray content = new JsonArray()
      .add(new JsonObject().put("type", "text").put("text", "Compare these"))
      .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "data:image/png;base64,iVBORw0KGgo=")))
      .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "https://example.com/cat.JPG?size=l")))
      .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "https://example.com/render")))
      .add(new JsonObject().put("type", "input_audio").put("input_audio", new JsonObject().put("data", "UklGRg==").put("format", "wav")));

    GeminiRequest received = send(new JsonObject().put("messages", new JsonArray().add(message("user", content))));

    assertEquals(new JsonArray().add(turn("user", text("Compare these"),
      new JsonObject().put("inlineData", new JsonObject().put("mimeType", "image/png").put("data", "iVBORw0KGgo=")),
      new JsonObject().put("fileData", new JsonObject().put("mimeType", "image/jpeg").put("fileUri", "https://example.com/cat.JPG?size=l")),
      new JsonObject().put("fileData", new JsonObject().put("mimeType", "image/*").put("fileUri", "https://example.com/render")),
      new JsonObject().put("inlineData", new JsonObject().put("mimeType", "audio/wav").put("data", "UklGRg==")))),
      received.body().getJsonArray("contents"));
  }

  @Test
  void samplingFieldsBecomeTheGenerationConfig() {
    GeminiRequest received = send(new JsonObject().put("messages", new JsonArray().add(message("user", "go")))
      .put("max_tokens", 100).put("max_completion_tokens", 200).put("temperature", 0.2).put("top_p", 0.9)
      .put("stop", new JsonArray().add("END").add("STOP")).put("seed", 42).put("n", 1)
      .put("presence_penalty", 0.5).put("frequency_penalty", 0.25)
      .put("response_format", new JsonObject().put("type", "json_object")));

    assertEquals(new JsonObject().put("maxOutputTokens", 200).put("temperature", 0.2).put("topP", 0.9).put("seed", 42)
      .put("presencePenalty", 0.5).put("frequencyPenalty", 0.25).put("stopSequences", new JsonArray().add("END").add("STOP"))
      .put("responseMimeType", "application/json"), received.body().getJsonObject("generationConfig"));
  }

  @Test
  void aJsonSchemaResponseFormatAndASingleStopStringAreMapped() {
    JsonObject schema = new JsonObject().put("type", "object");
    GeminiRequest received = send(new JsonObject().put("messages", new JsonArray().add(message("user", "go")))
      .put("stop", "END").put("max_tokens", 50)
      .put("response_format", new JsonObject().put("type", "json_schema")
        .put("json_schema", new JsonObject().put("name", "answer").put("schema", schema))));

    assertEquals(new JsonObject().put("maxOutputTokens", 50).put("stopSequences", new JsonArray().add("END"))
      .put("responseMimeType", "application/json").put("responseJsonSchema", schema),
      received.body().getJsonObject("generationConfig"));
  }

  @Test
  void reasoningEffortBecomesAThinkingBudgetWithThoughtsIncluded() {
    List<String> efforts = List.of("low", "medium", "high", "none");
    List<JsonObject> expected = List.of(
      new JsonObject().put("thinkingBudget", 1024).put("includeThoughts", true),
      new JsonObject().put("thinkingBudget", 8192).put("includeThoughts", true),
      new JsonObject().put("thinkingBudget", 24576).put("includeThoughts", true),
      new JsonObject().put("thinkingBudget", 0));
    for (int i = 0; i < efforts.size(); i++) {
      GeminiRequest received = send(new JsonObject().put("messages", new JsonArray().add(message("user", "go")))
        .put("reasoning_effort", efforts.get(i)));
      assertEquals(expected.get(i), received.body().getJsonObject("generationConfig").getJsonObject("thinkingConfig"));
    }
  }

  @Test
  void whatGeminiCannotExpressIsAnInvalidRequestAndNothingIsSent() {
    assertTrue(refused(new JsonObject().put("n", 2).put("messages", new JsonArray().add(message("user", "go"))))
      .message().startsWith("n must be 1"));
    assertTrue(refused(new JsonObject().put("messages", new JsonArray().add(message("user", "go"))
      .add(message("tool", "42").put("tool_call_id", "call_unknown")))).message()
      .contains("tool_call_id \"call_unknown\", which no earlier assistant tool call has"));
    assertTrue(refused(new JsonObject().put("messages", new JsonArray().add(message("system", "only rules"))))
      .message().contains("no user or assistant message"));
    assertTrue(refused(new JsonObject().put("reasoning_effort", "extreme")
      .put("messages", new JsonArray().add(message("user", "go")))).message().startsWith("reasoning_effort must be"));
    assertTrue(refused(new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("type", "web_search")))
      .put("messages", new JsonArray().add(message("user", "go")))).message().contains("function tools only"));
    assertTrue(refused(new JsonObject().put("messages", new JsonArray().add(message("user", new JsonArray()
      .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "ftp://x/y.png")))))))
      .message().contains("must be a data:, https:, http: or gs: URL"));
    assertTrue(refused(new JsonObject().put("messages", new JsonArray().add(message("user", "go"))
      .add(message("assistant", null).put("tool_calls", new JsonArray().add(new JsonObject().put("id", "c")
        .put("function", new JsonObject().put("name", "f").put("arguments", "[1,2]"))))))).message()
      .contains("arguments is not a JSON object"));
  }
}
