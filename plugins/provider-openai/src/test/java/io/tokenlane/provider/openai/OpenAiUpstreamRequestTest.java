package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.openai.ReceivedRequest;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class OpenAiUpstreamRequestTest extends OpenAiProviderTestBase {

  private ReceivedRequest send(ChatRequest request) {
    upstream.enqueue(Script.tokens("ok"));
    finished(harness().start(request));
    return upstream.lastRequest();
  }

  @Test
  void theBodyKeepsUnknownFieldsUntouchedAndIsForcedToStreamWithUsage() {
    JsonArray tools = new JsonArray().add(new JsonObject().put("type", "function").put("function",
      new JsonObject().put("name", "get_weather").put("parameters", new JsonObject().put("type", "object"))));
    JsonObject responseFormat = new JsonObject().put("type", "json_schema")
      .put("json_schema", new JsonObject().put("name", "answer").put("strict", true));
    JsonObject body = prompt().toJson()
      .put("tools", tools)
      .put("tool_choice", "auto")
      .put("response_format", responseFormat)
      .put("temperature", 0.2)
      .put("x_vendor_extra", new JsonObject().put("keep", "me"))
      .put("stream", false)
      .put("stream_options", new JsonObject().put("include_obfuscation", false));

    ReceivedRequest received = send(ProviderHarness.prompt(body));

    JsonObject sent = received.body();
    assertEquals(tools, sent.getJsonArray("tools"));
    assertEquals("auto", sent.getString("tool_choice"));
    assertEquals(responseFormat, sent.getJsonObject("response_format"));
    assertEquals(0.2, sent.getDouble("temperature"));
    assertEquals(new JsonObject().put("keep", "me"), sent.getJsonObject("x_vendor_extra"));
    assertEquals(body.getJsonArray("messages"), sent.getJsonArray("messages"));
    assertEquals(MODEL, sent.getString("model"));
    assertEquals(true, sent.getBoolean("stream"));
    assertEquals(new JsonObject().put("include_obfuscation", false).put("include_usage", true),
      sent.getJsonObject("stream_options"));
  }

  @Test
  void theRequestGoesToChatCompletionsWithKeyExtraHeadersAndRequestId() {
    deploy(config().put("headers", new JsonObject().put("OpenAI-Organization", "org-123").put("OpenAI-Project", "proj_9")));
    ChatRequest request = prompt();

    ReceivedRequest received = send(request);

    assertEquals("POST", received.method());
    assertEquals("/v1/chat/completions", received.path());
    assertEquals("Bearer " + API_KEY, received.header("Authorization"));
    assertEquals("org-123", received.header("OpenAI-Organization"));
    assertEquals("proj_9", received.header("OpenAI-Project"));
    assertEquals("text/event-stream", received.header("Accept"));
    assertEquals("application/json", received.header("Content-Type"));
    assertEquals(request.requestId(), received.header("X-Request-Id"));
  }

  @Test
  void anAzureStyleKeyHeaderCarriesTheBareKeyAndTheBaseUrlQueryIsKept() {
    deploy(config().put("apiKeyHeader", "api-key").put("baseUrl", upstream.baseUrl() + "/?api-version=preview"));

    ReceivedRequest received = send(prompt());

    assertEquals(API_KEY, received.header("api-key"));
    assertNull(received.header("Authorization"));
    assertEquals("/v1/chat/completions?api-version=preview", received.path());
  }

  @Test
  void withoutAnApiKeyNoAuthorizationHeaderIsSent() {
    deploy(new JsonObject().put("baseUrl", upstream.baseUrl()));

    ReceivedRequest received = send(prompt());

    assertFalse(received.headers().contains("Authorization"));
  }

  @Test
  void withIncludeUsageOffStreamOptionsAreLeftAsTheClientSentThem() {
    deploy(config().put("includeUsage", false));

    ReceivedRequest received = send(prompt());

    assertFalse(received.body().containsKey("stream_options"));
    assertEquals(true, received.body().getBoolean("stream"));
  }
}
