package io.tokenlane.provider.ollama;

import io.tokenlane.spi.ChatRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates an OpenAI chat-completions request into the body of Ollama's {@code POST /api/chat}.
 *
 * <p>What Ollama cannot express is refused with an {@link InvalidRequest} naming the field, rather than dropped
 * silently: a client asking for an image by URL must learn that it was not seen. Built once per prompt, off the
 * hot path, so it works on {@link JsonObject} trees.
 */
final class RequestMapper {

  private static final String DATA_URL_BASE64 = ";base64,";

  /** A request Ollama cannot be asked; the message goes to the client as {@code invalid_request}. */
  static final class InvalidRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidRequest(String message) {
      super(message, null, false, false);
    }
  }

  private RequestMapper() {
  }

  /**
   * The {@code /api/chat} body for a request.
   *
   * @param request the client's request, with the upstream model name
   * @param config the instance's {@code keepAlive} and default {@code options}
   * @return the body, with {@code stream: true}
   * @throws InvalidRequest when the request holds something Ollama cannot take
   */
  static JsonObject body(ChatRequest request, OllamaConfig config) {
    JsonObject client = request.toJson();
    JsonObject body = new JsonObject()
      .put("model", request.model())
      .put("messages", messages(client.getJsonArray("messages")))
      .put("stream", true);
    JsonArray tools = tools(client);
    if (tools != null) {
      body.put("tools", tools);
    }
    Object format = format(client.getValue("response_format"));
    if (format != null) {
      body.put("format", format);
    }
    JsonObject options = options(request, config.options(), client);
    if (!options.isEmpty()) {
      body.put("options", options);
    }
    Object think = think(client);
    if (think != null) {
      body.put("think", think);
    }
    if (config.keepAlive() != null) {
      body.put("keep_alive", config.keepAlive());
    }
    return body;
  }

  private static JsonArray messages(JsonArray messages) {
    JsonArray mapped = new JsonArray();
    Map<String, String> toolNames = new HashMap<>();
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject message)) {
        throw new InvalidRequest("messages[" + i + "]: must be an object");
      }
      mapped.add(message(message, "messages[" + i + "]", toolNames));
    }
    return mapped;
  }

  private static JsonObject message(JsonObject message, String where, Map<String, String> toolNames) {
    String role = message.getValue("role") instanceof String text ? text : "";
    return switch (role) {
      case "system", "developer" -> textMessage("system", message, where);
      case "user" -> userMessage(message, where);
      case "assistant" -> assistantMessage(message, where, toolNames);
      case "tool" -> toolMessage(message, where, toolNames);
      default -> throw new InvalidRequest(where + ".role: expected system, user, assistant or tool, got "
        + (role.isEmpty() ? "none" : "\"" + shorten(role) + "\""));
    };
  }

  private static JsonObject textMessage(String role, JsonObject message, String where) {
    Content content = content(message.getValue("content"), where, false);
    return new JsonObject().put("role", role).put("content", content.text());
  }

  private static JsonObject userMessage(JsonObject message, String where) {
    Content content = content(message.getValue("content"), where, true);
    JsonObject mapped = new JsonObject().put("role", "user").put("content", content.text());
    if (!content.images().isEmpty()) {
      mapped.put("images", new JsonArray(List.copyOf(content.images())));
    }
    return mapped;
  }

  private static JsonObject assistantMessage(JsonObject message, String where, Map<String, String> toolNames) {
    JsonObject mapped = new JsonObject().put("role", "assistant")
      .put("content", content(message.getValue("content"), where, false).text());
    Object calls = message.getValue("tool_calls");
    if (calls == null) {
      return mapped;
    }
    if (!(calls instanceof JsonArray array)) {
      throw new InvalidRequest(where + ".tool_calls: must be an array");
    }
    JsonArray toolCalls = new JsonArray();
    for (int i = 0; i < array.size(); i++) {
      toolCalls.add(toolCall(array.getValue(i), where + ".tool_calls[" + i + "]", toolNames));
    }
    return toolCalls.isEmpty() ? mapped : mapped.put("tool_calls", toolCalls);
  }

  /** OpenAI's arguments are a JSON string; Ollama wants the object itself. */
  private static JsonObject toolCall(Object value, String where, Map<String, String> toolNames) {
    if (!(value instanceof JsonObject call) || !(call.getValue("function") instanceof JsonObject function)
      || !(function.getValue("name") instanceof String name)) {
      throw new InvalidRequest(where + ": expected {\"function\": {\"name\", \"arguments\"}}");
    }
    JsonObject mapped = new JsonObject().put("name", name).put("arguments", arguments(function.getValue("arguments"), where));
    JsonObject ollamaCall = new JsonObject();
    if (call.getValue("id") instanceof String id) {
      toolNames.put(id, name);
      ollamaCall.put("id", id);
    }
    return ollamaCall.put("function", mapped);
  }

  private static JsonObject arguments(Object arguments, String where) {
    if (arguments == null) {
      return new JsonObject();
    }
    if (arguments instanceof JsonObject object) {
      return object;
    }
    if (arguments instanceof String text) {
      if (text.isBlank()) {
        return new JsonObject();
      }
      try {
        if (Json.decodeValue(text) instanceof JsonObject object) {
          return object;
        }
      } catch (DecodeException e) {
        // Reported below.
      }
    }
    throw new InvalidRequest(where + ".function.arguments: must be a JSON object (Ollama takes tool arguments as an object)");
  }

  /** Ollama names the tool a result belongs to; OpenAI names the call, so the name comes from that call. */
  private static JsonObject toolMessage(JsonObject message, String where, Map<String, String> toolNames) {
    JsonObject mapped = new JsonObject().put("role", "tool")
      .put("content", content(message.getValue("content"), where, false).text());
    String callId = message.getValue("tool_call_id") instanceof String id ? id : null;
    String name = callId != null ? toolNames.get(callId) : null;
    if (name == null && message.getValue("name") instanceof String legacy) {
      name = legacy;
    }
    if (name != null) {
      mapped.put("tool_name", name);
    }
    if (callId != null) {
      mapped.put("tool_call_id", callId);
    }
    return mapped;
  }

  private record Content(String text, List<String> images) {
  }

  private static Content content(Object content, String where, boolean imagesAllowed) {
    if (content == null) {
      return new Content("", List.of());
    }
    if (content instanceof String text) {
      return new Content(text, List.of());
    }
    if (!(content instanceof JsonArray parts)) {
      throw new InvalidRequest(where + ".content: must be a string or an array of parts");
    }
    StringBuilder text = new StringBuilder();
    List<String> images = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      String at = where + ".content[" + i + "]";
      if (!(parts.getValue(i) instanceof JsonObject part)) {
        throw new InvalidRequest(at + ": must be an object");
      }
      Object type = part.getValue("type");
      if ("text".equals(type) && part.getValue("text") instanceof String piece) {
        text.append(piece);
      } else if ("image_url".equals(type) && imagesAllowed) {
        images.add(image(part.getValue("image_url"), at));
      } else {
        throw new InvalidRequest(at + ": parts of type " + (type instanceof String name ? "\"" + shorten(name) + "\"" : "none")
          + " are not supported by the ollama provider" + (imagesAllowed ? "" : " in this message")
          + " (text" + (imagesAllowed ? " and image_url" : "") + " only)");
      }
    }
    return new Content(text.toString(), images);
  }

  /** Ollama takes images inline as base64; it cannot fetch a URL, and the gateway does not fetch for it. */
  private static String image(Object imageUrl, String where) {
    Object url = imageUrl instanceof JsonObject object ? object.getValue("url") : imageUrl;
    if (!(url instanceof String text)) {
      throw new InvalidRequest(where + ".image_url.url: must be a string");
    }
    if (text.regionMatches(true, 0, "http://", 0, 7) || text.regionMatches(true, 0, "https://", 0, 8)) {
      throw new InvalidRequest(where + ".image_url: the ollama provider takes images only as data: URLs "
        + "(data:image/png;base64,...), not by http(s) URL");
    }
    int marker = text.indexOf(DATA_URL_BASE64);
    if (!text.regionMatches(true, 0, "data:", 0, 5) || marker < 0) {
      throw new InvalidRequest(where + ".image_url: expected a base64 data: URL (data:image/png;base64,...)");
    }
    return text.substring(marker + DATA_URL_BASE64.length());
  }

  /** Tools keep OpenAI's function shape, which is Ollama's too; {@code tool_choice: "none"} sends none. */
  private static JsonArray tools(JsonObject client) {
    if (!(client.getValue("tools") instanceof JsonArray tools) || tools.isEmpty()) {
      return null;
    }
    return "none".equals(client.getValue("tool_choice")) ? null : tools;
  }

  private static Object format(Object responseFormat) {
    if (responseFormat == null) {
      return null;
    }
    if (!(responseFormat instanceof JsonObject format) || !(format.getValue("type") instanceof String type)) {
      throw new InvalidRequest("response_format: must be an object with a type");
    }
    return switch (type) {
      case "text" -> null;
      case "json_object" -> "json";
      case "json_schema" -> {
        if (format.getValue("json_schema") instanceof JsonObject wrapper && wrapper.getValue("schema") instanceof JsonObject schema) {
          yield schema;
        }
        throw new InvalidRequest("response_format.json_schema.schema: must be a JSON schema object");
      }
      default -> throw new InvalidRequest("response_format.type: expected text, json_object or json_schema, got \""
        + shorten(type) + "\"");
    };
  }

  private static JsonObject options(ChatRequest request, JsonObject defaults, JsonObject client) {
    JsonObject options = defaults;
    if (request.maxTokens() != null) {
      options.put("num_predict", request.maxTokens());
    }
    if (request.temperature() != null) {
      options.put("temperature", request.temperature());
    }
    if (request.topP() != null) {
      options.put("top_p", request.topP());
    }
    if (request.seed() != null) {
      options.put("seed", request.seed());
    }
    for (String penalty : new String[] {"frequency_penalty", "presence_penalty"}) {
      if (client.getValue(penalty) instanceof Number value) {
        options.put(penalty, value);
      }
    }
    List<String> stop = request.stop();
    if (!stop.isEmpty()) {
      options.put("stop", new JsonArray(List.copyOf(stop)));
    }
    return options;
  }

  /**
   * Ollama's {@code think}: the client's own {@code think} (true, false, or Ollama's levels "low", "medium", "high")
   * wins; else OpenAI's {@code reasoning_effort} turns thinking on, or off for "none".
   */
  private static Object think(JsonObject client) {
    Object think = client.getValue("think");
    if (think instanceof Boolean) {
      return think;
    }
    if (think instanceof String level && List.of("low", "medium", "high").contains(level)) {
      return level;
    }
    if (think != null) {
      throw new InvalidRequest("think: expected true, false, \"low\", \"medium\" or \"high\"");
    }
    Object effort = client.getValue("reasoning_effort");
    if (effort == null) {
      return null;
    }
    if (!(effort instanceof String level)) {
      throw new InvalidRequest("reasoning_effort: must be a string");
    }
    return !"none".equals(level);
  }

  private static String shorten(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
