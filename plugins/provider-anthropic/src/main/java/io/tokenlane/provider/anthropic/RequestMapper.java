package io.tokenlane.provider.anthropic;

import io.tokenlane.spi.ChatRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates a chat-completions request into a Messages API body. Runs once per prompt, so it builds JSON trees
 * freely. A request that cannot be translated is refused with {@link Refused} before anything is sent.
 */
final class RequestMapper {

  /** What each {@code reasoning_effort} asks Anthropic to spend on thinking, in tokens. */
  static final int LOW_BUDGET = 1024;
  static final int MEDIUM_BUDGET = 4096;
  static final int HIGH_BUDGET = 16384;
  /** The smallest thinking budget Anthropic accepts. */
  static final int MIN_BUDGET = 1024;

  private static final Pattern DATA_URL = Pattern.compile("data:([^;,]+);base64,(.*)", Pattern.DOTALL);

  /** The request cannot be expressed in the Messages API; the message says which field and why. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private final JsonArray messages = new JsonArray();
  private final List<String> system = new ArrayList<>();
  private String lastRole;
  private JsonArray lastContent;

  private RequestMapper() {
  }

  /**
   * The Messages body for a request.
   *
   * @param defaultMaxTokens {@code max_tokens} when the client set none
   * @throws Refused when the request uses something Anthropic cannot take
   */
  static JsonObject body(ChatRequest request, int defaultMaxTokens) {
    JsonObject in = request.toJson();
    RequestMapper mapper = new RequestMapper();
    mapper.conversation(in.getJsonArray("messages"));
    JsonObject out = new JsonObject().put("model", request.model());
    if (!mapper.system.isEmpty()) {
      out.put("system", String.join("\n\n", mapper.system));
    }
    out.put("messages", mapper.messages).put("stream", true);
    copyNumber(in, out, "temperature", "temperature");
    copyNumber(in, out, "top_p", "top_p");
    copyNumber(in, out, "top_k", "top_k");
    List<String> stop = request.stop();
    if (!stop.isEmpty()) {
      out.put("stop_sequences", new JsonArray(new ArrayList<>(stop)));
    }
    if (in.getValue("user") instanceof String user && !user.isEmpty()) {
      out.put("metadata", new JsonObject().put("user_id", user));
    }
    tools(in, out);
    limits(in, out, request.maxTokens(), defaultMaxTokens);
    return out;
  }

  // ---- the conversation ----

  private void conversation(JsonArray conversation) {
    for (int i = 0; i < conversation.size(); i++) {
      if (!(conversation.getValue(i) instanceof JsonObject message)) {
        throw new Refused("messages[" + i + "] is not an object");
      }
      String where = "messages[" + i + "]";
      Object role = message.getValue("role");
      if (!(role instanceof String name)) {
        throw new Refused(where + ".role is missing");
      }
      switch (name) {
        case "system", "developer" -> system.add(text(message.getValue("content"), where));
        case "user" -> turn("user", content(message.getValue("content"), where, true));
        case "assistant" -> turn("assistant", assistant(message, where));
        case "tool" -> turn("user", new JsonArray().add(toolResult(message, where)));
        default -> throw new Refused(where + ".role " + name + " is not supported by Anthropic");
      }
    }
    if (messages.isEmpty()) {
      throw new Refused("messages has no user or assistant content to send");
    }
  }

  /** Anthropic wants user and assistant turns to alternate: consecutive turns of one role become one. */
  private void turn(String role, JsonArray content) {
    if (content.isEmpty()) {
      return;
    }
    if (role.equals(lastRole)) {
      content.forEach(lastContent::add);
      return;
    }
    lastRole = role;
    lastContent = content;
    messages.add(new JsonObject().put("role", role).put("content", content));
  }

  private static JsonArray assistant(JsonObject message, String where) {
    JsonArray content = content(message.getValue("content"), where, false);
    Object calls = message.getValue("tool_calls");
    if (calls == null) {
      return content;
    }
    if (!(calls instanceof JsonArray array)) {
      throw new Refused(where + ".tool_calls is not an array");
    }
    for (int j = 0; j < array.size(); j++) {
      content.add(toolUse(array.getValue(j), where + ".tool_calls[" + j + "]"));
    }
    return content;
  }

  private static JsonObject toolUse(Object value, String where) {
    if (!(value instanceof JsonObject call) || !(call.getValue("id") instanceof String id)
      || !(call.getValue("function") instanceof JsonObject function) || !(function.getValue("name") instanceof String name)) {
      throw new Refused(where + " needs an id and a function with a name");
    }
    Object arguments = function.getValue("arguments");
    JsonObject input;
    if (arguments == null || arguments instanceof String text && text.isBlank()) {
      input = new JsonObject();
    } else if (arguments instanceof String text) {
      input = parseObject(text, where + ".function.arguments");
    } else {
      throw new Refused(where + ".function.arguments is not a string");
    }
    return new JsonObject().put("type", "tool_use").put("id", id).put("name", name).put("input", input);
  }

  private static JsonObject parseObject(String text, String where) {
    try {
      if (Json.decodeValue(text) instanceof JsonObject object) {
        return object;
      }
    } catch (DecodeException e) {
      // Refused below, without quoting the text: it is the client's, and may be long.
    }
    throw new Refused(where + " is not a JSON object");
  }

  private static JsonObject toolResult(JsonObject message, String where) {
    if (!(message.getValue("tool_call_id") instanceof String id)) {
      throw new Refused(where + ".tool_call_id is missing");
    }
    JsonObject result = new JsonObject().put("type", "tool_result").put("tool_use_id", id);
    Object content = message.getValue("content");
    if (content instanceof String text) {
      return text.isEmpty() ? result : result.put("content", text);
    }
    // Anthropic takes text and images in a tool result, as in a user turn.
    JsonArray blocks = content(content, where, true);
    return blocks.isEmpty() ? result : result.put("content", blocks);
  }

  /** A message's content as Anthropic blocks: a string is one text block; empty text is left out, as Anthropic refuses it. */
  private static JsonArray content(Object content, String where, boolean imagesAllowed) {
    JsonArray blocks = new JsonArray();
    if (content == null) {
      return blocks;
    }
    if (content instanceof String text) {
      return text.isEmpty() ? blocks : blocks.add(textBlock(text));
    }
    if (!(content instanceof JsonArray parts)) {
      throw new Refused(where + ".content is neither a string nor an array of parts");
    }
    for (int k = 0; k < parts.size(); k++) {
      String part = where + ".content[" + k + "]";
      if (!(parts.getValue(k) instanceof JsonObject object) || !(object.getValue("type") instanceof String type)) {
        throw new Refused(part + " has no type");
      }
      switch (type) {
        case "text" -> {
          if (!(object.getValue("text") instanceof String text)) {
            throw new Refused(part + ".text is not a string");
          }
          if (!text.isEmpty()) {
            blocks.add(textBlock(text));
          }
        }
        case "image_url" -> {
          if (!imagesAllowed) {
            throw new Refused(part + ": images are only supported in user and tool messages");
          }
          blocks.add(image(object.getValue("image_url"), part));
        }
        default -> throw new Refused(part + ": content part type " + type + " is not supported by Anthropic");
      }
    }
    return blocks;
  }

  private static JsonObject textBlock(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  /** An OpenAI image part: a base64 {@code data:} URL becomes a base64 source, an http(s) URL a url source. */
  private static JsonObject image(Object imageUrl, String where) {
    Object url = imageUrl instanceof JsonObject object ? object.getValue("url") : imageUrl;
    if (!(url instanceof String text)) {
      throw new Refused(where + ".image_url.url is missing");
    }
    JsonObject source;
    Matcher data = DATA_URL.matcher(text);
    if (data.matches()) {
      source = new JsonObject().put("type", "base64").put("media_type", data.group(1)).put("data", data.group(2));
    } else if (text.regionMatches(true, 0, "https://", 0, 8) || text.regionMatches(true, 0, "http://", 0, 7)) {
      source = new JsonObject().put("type", "url").put("url", text);
    } else {
      throw new Refused(where + ".image_url.url must be an http(s) URL or a base64 data: URL");
    }
    return new JsonObject().put("type", "image").put("source", source);
  }

  /** A system message's text; parts are joined, as Anthropic's system prompt is text only. */
  private static String text(Object content, String where) {
    if (content instanceof String text) {
      return text;
    }
    StringBuilder joined = new StringBuilder();
    for (Object block : content(content, where, false)) {
      joined.append(joined.length() == 0 ? "" : "\n").append(((JsonObject) block).getString("text"));
    }
    return joined.toString();
  }

  // ---- tools ----

  private static void tools(JsonObject in, JsonObject out) {
    Object tools = in.getValue("tools");
    if (tools instanceof JsonArray array && !array.isEmpty()) {
      JsonArray mapped = new JsonArray();
      for (int i = 0; i < array.size(); i++) {
        mapped.add(tool(array.getValue(i), "tools[" + i + "]"));
      }
      out.put("tools", mapped);
    } else if (tools != null && !(tools instanceof JsonArray)) {
      throw new Refused("tools is not an array");
    }
    JsonObject choice = toolChoice(in.getValue("tool_choice"));
    boolean serial = Boolean.FALSE.equals(in.getValue("parallel_tool_calls"));
    if (serial && out.containsKey("tools")) {
      choice = choice == null ? new JsonObject().put("type", "auto") : choice;
      if (!"none".equals(choice.getString("type"))) {
        choice.put("disable_parallel_tool_use", true);
      }
    }
    if (choice != null) {
      out.put("tool_choice", choice);
    }
  }

  private static JsonObject tool(Object value, String where) {
    if (!(value instanceof JsonObject tool) || !"function".equals(tool.getValue("type"))
      || !(tool.getValue("function") instanceof JsonObject function) || !(function.getValue("name") instanceof String name)) {
      throw new Refused(where + ": only function tools with a name are supported by Anthropic");
    }
    JsonObject mapped = new JsonObject().put("name", name);
    if (function.getValue("description") instanceof String description) {
      mapped.put("description", description);
    }
    Object parameters = function.getValue("parameters");
    JsonObject schema = parameters instanceof JsonObject object ? object
      : new JsonObject().put("type", "object").put("properties", new JsonObject());
    return mapped.put("input_schema", schema);
  }

  private static JsonObject toolChoice(Object choice) {
    if (choice == null) {
      return null;
    }
    if (choice instanceof String mode) {
      return switch (mode) {
        case "auto" -> new JsonObject().put("type", "auto");
        case "none" -> new JsonObject().put("type", "none");
        case "required" -> new JsonObject().put("type", "any");
        default -> throw new Refused("tool_choice " + mode + " is not one of auto, none, required");
      };
    }
    if (choice instanceof JsonObject object && object.getValue("function") instanceof JsonObject function
      && function.getValue("name") instanceof String name) {
      return new JsonObject().put("type", "tool").put("name", name);
    }
    throw new Refused("tool_choice must be auto, none, required or {\"type\": \"function\", \"function\": {\"name\": ...}}");
  }

  // ---- max_tokens and thinking ----

  /**
   * Anthropic requires {@code max_tokens}, and counts thinking in it: with thinking on, {@code max_tokens} must be
   * larger than the budget. Without a client limit the budget is added to the default, so the answer keeps its
   * room; with one, the budget is at most half of it (and thinking is left off when that is under the minimum).
   */
  private static void limits(JsonObject in, JsonObject out, Integer clientMax, int defaultMaxTokens) {
    Object thinking = in.getValue("thinking");
    int budget;
    if (thinking instanceof JsonObject given) {
      out.put("thinking", given);
      budget = "enabled".equals(given.getValue("type")) && given.getValue("budget_tokens") instanceof Number number
        ? number.intValue() : 0;
    } else if (thinking != null) {
      throw new Refused("thinking must be an object, such as {\"type\": \"enabled\", \"budget_tokens\": 2048}");
    } else {
      budget = effortBudget(in.getValue("reasoning_effort"));
      if (budget > 0 && clientMax != null) {
        budget = Math.min(budget, Math.max(MIN_BUDGET, clientMax / 2));
        budget = budget < clientMax ? budget : 0;
      }
      if (budget > 0) {
        out.put("thinking", new JsonObject().put("type", "enabled").put("budget_tokens", budget));
      }
    }
    if (clientMax != null) {
      out.put("max_tokens", clientMax);
    } else {
      out.put("max_tokens", (int) Math.min(Integer.MAX_VALUE, (long) defaultMaxTokens + Math.max(0, budget)));
    }
  }

  private static int effortBudget(Object effort) {
    if (effort == null) {
      return 0;
    }
    if (!(effort instanceof String level)) {
      throw new Refused("reasoning_effort must be a string");
    }
    return switch (level) {
      case "none", "minimal" -> 0;
      case "low" -> LOW_BUDGET;
      case "medium" -> MEDIUM_BUDGET;
      case "high" -> HIGH_BUDGET;
      default -> throw new Refused("reasoning_effort " + level + " is not one of minimal, low, medium, high");
    };
  }

  private static void copyNumber(JsonObject in, JsonObject out, String from, String to) {
    if (in.getValue(from) instanceof Number number) {
      out.put(to, number);
    }
  }
}
