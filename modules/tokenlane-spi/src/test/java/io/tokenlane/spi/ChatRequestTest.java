package io.tokenlane.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ChatRequestTest {

  private static JsonObject body() {
    return new JsonObject().put("model", "m").put("temperature", 0.2)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")))
      .put("tools", new JsonArray().add(new JsonObject().put("type", "function")));
  }

  @Test
  void ofCopiesSoLaterChangesDoNotShow() {
    JsonObject body = body();
    ChatRequest request = ChatRequest.of(body, "r-1");
    body.getJsonArray("messages").getJsonObject(0).put("content", "changed");
    assertEquals("hi", request.messages().getJsonObject(0).getString("content"));
  }

  @Test
  void adoptTakesTheBodyWithoutACopyAndChecksItAsOfDoes() {
    JsonObject body = body();
    ChatRequest request = ChatRequest.adopt(body, "r-1");
    // Why the caller must hand the body over: it is the request's own, not a copy.
    body.put("temperature", 0.9);
    assertEquals(0.9, request.temperature());
    assertThrows(IllegalArgumentException.class, () -> ChatRequest.adopt(new JsonObject().put("model", 1), "r"));
    assertThrows(IllegalArgumentException.class,
      () -> ChatRequest.adopt(new JsonObject().put("model", "m").put("messages", new JsonArray()), "r"));
  }

  @Test
  void toBufferPutsTopLevelOverridesOverTheRequestAndLeavesItAsItWas() {
    ChatRequest request = ChatRequest.adopt(body(), "r-1");
    JsonObject sent = new JsonObject(request.toBuffer(new JsonObject().put("stream", true).put("temperature", 1)));
    assertEquals(true, sent.getBoolean("stream"));
    assertEquals(1, sent.getInteger("temperature"));
    assertEquals(body().getJsonArray("tools"), sent.getJsonArray("tools"), "fields the gateway does not read pass as they came");
    assertNull(request.field("stream"));
    assertEquals(0.2, request.temperature());
  }

  @Test
  void withModelChangesOnlyTheModel() {
    ChatRequest request = ChatRequest.adopt(body(), "r-1").withModel("upstream-m");
    assertEquals("upstream-m", request.model());
    assertEquals(body().put("model", "upstream-m"), request.toJson());
  }
}
