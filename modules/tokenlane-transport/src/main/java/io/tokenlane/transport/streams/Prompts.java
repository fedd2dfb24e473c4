package io.tokenlane.transport.streams;

import io.tokenlane.core.GatewayException;
import io.tokenlane.transport.openai.ChatRequestValidator;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;

/**
 * The prompt of the native protocol ({@code requestId}, {@code model}, {@code messages}, {@code params}), the same
 * on every transport, turned into the chat-completions body the gateway opens streams with.
 */
final class Prompts {

  static final int MAX_REQUEST_ID_LENGTH = 128;

  private Prompts() {
  }

  /**
   * @param prompt the prompt
   * @return its request id, or {@code null}
   * @throws GatewayException 400 when it is not a short string
   */
  static String requestId(JsonObject prompt) {
    Object value = prompt.getValue("requestId");
    if (value == null) {
      return null;
    }
    if (!(value instanceof String id) || id.isEmpty() || id.length() > MAX_REQUEST_ID_LENGTH) {
      throw GatewayException.invalid("requestId", "requestId must be a string of 1 to " + MAX_REQUEST_ID_LENGTH + " characters");
    }
    return id;
  }

  /**
   * @param prompt the prompt
   * @return a validated streaming chat-completions body
   * @throws GatewayException 400 naming the field at fault
   */
  static JsonObject body(JsonObject prompt) {
    Object params = prompt.getValue("params");
    if (params != null && !(params instanceof JsonObject)) {
      throw GatewayException.invalid("params", "params must be an object");
    }
    // A shallow copy: the prompt was parsed for this request alone, so its nested values can be shared.
    JsonObject body = params == null ? new JsonObject() : new JsonObject(new LinkedHashMap<>(((JsonObject) params).getMap()));
    body.put("model", prompt.getValue("model")).put("messages", prompt.getValue("messages")).put("stream", true);
    ChatRequestValidator.validate(body);
    return body;
  }
}
