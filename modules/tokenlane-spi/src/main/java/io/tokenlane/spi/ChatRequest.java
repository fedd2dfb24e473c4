package io.tokenlane.spi;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * One chat prompt, in OpenAI's chat-completions shape, as handed to a provider.
 *
 * <p>The request is the client's body with the public model name replaced by the upstream's model name. Fields
 * the gateway does not interpret ({@code tools}, {@code tool_choice}, {@code response_format}, vendor extras)
 * are kept untouched in {@link #toJson()}, so an OpenAI-compatible plugin forwards them as they came and other
 * plugins translate what they understand. Immutable; safe to read from any thread.
 *
 * @since 1.0
 */
public final class ChatRequest {

  private final JsonObject body;
  private final String requestId;

  private ChatRequest(JsonObject body, String requestId) {
    this.body = body;
    this.requestId = requestId;
  }

  /**
   * Wraps a chat-completions body.
   *
   * @param body an object with at least a string {@code model} and a non-empty {@code messages} array;
   *     copied, so later changes to it do not show here
   * @param requestId the gateway's id for this request, for logs and upstream correlation headers
   * @return the request
   * @throws IllegalArgumentException when {@code model} or {@code messages} are missing or of the wrong type
   */
  public static ChatRequest of(JsonObject body, String requestId) {
    return adopt(Objects.requireNonNull(body, "body").copy(), requestId);
  }

  /**
   * Wraps a chat-completions body without copying it: the caller hands the body over and must not change it, nor
   * anything in it, afterwards. What the gateway uses, so that a prompt is not copied on its way upstream.
   *
   * @param body an object with at least a string {@code model} and a non-empty {@code messages} array
   * @param requestId the gateway's id for this request
   * @return the request
   * @throws IllegalArgumentException when {@code model} or {@code messages} are missing or of the wrong type
   * @since 1.1
   */
  public static ChatRequest adopt(JsonObject body, String requestId) {
    Objects.requireNonNull(body, "body");
    if (!(body.getValue("model") instanceof String)) {
      throw new IllegalArgumentException("model must be a string");
    }
    if (!(body.getValue("messages") instanceof JsonArray) || body.getJsonArray("messages").isEmpty()) {
      throw new IllegalArgumentException("messages must be a non-empty array");
    }
    return new ChatRequest(body, Objects.requireNonNull(requestId, "requestId"));
  }

  /**
   * The same request for another model name.
   *
   * @param model the model name to put in {@code model}
   * @return a new request, sharing this one's (immutable) nested values
   */
  public ChatRequest withModel(String model) {
    return new ChatRequest(shallowCopy().put("model", model), requestId);
  }

  /**
   * The request as a JSON body, encoded once, with top-level fields replaced: what an OpenAI-compatible plugin
   * sends upstream, without copying the conversation first.
   *
   * @param overrides top-level fields to put over the request's (such as {@code "stream": true})
   * @return the encoded body
   * @since 1.1
   */
  public Buffer toBuffer(JsonObject overrides) {
    JsonObject merged = shallowCopy();
    overrides.forEach(field -> merged.put(field.getKey(), field.getValue()));
    return merged.toBuffer();
  }

  private JsonObject shallowCopy() {
    return new JsonObject(new LinkedHashMap<>(body.getMap()));
  }

  /**
   * The gateway's id for this request.
   *
   * @return the id
   */
  public String requestId() {
    return requestId;
  }

  /**
   * The model to ask the upstream for.
   *
   * @return the upstream model name
   */
  public String model() {
    return body.getString("model");
  }

  /**
   * The conversation, in OpenAI's message shape ({@code role}, {@code content} as a string or as parts,
   * {@code tool_calls}, {@code tool_call_id}...).
   *
   * @return a copy of the messages
   */
  public JsonArray messages() {
    return body.getJsonArray("messages").copy();
  }

  /**
   * The token limit: {@code max_completion_tokens}, else {@code max_tokens}.
   *
   * @return the limit, or {@code null} when the client set none
   */
  public Integer maxTokens() {
    Number limit = number("max_completion_tokens");
    if (limit == null) {
      limit = number("max_tokens");
    }
    return limit == null ? null : limit.intValue();
  }

  /**
   * The sampling temperature.
   *
   * @return the temperature, or {@code null}
   */
  public Double temperature() {
    Number value = number("temperature");
    return value == null ? null : value.doubleValue();
  }

  /**
   * The nucleus sampling mass.
   *
   * @return {@code top_p}, or {@code null}
   */
  public Double topP() {
    Number value = number("top_p");
    return value == null ? null : value.doubleValue();
  }

  /**
   * The sampling seed.
   *
   * @return {@code seed}, or {@code null}
   */
  public Long seed() {
    Number value = number("seed");
    return value == null ? null : value.longValue();
  }

  /**
   * Stop sequences; OpenAI accepts a string or an array of strings.
   *
   * @return the sequences, empty when none
   */
  public List<String> stop() {
    Object stop = body.getValue("stop");
    if (stop instanceof String single) {
      return List.of(single);
    }
    if (stop instanceof JsonArray array) {
      List<String> sequences = new ArrayList<>(array.size());
      for (Object item : array) {
        if (item instanceof String text) {
          sequences.add(text);
        }
      }
      return Collections.unmodifiableList(sequences);
    }
    return List.of();
  }

  /**
   * Tool definitions, untouched.
   *
   * @return a copy of {@code tools}, or {@code null}
   */
  public JsonArray tools() {
    JsonArray tools = body.getJsonArray("tools");
    return tools == null ? null : tools.copy();
  }

  /**
   * Reads any other field, untouched ({@code tool_choice}, {@code response_format}, vendor extensions).
   *
   * @param name the field name
   * @return the value (a copy for objects and arrays), or {@code null}
   */
  public Object field(String name) {
    Object value = body.getValue(name);
    if (value instanceof JsonObject object) {
      return object.copy();
    }
    return value instanceof JsonArray array ? array.copy() : value;
  }

  /**
   * The whole request as an OpenAI chat-completions body, with the upstream model name.
   *
   * @return a copy the caller may change
   */
  public JsonObject toJson() {
    return body.copy();
  }

  private Number number(String name) {
    Object value = body.getValue(name);
    return value instanceof Number number ? number : null;
  }

  @Override
  public String toString() {
    return "ChatRequest[" + requestId + ", model=" + model() + ", messages=" + body.getJsonArray("messages").size() + "]";
  }
}
