package io.tokenlane.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.ollama.Script;
import io.tokenlane.testkit.openai.ReceivedRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What reaches Ollama, as the fake recorded it off the wire: path, headers and the translated body. */
class OllamaUpstreamRequestTest extends OllamaProviderTestBase {

  private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

  private ReceivedRequest send(ChatRequest request) {
    upstream.enqueue(Script.tokens("ok"));
    RecordedStream stream = finished(harness().start(request));
    assertNull(stream.error(), () -> String.valueOf(stream.error()));
    return upstream.lastRequest();
  }

  private ReceivedRequest send(JsonObject body) {
    return send(ProviderHarness.prompt(body));
  }

  private static JsonObject chat(JsonObject... messages) {
    JsonArray list = new JsonArray();
    List.of(messages).forEach(list::add);
    return new JsonObject().put("model", MODEL).put("messages", list);
  }

  private static JsonObject message(String role, Object content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  private ProviderError refused(JsonObject body) {
    int before = upstream.requestCount();
    RecordedStream stream = finished(harness().start(ProviderHarness.prompt(body)));
    assertEquals(before, upstream.requestCount(), "nothing may be sent for a request Ollama cannot take");
    assertEquals(ProviderError.INVALID_REQUEST, stream.error().code());
    return stream.error();
  }

  @Test
  void theRequestGoesToApiChatWithTheKeyTheRequestIdAndExtraHeaders() {
    deploy(config().put("headers", new JsonObject().put("X-Team", "search")));
    ChatRequest request = prompt();

    ReceivedRequest received = send(request);

    assertEquals("POST", received.method());
    assertEquals("/api/chat", received.path());
    assertEquals("Bearer " + API_KEY, received.header("Authorization"));
    assertEquals(request.requestId(), received.header("X-Request-Id"));
    assertEquals("search", received.header("X-Team"));
    assertEquals("application/json", received.header("Content-Type"));
    assertEquals("application/x-ndjson", received.header("Accept"));
  }

  @Test
  void withoutAnApiKeyNoAuthorizationHeaderIsSent() {
    deploy(new JsonObject().put("baseUrl", upstream.baseUrl()));

    assertFalse(send(prompt()).headers().contains("Authorization"));
  }

  @Test
  void aBaseUrlWithAPathOrEndingInApiGetsOneApiChat() {
    deploy(config().put("baseUrl", upstream.baseUrl() + "/api/"));
    assertEquals("/api/chat", send(prompt()).path());

    deploy(config().put("baseUrl", upstream.baseUrl() + "/ollama?tenant=a"));
    upstream.enqueue(Script.tokens("x"));
    finished(harness().start(prompt()));
    assertEquals("/ollama/api/chat?tenant=a", upstream.lastRequest().path());
  }

  @Test
  void rolesAndTextPartsMapToOllamaMessagesAndTheRequestStreams() {
    JsonObject body = chat(
      message("system", "Be brief."),
      message("developer", new JsonArray().add(new JsonObject().put("type", "text").put("text", "No emoji."))),
      message("user", new JsonArray().add(new JsonObject().put("type", "text").put("text", "Hello, "))
        .add(new JsonObject().put("type", "text").put("text", "world"))),
      message("assistant", "Hi."));

    JsonObject sent = send(body).body();

    assertEquals(MODEL, sent.getString("model"));
    assertEquals(true, sent.getBoolean("stream"));
    assertEquals(new JsonArray()
      .add(message("system", "Be brief."))
      .add(message("system", "No emoji."))
      .add(message("user", "Hello, world"))
      .add(message("assistant", "Hi.")), sent.getJsonArray("messages"));
    assertFalse(sent.containsKey("options"));
    assertFalse(sent.containsKey("think"));
    assertFalse(sent.containsKey("format"));
    assertFalse(sent.containsKey("keep_alive"));
  }

  @Test
  void dataUrlImagesBecomeTheMessagesBase64Images() {
    JsonArray parts = new JsonArray()
      .add(new JsonObject().put("type", "text").put("text", "What is this?"))
      .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "data:image/png;base64," + PNG)))
      .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "data:image/jpeg;base64,AAAA")
        .put("detail", "low")));

    JsonObject sent = send(chat(message("user", parts))).body();

    assertEquals(new JsonObject().put("role", "user").put("content", "What is this?")
      .put("images", new JsonArray().add(PNG).add("AAAA")), sent.getJsonArray("messages").getJsonObject(0));
  }

  @Test
  void imagesByHttpUrlAndOtherPartTypesAreRefusedWithAClearMessage() {
    JsonObject byUrl = chat(message("user", new JsonArray().add(new JsonObject().put("type", "image_url")
      .put("image_url", new JsonObject().put("url", "http://example.com/cat.png")))));
    assertEquals("messages[0].content[0].image_url: the ollama provider takes images only as data: URLs "
      + "(data:image/png;base64,...), not by http(s) URL", refused(byUrl).message());

    JsonObject audio = chat(message("user", new JsonArray().add(new JsonObject().put("type", "input_audio"))));
    assertEquals("messages[0].content[0]: parts of type \"input_audio\" are not supported by the ollama provider "
      + "(text and image_url only)", refused(audio).message());

    JsonObject role = chat(message("narrator", "Once"));
    assertEquals("messages[0].role: expected system, user, assistant or tool, got \"narrator\"", refused(role).message());
  }

  @Test
  void toolsGoInTheirFunctionShapeAndToolResultsNameTheirToolFromTheEarlierCall() {
    JsonArray tools = new JsonArray().add(new JsonObject().put("type", "function").put("function", new JsonObject()
      .put("name", "get_weather").put("description", "Weather in a city")
      .put("parameters", new JsonObject().put("type", "object").put("properties",
        new JsonObject().put("city", new JsonObject().put("type", "string"))))));
    JsonObject assistant = new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", new JsonArray()
      .add(call("call_1", "get_weather", "{\"city\":\"Paris\"}"))
      .add(call("call_2", "get_time", "")));
    JsonObject body = chat(message("user", "Weather and time in Paris?"), assistant,
      new JsonObject().put("role", "tool").put("tool_call_id", "call_2").put("content", "10:00"),
      new JsonObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "11 degrees celsius"))
      .put("tools", tools).put("tool_choice", "auto");

    JsonObject sent = send(body).body();

    assertEquals(tools, sent.getJsonArray("tools"));
    JsonArray messages = sent.getJsonArray("messages");
    assertEquals(new JsonObject().put("role", "assistant").put("content", "").put("tool_calls", new JsonArray()
        .add(new JsonObject().put("id", "call_1").put("function", new JsonObject().put("name", "get_weather")
          .put("arguments", new JsonObject().put("city", "Paris"))))
        .add(new JsonObject().put("id", "call_2").put("function", new JsonObject().put("name", "get_time")
          .put("arguments", new JsonObject())))),
      messages.getJsonObject(1));
    assertEquals(new JsonObject().put("role", "tool").put("content", "10:00").put("tool_name", "get_time")
      .put("tool_call_id", "call_2"), messages.getJsonObject(2));
    assertEquals("get_weather", messages.getJsonObject(3).getString("tool_name"));
  }

  @Test
  void toolChoiceNoneSendsNoTools() {
    JsonObject body = prompt().toJson().put("tool_choice", "none").put("tools", new JsonArray()
      .add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "f"))));

    assertFalse(send(body).body().containsKey("tools"));
  }

  @Test
  void toolCallArgumentsThatAreNotAJsonObjectAreRefused() {
    JsonObject assistant = new JsonObject().put("role", "assistant")
      .put("tool_calls", new JsonArray().add(call("call_1", "f", "[1, 2]")));

    ProviderError error = refused(chat(message("user", "go"), assistant));

    assertEquals("messages[1].tool_calls[0].function.arguments: must be a JSON object (Ollama takes tool "
      + "arguments as an object)", error.message());
  }

  @Test
  void samplingFieldsBecomeOllamaOptionsOverTheConfiguredOnes() {
    deploy(config().put("options", new JsonObject().put("num_ctx", 8192).put("temperature", 0.9)));
    JsonObject body = prompt().toJson().put("max_tokens", 50).put("temperature", 0.2).put("top_p", 0.5)
      .put("seed", 42).put("stop", "END").put("frequency_penalty", 0.1).put("presence_penalty", 0.3);

    JsonObject options = send(body).body().getJsonObject("options");

    assertEquals(new JsonObject().put("num_ctx", 8192).put("temperature", 0.2).put("num_predict", 50).put("top_p", 0.5)
      .put("seed", 42).put("frequency_penalty", 0.1).put("presence_penalty", 0.3)
      .put("stop", new JsonArray().add("END")), options);
  }

  @Test
  void maxCompletionTokensWinsOverMaxTokensAndStopListsStayLists() {
    JsonObject body = prompt().toJson().put("max_tokens", 50).put("max_completion_tokens", 70)
      .put("stop", new JsonArray().add("a").add("b"));

    JsonObject options = send(body).body().getJsonObject("options");

    assertEquals(70, options.getInteger("num_predict"));
    assertEquals(new JsonArray().add("a").add("b"), options.getJsonArray("stop"));
  }

  @Test
  void responseFormatBecomesOllamasFormat() {
    assertEquals("json", send(prompt().toJson().put("response_format", new JsonObject().put("type", "json_object")))
      .body().getValue("format"));

    JsonObject schema = new JsonObject().put("type", "object").put("properties",
      new JsonObject().put("age", new JsonObject().put("type", "integer"))).put("required", new JsonArray().add("age"));
    JsonObject jsonSchema = new JsonObject().put("type", "json_schema")
      .put("json_schema", new JsonObject().put("name", "person").put("strict", true).put("schema", schema));
    assertEquals(schema, send(prompt().toJson().put("response_format", jsonSchema)).body().getValue("format"));

    assertFalse(send(prompt().toJson().put("response_format", new JsonObject().put("type", "text")))
      .body().containsKey("format"));
  }

  @Test
  void reasoningEffortAndThinkTurnOllamasThinkOnOrOff() {
    assertEquals(true, send(prompt().toJson().put("reasoning_effort", "high")).body().getValue("think"));
    assertEquals(false, send(prompt().toJson().put("reasoning_effort", "none")).body().getValue("think"));
    assertEquals(false, send(prompt().toJson().put("think", false).put("reasoning_effort", "high")).body().getValue("think"));
    assertEquals("low", send(prompt().toJson().put("think", "low")).body().getValue("think"));

    ProviderError error = refused(prompt().toJson().put("think", "maybe"));
    assertEquals("think: expected true, false, \"low\", \"medium\" or \"high\"", error.message());
  }

  @Test
  void keepAliveFromTheConfigurationIsSentAsADurationOrANumber() {
    deploy(config().put("keepAlive", "10m"));
    assertEquals("10m", send(prompt()).body().getValue("keep_alive"));

    deploy(config().put("keepAlive", -1));
    assertEquals(-1, ((Number) send(prompt()).body().getValue("keep_alive")).intValue());
  }

  @Test
  void theClientsOwnFieldsOllamaHasNoUseForAreNotForwarded() {
    JsonObject body = prompt().toJson().put("stream", false).put("n", 1).put("user", "u-1")
      .put("stream_options", new JsonObject().put("include_usage", true));

    JsonObject sent = send(body).body();

    assertEquals(true, sent.getBoolean("stream"));
    assertTrue(List.of("model", "messages", "stream").containsAll(sent.fieldNames()), sent.encode());
  }

  private static JsonObject call(String id, String name, String arguments) {
    return new JsonObject().put("id", id).put("type", "function")
      .put("function", new JsonObject().put("name", name).put("arguments", arguments));
  }
}
