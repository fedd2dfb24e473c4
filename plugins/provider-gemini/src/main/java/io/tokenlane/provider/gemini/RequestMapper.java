package io.tokenlane.provider.gemini;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns an OpenAI chat-completions body into a Gemini {@code GenerateContentRequest}: messages into
 * {@code systemInstruction} and {@code contents}, tools into {@code functionDeclarations}, sampling fields into
 * {@code generationConfig}. A field Gemini cannot express is refused with {@link Unsupported} rather than dropped,
 * so a client never gets an answer to a question it did not ask. Stateless.
 */
final class RequestMapper {

  /** What OpenAI's {@code reasoning_effort} asks Gemini 2.5 for, as Google's own OpenAI layer maps it. */
  static final Map<String, Integer> THINKING_BUDGETS = Map.of(
    "none", 0, "minimal", 512, "low", 1024, "medium", 8192, "high", 24576);

  /** Where Google's OpenAI layer carries a tool call's thought signature, which Gemini 3 needs back. */
  static final String EXTRA_CONTENT = "extra_content";

  /** A request Gemini cannot express; the message reaches the client as an {@code invalid_request}. */
  static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message, null, false, false);
    }
  }

  private RequestMapper() {
  }

  static JsonObject toGemini(JsonObject chat) {
    JsonObject request = new JsonObject();
    Conversation conversation = new Conversation();
    JsonArray messages = chat.getJsonArray("messages");
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject message)) {
        throw new Unsupported("messages[" + i + "] is not an object");
      }
      conversation.add(message, i);
    }
    if (conversation.contents.isEmpty()) {
      throw new Unsupported("the conversation has no user or assistant message; Gemini needs at least one");
    }
    request.put("contents", conversation.contents);
    if (!conversation.system.isEmpty()) {
      request.put("systemInstruction", new JsonObject().put("parts", conversation.system));
    }
    tools(chat, request);
    JsonObject generation = generationConfig(chat);
    if (!generation.isEmpty()) {
      request.put("generationConfig", generation);
    }
    return request;
  }

  // ---- messages ----

  /** Builds the turns, merging consecutive ones of the same role as Gemini wants them. */
  private static final class Conversation {
    final JsonArray system = new JsonArray();
    final JsonArray contents = new JsonArray();
    /** Tool call ids to function names, for the functionResponse that answers each. */
    final Map<String, String> callNames = new HashMap<>();

    void add(JsonObject message, int index) {
      String role = message.getValue("role") instanceof String text ? text : "";
      switch (role) {
        case "system", "developer" -> textParts(message.getValue("content"), index).forEach(system::add);
        case "user" -> append("user", userParts(message.getValue("content"), index));
        case "assistant" -> append("model", assistantParts(message, index));
        case "tool" -> append("user", new JsonArray().add(toolResult(message, index)));
        case "function" -> append("user", new JsonArray().add(functionResult(message, index)));
        default -> throw new Unsupported("messages[" + index + "].role \"" + role + "\" is not one of system, "
          + "developer, user, assistant, tool");
      }
    }

    private void append(String role, JsonArray parts) {
      if (parts.isEmpty()) {
        return;
      }
      JsonObject last = contents.isEmpty() ? null : contents.getJsonObject(contents.size() - 1);
      if (last != null && role.equals(last.getString("role"))) {
        last.getJsonArray("parts").addAll(parts);
      } else {
        contents.add(new JsonObject().put("role", role).put("parts", parts));
      }
    }

    private JsonArray assistantParts(JsonObject message, int index) {
      JsonArray parts = textParts(message.getValue("content"), index);
      if (message.getValue("tool_calls") instanceof JsonArray calls) {
        for (int i = 0; i < calls.size(); i++) {
          parts.add(functionCall(calls.getValue(i), "messages[" + index + "].tool_calls[" + i + "]"));
        }
      }
      return parts;
    }

    private JsonObject functionCall(Object value, String where) {
      if (!(value instanceof JsonObject call) || !(call.getValue("function") instanceof JsonObject function)
        || !(function.getValue("name") instanceof String name)) {
        throw new Unsupported(where + " is not a function call with a name");
      }
      JsonObject part = new JsonObject().put("functionCall", new JsonObject().put("name", name)
        .put("args", arguments(function.getValue("arguments"), where)));
      if (call.getValue("id") instanceof String id) {
        callNames.put(id, name);
      }
      String signature = thoughtSignature(call);
      if (signature != null) {
        part.put("thoughtSignature", signature);
      }
      return part;
    }

    private JsonObject toolResult(JsonObject message, int index) {
      Object id = message.getValue("tool_call_id");
      String name = id instanceof String text ? callNames.get(text) : null;
      if (name == null) {
        throw new Unsupported("messages[" + index + "] answers tool_call_id " + (id == null ? "(none)" : "\"" + id + "\"")
          + ", which no earlier assistant tool call has: Gemini needs the function's name");
      }
      return functionResponse(name, message.getValue("content"), index);
    }

    private JsonObject functionResult(JsonObject message, int index) {
      if (!(message.getValue("name") instanceof String name)) {
        throw new Unsupported("messages[" + index + "] has role function but no name");
      }
      return functionResponse(name, message.getValue("content"), index);
    }
  }

  private static JsonObject functionResponse(String name, Object content, int index) {
    String text = content instanceof JsonArray parts ? joinText(parts, index) : content == null ? "" : content.toString();
    JsonObject response = null;
    if (content instanceof JsonObject object) {
      response = object;
    } else {
      Object parsed = parseJson(text);
      if (parsed instanceof JsonObject object) {
        response = object;
      }
    }
    if (response == null) {
      response = new JsonObject().put("content", text);
    }
    return new JsonObject().put("functionResponse", new JsonObject().put("name", name).put("response", response));
  }

  private static Object arguments(Object arguments, String where) {
    if (arguments == null || arguments instanceof String text && text.isBlank()) {
      return new JsonObject();
    }
    if (arguments instanceof JsonObject object) {
      return object;
    }
    Object parsed = arguments instanceof String text ? parseJson(text) : null;
    if (!(parsed instanceof JsonObject object)) {
      throw new Unsupported(where + ".function.arguments is not a JSON object; Gemini takes arguments as an object");
    }
    return object;
  }

  private static String thoughtSignature(JsonObject call) {
    if (call.getValue(EXTRA_CONTENT) instanceof JsonObject extra && extra.getValue("google") instanceof JsonObject google
      && google.getValue("thought_signature") instanceof String signature) {
      return signature;
    }
    return null;
  }

  private static Object parseJson(String text) {
    try {
      return Json.decodeValue(text);
    } catch (DecodeException e) {
      return null;
    }
  }

  /** Text of a system or assistant message: a string, or text parts. */
  private static JsonArray textParts(Object content, int index) {
    JsonArray parts = new JsonArray();
    if (content instanceof String text) {
      if (!text.isEmpty()) {
        parts.add(new JsonObject().put("text", text));
      }
    } else if (content instanceof JsonArray array) {
      String text = joinText(array, index);
      if (!text.isEmpty()) {
        parts.add(new JsonObject().put("text", text));
      }
    } else if (content != null) {
      throw new Unsupported("messages[" + index + "].content must be a string or an array of parts");
    }
    return parts;
  }

  private static String joinText(JsonArray parts, int index) {
    StringBuilder text = new StringBuilder();
    for (Object part : parts) {
      if (part instanceof String plain) {
        text.append(plain);
      } else if (part instanceof JsonObject object && object.getValue("text") instanceof String piece) {
        text.append(piece);
      } else {
        throw new Unsupported("messages[" + index + "].content may hold only text parts for this role");
      }
    }
    return text.toString();
  }

  private static JsonArray userParts(Object content, int index) {
    if (!(content instanceof JsonArray array)) {
      return textParts(content, index);
    }
    JsonArray parts = new JsonArray();
    for (int i = 0; i < array.size(); i++) {
      String where = "messages[" + index + "].content[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject part)) {
        throw new Unsupported(where + " is not an object");
      }
      String type = part.getValue("type") instanceof String text ? text : "";
      switch (type) {
        case "text" -> {
          if (part.getValue("text") instanceof String text && !text.isEmpty()) {
            parts.add(new JsonObject().put("text", text));
          }
        }
        case "image_url" -> parts.add(Media.image(part.getValue("image_url"), where));
        case "input_audio" -> parts.add(Media.audio(part.getValue("input_audio"), where));
        default -> throw new Unsupported(where + ".type \"" + type + "\" is not supported by the gemini provider "
          + "(text, image_url, input_audio are)");
      }
    }
    return parts;
  }

  // ---- tools ----

  private static void tools(JsonObject chat, JsonObject request) {
    Object tools = chat.getValue("tools");
    if (tools instanceof JsonArray array && !array.isEmpty()) {
      JsonArray declarations = new JsonArray();
      for (int i = 0; i < array.size(); i++) {
        declarations.add(declaration(array.getValue(i), "tools[" + i + "]"));
      }
      request.put("tools", new JsonArray().add(new JsonObject().put("functionDeclarations", declarations)));
    } else if (tools != null && !(tools instanceof JsonArray)) {
      throw new Unsupported("tools must be an array");
    }
    Object choice = chat.getValue("tool_choice");
    if (choice != null) {
      request.put("toolConfig", new JsonObject().put("functionCallingConfig", functionCallingConfig(choice)));
    }
  }

  private static JsonObject declaration(Object value, String where) {
    if (!(value instanceof JsonObject tool) || !"function".equals(tool.getValue("type"))
      || !(tool.getValue("function") instanceof JsonObject function) || !(function.getValue("name") instanceof String name)) {
      throw new Unsupported(where + " is not a function tool with a name; the gemini provider supports function tools only");
    }
    JsonObject declaration = new JsonObject().put("name", name);
    if (function.getValue("description") instanceof String description) {
      declaration.put("description", description);
    }
    if (function.getValue("parameters") instanceof JsonObject parameters) {
      declaration.put("parameters", parameters);
    }
    return declaration;
  }

  private static JsonObject functionCallingConfig(Object choice) {
    if (choice instanceof String mode) {
      return switch (mode) {
        case "auto" -> new JsonObject().put("mode", "AUTO");
        case "none" -> new JsonObject().put("mode", "NONE");
        case "required" -> new JsonObject().put("mode", "ANY");
        default -> throw new Unsupported("tool_choice \"" + mode + "\" is not one of auto, none, required");
      };
    }
    if (choice instanceof JsonObject named && named.getValue("function") instanceof JsonObject function
      && function.getValue("name") instanceof String name) {
      return new JsonObject().put("mode", "ANY").put("allowedFunctionNames", new JsonArray().add(name));
    }
    throw new Unsupported("tool_choice must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}");
  }

  // ---- generationConfig ----

  private static JsonObject generationConfig(JsonObject chat) {
    JsonObject config = new JsonObject();
    Object n = chat.getValue("n");
    if (n != null && !(n instanceof Number count && count.doubleValue() == 1)) {
      throw new Unsupported("n must be 1: the gemini provider streams one answer");
    }
    String limit = chat.getValue("max_completion_tokens") != null ? "max_completion_tokens" : "max_tokens";
    copyNumber(chat, limit, "maxOutputTokens", config, true);
    copyNumber(chat, "temperature", "temperature", config, false);
    copyNumber(chat, "top_p", "topP", config, false);
    copyNumber(chat, "seed", "seed", config, true);
    copyNumber(chat, "presence_penalty", "presencePenalty", config, false);
    copyNumber(chat, "frequency_penalty", "frequencyPenalty", config, false);
    Object stop = chat.getValue("stop");
    if (stop instanceof String single) {
      config.put("stopSequences", new JsonArray().add(single));
    } else if (stop instanceof JsonArray sequences && !sequences.isEmpty()) {
      config.put("stopSequences", sequences);
    }
    responseFormat(chat.getValue("response_format"), config);
    thinking(chat.getValue("reasoning_effort"), config);
    return config;
  }

  private static void copyNumber(JsonObject chat, String from, String to, JsonObject config, boolean whole) {
    Object value = chat.getValue(from);
    if (value instanceof Number number) {
      config.put(to, whole ? (Object) number.longValue() : (Object) number.doubleValue());
    } else if (value != null) {
      throw new Unsupported(from + " must be a number");
    }
  }

  private static void responseFormat(Object format, JsonObject config) {
    if (format == null) {
      return;
    }
    String type = format instanceof JsonObject object && object.getValue("type") instanceof String text ? text : "";
    switch (type) {
      case "text" -> { }
      case "json_object" -> config.put("responseMimeType", "application/json");
      case "json_schema" -> {
        config.put("responseMimeType", "application/json");
        if (((JsonObject) format).getValue("json_schema") instanceof JsonObject spec
          && spec.getValue("schema") instanceof JsonObject schema) {
          config.put("responseJsonSchema", schema);
        }
      }
      default -> throw new Unsupported("response_format.type must be text, json_object or json_schema");
    }
  }

  private static void thinking(Object effort, JsonObject config) {
    if (effort == null) {
      return;
    }
    Integer budget = effort instanceof String text ? THINKING_BUDGETS.get(text.toLowerCase(Locale.ROOT)) : null;
    if (budget == null) {
      throw new Unsupported("reasoning_effort must be one of none, minimal, low, medium, high");
    }
    JsonObject thinking = new JsonObject().put("thinkingBudget", budget);
    if (budget > 0) {
      thinking.put("includeThoughts", true);
    }
    config.put("thinkingConfig", thinking);
  }
}
