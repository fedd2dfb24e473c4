package io.tokenlane.transport.responses;

import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The Response object of one request, in the states the stream goes through: what the request asked for echoed
 * back, the output so far, and at the end the status, usage and error.
 */
final class ResponseObject {

  private final String id;
  private final long createdAt;
  private final JsonObject request;
  private final String model;

  ResponseObject(String id, long createdAt, ResponsesRequest request) {
    this.id = id;
    this.createdAt = createdAt;
    this.request = request.body;
    this.model = request.chat.getString("model");
  }

  String id() {
    return id;
  }

  /** @return the object while in progress, without output */
  JsonObject inProgress() {
    return shell("in_progress", new JsonArray());
  }

  /**
   * The object at the stream's end.
   *
   * @param end how the stream ended
   * @param output the output items
   * @param usage the usage
   * @return the object
   */
  JsonObject ended(StreamEnd end, JsonArray output, Usage usage) {
    JsonObject response = shell(status(end), output);
    switch (end.reason()) {
      case LENGTH -> response.put("incomplete_details", new JsonObject().put("reason", "max_output_tokens"));
      case CONTENT_FILTER -> response.put("incomplete_details", new JsonObject().put("reason", "content_filter"));
      case ERROR -> response.put("error", error(end.error()));
      default -> { }
    }
    return response.put("usage", usage(usage));
  }

  /** @return {@code completed}, {@code incomplete} or {@code failed} */
  static String status(StreamEnd end) {
    return switch (end.reason()) {
      case LENGTH, CONTENT_FILTER -> "incomplete";
      case ERROR, CANCELLED -> "failed";
      default -> "completed";
    };
  }

  /** @return the status of the items still open at the end: {@code completed} or {@code incomplete} */
  static String itemStatus(StreamEnd end) {
    return "completed".equals(status(end)) ? "completed" : "incomplete";
  }

  /** The Response object's error: OpenAI's codes where one fits, the message the gateway has. */
  static JsonObject error(ProviderError error) {
    String code = error.httpStatus() == 429 ? "rate_limit_exceeded" : "server_error";
    return new JsonObject().put("code", code).put("message", error.message() + " (" + error.code() + ")");
  }

  static JsonObject usage(Usage usage) {
    return new JsonObject()
      .put("input_tokens", usage.promptTokens())
      .put("input_tokens_details", new JsonObject().put("cached_tokens", 0))
      .put("output_tokens", usage.completionTokens())
      .put("output_tokens_details", new JsonObject().put("reasoning_tokens", 0))
      .put("total_tokens", usage.totalTokens());
  }

  private JsonObject shell(String status, JsonArray output) {
    JsonObject reasoning = new JsonObject().put("effort", null).put("summary", null);
    if (request.getValue("reasoning") instanceof JsonObject asked) {
      reasoning.put("effort", asked.getValue("effort")).put("summary", asked.getValue("summary"));
    }
    JsonObject text = request.getValue("text") instanceof JsonObject asked && asked.getValue("format") != null
      ? new JsonObject().put("format", asked.getValue("format"))
      : new JsonObject().put("format", new JsonObject().put("type", "text"));
    return new JsonObject()
      .put("id", id)
      .put("object", "response")
      .put("created_at", createdAt)
      .put("status", status)
      .put("background", false)
      .put("error", null)
      .put("incomplete_details", null)
      .put("instructions", request.getValue("instructions"))
      .put("max_output_tokens", request.getValue("max_output_tokens"))
      .put("model", model)
      .put("output", output)
      .put("parallel_tool_calls", request.getValue("parallel_tool_calls", true))
      .put("previous_response_id", null)
      .put("reasoning", reasoning)
      // Nothing is stored, whatever the request asked.
      .put("store", false)
      .put("temperature", request.getValue("temperature", 1.0))
      .put("text", text)
      .put("tool_choice", request.getValue("tool_choice", "auto"))
      .put("tools", request.getValue("tools", new JsonArray()))
      .put("top_p", request.getValue("top_p", 1.0))
      .put("truncation", "disabled")
      .put("usage", null)
      .put("user", request.getValue("user"))
      .put("metadata", request.getValue("metadata", new JsonObject()));
  }
}
