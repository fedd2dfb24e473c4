package io.tokenlane.transport.responses;

import io.tokenlane.core.GatewayException;
import io.tokenlane.transport.ExactIntegers;
import io.tokenlane.transport.openai.ChatRequestValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * A Responses API request ({@code POST /v1/responses}) translated to the chat-completions body the gateway
 * streams, with what the Response object echoes back. Stateless: nothing is stored, so {@code previous_response_id}
 * and item references are refused and {@code store} is answered as {@code false}.
 */
final class ResponsesRequest {

  private static final Set<String> ROLES = Set.of("user", "system", "developer", "assistant");

  final JsonObject body;
  final JsonObject chat;
  final boolean stream;

  private ResponsesRequest(JsonObject body, JsonObject chat) {
    this.body = body;
    this.chat = chat;
    this.stream = Boolean.TRUE.equals(body.getValue("stream"));
  }

  /**
   * Translates and validates a request.
   *
   * @param body the Responses API body
   * @return the request
   * @throws GatewayException 400 naming the field at fault
   */
  static ResponsesRequest of(JsonObject body) {
    if (body.getValue("previous_response_id") != null) {
      throw new GatewayException(400, "invalid_request_error", "previous_response_id_unsupported",
        "previous_response_id", "this gateway does not store responses; send the whole conversation in input");
    }
    if (Boolean.TRUE.equals(body.getValue("background"))) {
      throw unsupported("background", "background responses need stored responses, which this gateway does not keep");
    }
    if (body.getValue("conversation") != null) {
      throw unsupported("conversation", "this gateway does not store conversations; send the whole conversation in input");
    }
    Object stream = body.getValue("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      throw GatewayException.invalid("stream", "stream must be a boolean");
    }
    JsonObject chat = new JsonObject().put("model", body.getValue("model"));
    JsonArray messages = new JsonArray();
    Object instructions = body.getValue("instructions");
    if (instructions instanceof String text) {
      messages.add(new JsonObject().put("role", "system").put("content", text));
    } else if (instructions != null) {
      throw GatewayException.invalid("instructions", "instructions must be a string");
    }
    input(body.getValue("input"), messages);
    chat.put("messages", messages);
    copy(body, "temperature", chat, "temperature");
    copy(body, "top_p", chat, "top_p");
    copy(body, "parallel_tool_calls", chat, "parallel_tool_calls");
    copy(body, "user", chat, "user");
    Object max = body.getValue("max_output_tokens");
    if (max != null) {
      if (ExactIntegers.ofJson(max, 1, Integer.MAX_VALUE) == null) {
        throw GatewayException.invalid("max_output_tokens", "max_output_tokens must be an integer from 1 to "
          + Integer.MAX_VALUE);
      }
      chat.put("max_completion_tokens", max);
    }
    reasoning(body.getValue("reasoning"), chat);
    text(body.getValue("text"), chat);
    tools(body.getValue("tools"), chat);
    toolChoice(body.getValue("tool_choice"), chat);
    chat.put("stream", Boolean.TRUE.equals(stream));
    ChatRequestValidator.validate(chat);
    return new ResponsesRequest(body, chat);
  }

  private static GatewayException unsupported(String param, String message) {
    return new GatewayException(400, "invalid_request_error", "unsupported_parameter", param, message);
  }

  private static void copy(JsonObject from, String name, JsonObject to, String as) {
    Object value = from.getValue(name);
    if (value != null) {
      to.put(as, value);
    }
  }

  private static void input(Object input, JsonArray messages) {
    if (input instanceof String text) {
      messages.add(new JsonObject().put("role", "user").put("content", text));
      return;
    }
    if (!(input instanceof JsonArray items) || items.isEmpty()) {
      throw GatewayException.invalid("input", "input must be a string or a non-empty array of input items");
    }
    for (int i = 0; i < items.size(); i++) {
      String param = "input[" + i + "]";
      if (!(items.getValue(i) instanceof JsonObject item)) {
        throw GatewayException.invalid(param, param + " must be an object");
      }
      String type = item.getValue("type") instanceof String t ? t : item.getValue("role") != null ? "message" : null;
      switch (type == null ? "" : type) {
        case "message" -> messages.add(message(item, param));
        case "function_call" -> functionCall(item, param, messages);
        case "function_call_output" -> messages.add(new JsonObject().put("role", "tool")
          .put("tool_call_id", string(item, "call_id", param))
          .put("content", output(item.getValue("output"), param + ".output")));
        // A model's reasoning from an earlier turn: only the model that wrote it could read it back.
        case "reasoning" -> { }
        case "item_reference" -> throw unsupported(param, param + ": item_reference needs stored items, which this"
          + " gateway does not keep; send the item itself");
        default -> throw GatewayException.invalid(param + ".type", param + ".type " + quote(type) + " is not"
          + " supported; use message, function_call or function_call_output");
      }
    }
  }

  private static JsonObject message(JsonObject item, String param) {
    Object role = item.getValue("role");
    if (!(role instanceof String name) || !ROLES.contains(name)) {
      throw GatewayException.invalid(param + ".role", param + ".role must be one of assistant, developer, system, user");
    }
    Object content = item.getValue("content");
    if (content instanceof String text) {
      return new JsonObject().put("role", name).put("content", text);
    }
    if (!(content instanceof JsonArray parts)) {
      throw GatewayException.invalid(param + ".content", param + ".content must be a string or an array of parts");
    }
    JsonArray chatParts = new JsonArray();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      String partParam = param + ".content[" + i + "]";
      if (!(parts.getValue(i) instanceof JsonObject part)) {
        throw GatewayException.invalid(partParam, partParam + " must be an object");
      }
      String type = part.getValue("type") instanceof String t ? t : "";
      switch (type) {
        case "input_text", "output_text", "text" -> {
          String piece = string(part, "text", partParam);
          text.append(piece);
          chatParts.add(new JsonObject().put("type", "text").put("text", piece));
        }
        case "refusal" -> text.append(part.getValue("refusal") instanceof String r ? r : "");
        case "input_image" -> chatParts.add(image(part, partParam));
        default -> throw GatewayException.invalid(partParam + ".type", partParam + ".type " + quote(type)
          + " is not supported; use input_text, output_text or input_image (input_file is not supported)");
      }
    }
    // Assistant turns are text in chat completions; user turns keep their parts (images).
    boolean textOnly = chatParts.stream().allMatch(p -> "text".equals(((JsonObject) p).getString("type")));
    return new JsonObject().put("role", name).put("content", "assistant".equals(name) || textOnly
      ? text.toString() : chatParts);
  }

  private static JsonObject image(JsonObject part, String param) {
    Object url = part.getValue("image_url");
    if (!(url instanceof String address) || address.isEmpty()) {
      throw GatewayException.invalid(param + ".image_url", param + ".image_url must be a URL or a data URL"
        + " (file_id is not supported: this gateway has no file store)");
    }
    JsonObject image = new JsonObject().put("url", address);
    if (part.getValue("detail") instanceof String detail) {
      image.put("detail", detail);
    }
    return new JsonObject().put("type", "image_url").put("image_url", image);
  }

  /** Consecutive function calls (and the assistant message before them) make one assistant turn. */
  private static void functionCall(JsonObject item, String param, JsonArray messages) {
    JsonObject call = new JsonObject()
      .put("id", string(item, "call_id", param))
      .put("type", "function")
      .put("function", new JsonObject()
        .put("name", string(item, "name", param))
        .put("arguments", item.getValue("arguments") instanceof String args ? args : "{}"));
    JsonObject last = messages.isEmpty() ? null : messages.getJsonObject(messages.size() - 1);
    if (last != null && "assistant".equals(last.getString("role"))) {
      JsonArray calls = last.getJsonArray("tool_calls");
      if (calls == null) {
        last.put("tool_calls", calls = new JsonArray());
      }
      calls.add(call);
    } else {
      messages.add(new JsonObject().put("role", "assistant").put("content", null)
        .put("tool_calls", new JsonArray().add(call)));
    }
  }

  private static String output(Object output, String param) {
    if (output instanceof String text) {
      return text;
    }
    if (output instanceof JsonArray parts) {
      StringBuilder text = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof JsonObject p && p.getValue("text") instanceof String piece) {
          text.append(piece);
        }
      }
      return text.toString();
    }
    throw GatewayException.invalid(param, param + " must be a string or an array of input_text parts");
  }

  private static void reasoning(Object reasoning, JsonObject chat) {
    if (reasoning == null) {
      return;
    }
    if (!(reasoning instanceof JsonObject config)) {
      throw GatewayException.invalid("reasoning", "reasoning must be an object such as {\"effort\": \"low\"}");
    }
    Object effort = config.getValue("effort");
    if (effort != null && !(effort instanceof String)) {
      throw GatewayException.invalid("reasoning.effort", "reasoning.effort must be a string");
    }
    copy(config, "effort", chat, "reasoning_effort");
  }

  private static void text(Object text, JsonObject chat) {
    if (text == null) {
      return;
    }
    if (!(text instanceof JsonObject config)) {
      throw GatewayException.invalid("text", "text must be an object such as {\"format\": {\"type\": \"text\"}}");
    }
    if (!(config.getValue("format") instanceof JsonObject format)) {
      return;
    }
    switch (format.getValue("type") instanceof String type ? type : "") {
      case "text" -> { }
      case "json_object" -> chat.put("response_format", new JsonObject().put("type", "json_object"));
      case "json_schema" -> {
        JsonObject schema = new JsonObject().put("name", format.getValue("name") instanceof String n ? n : "response");
        copy(format, "description", schema, "description");
        copy(format, "schema", schema, "schema");
        copy(format, "strict", schema, "strict");
        chat.put("response_format", new JsonObject().put("type", "json_schema").put("json_schema", schema));
      }
      default -> throw GatewayException.invalid("text.format.type", "text.format.type must be text, json_object"
        + " or json_schema");
    }
  }

  private static void tools(Object tools, JsonObject chat) {
    if (tools == null) {
      return;
    }
    if (!(tools instanceof JsonArray list)) {
      throw GatewayException.invalid("tools", "tools must be an array");
    }
    JsonArray out = new JsonArray();
    for (int i = 0; i < list.size(); i++) {
      String param = "tools[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject tool) || !"function".equals(tool.getValue("type"))) {
        throw new GatewayException(400, "invalid_request_error", "unsupported_tool", param, param + ": only"
          + " function tools are supported (built-in tools such as web_search run on OpenAI's servers only)");
      }
      JsonObject function = new JsonObject().put("name", string(tool, "name", param));
      copy(tool, "description", function, "description");
      copy(tool, "parameters", function, "parameters");
      copy(tool, "strict", function, "strict");
      out.add(new JsonObject().put("type", "function").put("function", function));
    }
    if (!out.isEmpty()) {
      chat.put("tools", out);
    }
  }

  private static void toolChoice(Object choice, JsonObject chat) {
    if (choice == null) {
      return;
    }
    if (choice instanceof String mode && Set.of("auto", "none", "required").contains(mode)) {
      chat.put("tool_choice", mode);
    } else if (choice instanceof JsonObject named && "function".equals(named.getValue("type"))
        && named.getValue("name") instanceof String name) {
      chat.put("tool_choice", new JsonObject().put("type", "function").put("function", new JsonObject().put("name", name)));
    } else {
      throw GatewayException.invalid("tool_choice", "tool_choice must be auto, none, required or"
        + " {\"type\": \"function\", \"name\": ...}");
    }
  }

  private static String string(JsonObject object, String field, String param) {
    if (!(object.getValue(field) instanceof String value)) {
      throw GatewayException.invalid(param + "." + field, param + "." + field + " must be a string");
    }
    return value;
  }

  private static String quote(String value) {
    return io.tokenlane.core.ClientValues.quote(value);
  }
}
