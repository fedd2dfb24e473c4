package io.tokenlane.transport.anthropic;

import io.tokenlane.core.ClientValues;
import io.tokenlane.core.GatewayException;
import io.tokenlane.transport.ExactIntegers;
import io.tokenlane.transport.openai.ChatRequestValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An Anthropic Messages API request ({@code POST /v1/messages}) translated to the chat-completions body the gateway
 * streams. A thinking budget becomes a {@code reasoning_effort}: up to 2048 tokens {@code low}, up to 8192
 * {@code medium}, more {@code high} (the inverse of what the Anthropic provider plugin asks for each effort).
 */
final class MessagesRequest {

  /** Thinking budgets up to this many tokens are {@code low} effort. */
  static final int LOW_BUDGET_MAX = 2048;
  /** Thinking budgets up to this many tokens are {@code medium} effort; more are {@code high}. */
  static final int MEDIUM_BUDGET_MAX = 8192;

  final JsonObject body;
  final JsonObject chat;
  final boolean stream;

  private MessagesRequest(JsonObject body, JsonObject chat) {
    this.body = body;
    this.chat = chat;
    this.stream = Boolean.TRUE.equals(body.getValue("stream"));
  }

  /**
   * Translates and validates a request.
   *
   * @param body the Messages API body
   * @return the request
   * @throws GatewayException 400 naming the field at fault
   */
  static MessagesRequest of(JsonObject body) {
    Object model = body.getValue("model");
    if (!(model instanceof String name) || name.isBlank()) {
      throw invalid("model: Field required (a model name)");
    }
    Object max = body.getValue("max_tokens");
    if (max == null) {
      throw invalid("max_tokens: Field required");
    }
    if (ExactIntegers.ofJson(max, 1, Integer.MAX_VALUE) == null) {
      throw invalid("max_tokens: must be an integer from 1 to " + Integer.MAX_VALUE);
    }
    Object stream = body.getValue("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      throw invalid("stream: must be a boolean");
    }
    JsonObject chat = new JsonObject().put("model", name).put("max_completion_tokens", max);
    JsonArray messages = new JsonArray();
    system(body.getValue("system"), messages);
    messages(body.getValue("messages"), messages);
    chat.put("messages", messages);
    number(body, "temperature", 0, 1, chat);
    number(body, "top_p", 0, 1, chat);
    Object stop = body.getValue("stop_sequences");
    if (stop instanceof JsonArray sequences && sequences.stream().allMatch(String.class::isInstance)) {
      if (!sequences.isEmpty()) {
        chat.put("stop", sequences);
      }
    } else if (stop != null) {
      throw invalid("stop_sequences: must be an array of strings");
    }
    tools(body.getValue("tools"), chat);
    toolChoice(body.getValue("tool_choice"), chat);
    thinking(body.getValue("thinking"), chat);
    if (body.getValue("metadata") instanceof JsonObject metadata && metadata.getValue("user_id") instanceof String user) {
      chat.put("user", user);
    }
    chat.put("stream", Boolean.TRUE.equals(stream));
    ChatRequestValidator.validate(chat);
    return new MessagesRequest(body, chat);
  }

  private static GatewayException invalid(String message) {
    return new GatewayException(400, "invalid_request_error", "invalid_request", null, message);
  }

  private static void number(JsonObject body, String field, double min, double maxValue, JsonObject chat) {
    Object value = body.getValue(field);
    if (value == null) {
      return;
    }
    if (!(value instanceof Number n) || n.doubleValue() < min || n.doubleValue() > maxValue) {
      throw invalid(field + ": must be a number from " + (int) min + " to " + (int) maxValue);
    }
    chat.put(field, value);
  }

  private static void system(Object system, JsonArray messages) {
    if (system == null) {
      return;
    }
    String text;
    if (system instanceof String s) {
      text = s;
    } else if (system instanceof JsonArray blocks) {
      StringBuilder joined = new StringBuilder();
      for (int i = 0; i < blocks.size(); i++) {
        if (!(blocks.getValue(i) instanceof JsonObject block) || !"text".equals(block.getValue("type"))
          || !(block.getValue("text") instanceof String piece)) {
          throw invalid("system." + i + ": must be a text block {\"type\": \"text\", \"text\": ...}");
        }
        joined.append(joined.length() == 0 ? "" : "\n").append(piece);
      }
      text = joined.toString();
    } else {
      throw invalid("system: must be a string or an array of text blocks");
    }
    messages.add(new JsonObject().put("role", "system").put("content", text));
  }

  private static void messages(Object value, JsonArray out) {
    if (!(value instanceof JsonArray messages) || messages.isEmpty()) {
      throw invalid("messages: must be a non-empty array of messages");
    }
    for (int i = 0; i < messages.size(); i++) {
      String param = "messages." + i;
      if (!(messages.getValue(i) instanceof JsonObject message)) {
        throw invalid(param + ": must be an object");
      }
      Object role = message.getValue("role");
      Object content = message.getValue("content");
      if (!"user".equals(role) && !"assistant".equals(role)) {
        throw invalid(param + ".role: must be user or assistant");
      }
      if (content instanceof String text) {
        out.add(new JsonObject().put("role", role).put("content", text));
      } else if (content instanceof JsonArray blocks) {
        if ("user".equals(role)) {
          user(blocks, param, out);
        } else {
          assistant(blocks, param, out);
        }
      } else {
        throw invalid(param + ".content: must be a string or an array of content blocks");
      }
    }
  }

  /** Tool results become tool messages, ahead of the rest of the turn, as chat completions order them. */
  private static void user(JsonArray blocks, String param, JsonArray out) {
    JsonArray parts = new JsonArray();
    for (int i = 0; i < blocks.size(); i++) {
      String blockParam = param + ".content." + i;
      JsonObject block = block(blocks, i, blockParam);
      switch (block.getString("type", "")) {
        case "text" -> parts.add(new JsonObject().put("type", "text").put("text", text(block, blockParam)));
        case "image" -> parts.add(image(block, blockParam));
        case "tool_result" -> out.add(new JsonObject().put("role", "tool")
          .put("tool_call_id", string(block, "tool_use_id", blockParam))
          .put("content", toolResult(block, blockParam)));
        default -> throw unsupportedBlock(block, blockParam);
      }
    }
    if (!parts.isEmpty()) {
      boolean textOnly = parts.stream().allMatch(p -> "text".equals(((JsonObject) p).getString("type")));
      out.add(new JsonObject().put("role", "user").put("content", textOnly && parts.size() == 1
        ? parts.getJsonObject(0).getString("text") : parts));
    }
  }

  private static void assistant(JsonArray blocks, String param, JsonArray out) {
    StringBuilder text = new StringBuilder();
    JsonArray calls = new JsonArray();
    for (int i = 0; i < blocks.size(); i++) {
      String blockParam = param + ".content." + i;
      JsonObject block = block(blocks, i, blockParam);
      switch (block.getString("type", "")) {
        case "text" -> text.append(text(block, blockParam));
        case "tool_use" -> calls.add(new JsonObject()
          .put("id", string(block, "id", blockParam))
          .put("type", "function")
          .put("function", new JsonObject()
            .put("name", string(block, "name", blockParam))
            .put("arguments", block.getValue("input") instanceof JsonObject input ? input.encode() : "{}")));
        // Earlier thinking is the model's own: other providers cannot read it back.
        case "thinking", "redacted_thinking" -> { }
        default -> throw unsupportedBlock(block, blockParam);
      }
    }
    JsonObject message = new JsonObject().put("role", "assistant").put("content", text.length() == 0 && !calls.isEmpty()
      ? null : text.toString());
    if (!calls.isEmpty()) {
      message.put("tool_calls", calls);
    }
    out.add(message);
  }

  private static JsonObject block(JsonArray blocks, int i, String param) {
    if (!(blocks.getValue(i) instanceof JsonObject block)) {
      throw invalid(param + ": must be a content block object");
    }
    return block;
  }

  private static GatewayException unsupportedBlock(JsonObject block, String param) {
    return invalid(param + ".type: " + ClientValues.quote(block.getValue("type")) + " is not supported here; use"
      + " text, image, tool_use or tool_result");
  }

  private static String text(JsonObject block, String param) {
    return string(block, "text", param);
  }

  private static String string(JsonObject block, String field, String param) {
    if (!(block.getValue(field) instanceof String value)) {
      throw invalid(param + "." + field + ": Field required (a string)");
    }
    return value;
  }

  private static JsonObject image(JsonObject block, String param) {
    if (!(block.getValue("source") instanceof JsonObject source)) {
      throw invalid(param + ".source: Field required");
    }
    String url = switch (source.getString("type", "")) {
      case "base64" -> "data:" + string(source, "media_type", param + ".source") + ";base64,"
        + string(source, "data", param + ".source");
      case "url" -> string(source, "url", param + ".source");
      default -> throw invalid(param + ".source.type: must be base64 or url");
    };
    return new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", url));
  }

  private static String toolResult(JsonObject block, String param) {
    Object content = block.getValue("content");
    String text;
    if (content == null) {
      text = "";
    } else if (content instanceof String s) {
      text = s;
    } else if (content instanceof JsonArray parts) {
      StringBuilder joined = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof JsonObject p && "text".equals(p.getValue("type")) && p.getValue("text") instanceof String s) {
          joined.append(s);
        } else {
          throw invalid(param + ".content: only text blocks are supported in a tool_result");
        }
      }
      text = joined.toString();
    } else {
      throw invalid(param + ".content: must be a string or an array of text blocks");
    }
    return Boolean.TRUE.equals(block.getValue("is_error")) ? "Error: " + text : text;
  }

  private static void tools(Object tools, JsonObject chat) {
    if (tools == null) {
      return;
    }
    if (!(tools instanceof JsonArray list)) {
      throw invalid("tools: must be an array");
    }
    JsonArray out = new JsonArray();
    for (int i = 0; i < list.size(); i++) {
      String param = "tools." + i;
      if (!(list.getValue(i) instanceof JsonObject tool)) {
        throw invalid(param + ": must be an object");
      }
      Object type = tool.getValue("type");
      if (type != null && !"custom".equals(type)) {
        throw invalid(param + ".type: " + ClientValues.quote(type) + " is a server tool, which only Anthropic runs;"
          + " this gateway supports custom tools (name, description, input_schema)");
      }
      JsonObject function = new JsonObject().put("name", string(tool, "name", param));
      if (tool.getValue("description") instanceof String description) {
        function.put("description", description);
      }
      if (!(tool.getValue("input_schema") instanceof JsonObject schema)) {
        throw invalid(param + ".input_schema: Field required");
      }
      function.put("parameters", schema);
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
    if (!(choice instanceof JsonObject given)) {
      throw invalid("tool_choice: must be an object such as {\"type\": \"auto\"}");
    }
    switch (given.getString("type", "")) {
      case "auto" -> chat.put("tool_choice", "auto");
      case "any" -> chat.put("tool_choice", "required");
      case "none" -> chat.put("tool_choice", "none");
      case "tool" -> chat.put("tool_choice", new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", string(given, "name", "tool_choice"))));
      default -> throw invalid("tool_choice.type: must be auto, any, tool or none");
    }
    if (!chat.containsKey("tools")) {
      // Nothing to choose from: upstreams refuse a tool_choice without tools.
      chat.remove("tool_choice");
    } else if (Boolean.TRUE.equals(given.getValue("disable_parallel_tool_use"))) {
      chat.put("parallel_tool_calls", false);
    }
  }

  private static void thinking(Object thinking, JsonObject chat) {
    if (thinking == null) {
      return;
    }
    if (!(thinking instanceof JsonObject config)) {
      throw invalid("thinking: must be an object such as {\"type\": \"enabled\", \"budget_tokens\": 2048}");
    }
    if (!"enabled".equals(config.getValue("type"))) {
      return;
    }
    Long budget = ExactIntegers.ofJson(config.getValue("budget_tokens"), 1, Integer.MAX_VALUE);
    if (budget == null) {
      throw invalid("thinking.budget_tokens: must be a positive integer");
    }
    chat.put("reasoning_effort", budget <= LOW_BUDGET_MAX ? "low" : budget <= MEDIUM_BUDGET_MAX ? "medium" : "high");
  }
}
