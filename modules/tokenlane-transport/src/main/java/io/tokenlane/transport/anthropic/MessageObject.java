package io.tokenlane.transport.anthropic;

import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.spi.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The Message object of one request: its id and model, and the stop reason and usage at the end. */
final class MessageObject {

  private final String id;
  private final String model;

  MessageObject(String id, String model) {
    this.id = id;
    this.model = model;
  }

  String id() {
    return id;
  }

  /**
   * The message, empty ({@code message_start}) or whole.
   *
   * @param content the content blocks
   * @param stopReason the stop reason, {@code null} while streaming
   * @param usage the usage
   * @return the object
   */
  JsonObject json(JsonArray content, String stopReason, Usage usage) {
    return new JsonObject()
      .put("id", id)
      .put("type", "message")
      .put("role", "assistant")
      .put("model", model)
      .put("content", content)
      .put("stop_reason", stopReason)
      .put("stop_sequence", null)
      .put("usage", new JsonObject()
        .put("input_tokens", usage.promptTokens())
        .put("cache_creation_input_tokens", 0)
        .put("cache_read_input_tokens", 0)
        .put("output_tokens", usage.completionTokens()));
  }

  /**
   * Anthropic's stop reason for a normal end.
   *
   * @param end the end
   * @param toolUse whether the model called a tool (some upstreams end such a turn with {@code stop})
   * @return {@code end_turn}, {@code max_tokens}, {@code tool_use} or {@code refusal}
   */
  static String stopReason(StreamEnd end, boolean toolUse) {
    return switch (end.reason()) {
      case LENGTH -> "max_tokens";
      case TOOL_CALLS -> "tool_use";
      case CONTENT_FILTER -> "refusal";
      default -> toolUse ? "tool_use" : "end_turn";
    };
  }
}
