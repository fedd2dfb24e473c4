package io.tokenlane.transport.openai;

import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Collects a stream into one {@code chat.completion} object for clients that asked for {@code stream: false}.
 * Providers always stream; this is the only place that buffers a whole answer. Called on the connection's
 * event loop.
 */
final class CompletionAggregator implements StreamObserver {

  private final HttpServerResponse response;
  private final String id;
  private final String model;
  private final long created;
  private final Buffer text = Buffer.buffer();
  private Buffer reasoning;
  private final Map<Integer, JsonObject> toolCalls = new TreeMap<>();
  private Usage usage;

  CompletionAggregator(HttpServerResponse response, String id, String model, long created) {
    this.response = response;
    this.id = id;
    this.model = model;
    this.created = created;
  }

  @Override
  public void onText(Buffer delta) {
    text.appendBuffer(delta);
  }

  @Override
  public void onReasoning(Buffer delta) {
    reasoning = reasoning == null ? delta.copy() : reasoning.appendBuffer(delta);
  }

  @Override
  public void onToolCalls(JsonArray deltas) {
    for (Object item : deltas) {
      if (item instanceof JsonObject delta) {
        merge(delta);
      }
    }
  }

  /** Tool-call deltas carry the id, type and name once, then fragments of the JSON arguments. */
  private void merge(JsonObject delta) {
    int index = delta.getInteger("index", toolCalls.size());
    JsonObject call = toolCalls.computeIfAbsent(index, i -> new JsonObject()
      .put("type", "function")
      .put("function", new JsonObject().put("name", "").put("arguments", "")));
    if (delta.getString("id") != null) {
      call.put("id", delta.getString("id"));
    }
    if (delta.getString("type") != null) {
      call.put("type", delta.getString("type"));
    }
    JsonObject function = delta.getJsonObject("function");
    if (function != null) {
      JsonObject target = call.getJsonObject("function");
      // Later deltas may carry explicit nulls for fields they do not continue.
      target.put("name", target.getString("name") + Objects.requireNonNullElse(function.getString("name"), ""));
      target.put("arguments", target.getString("arguments")
        + Objects.requireNonNullElse(function.getString("arguments"), ""));
    }
  }

  @Override
  public void onUsage(Usage usage) {
    this.usage = usage;
  }

  @Override
  public void onEnd(StreamEnd end) {
    if (response.closed() || response.ended()) {
      return;
    }
    if (end.isError()) {
      OpenAiErrors.send(response, end.error());
      return;
    }
    if (end.reason() == StreamEnd.Reason.CANCELLED) {
      response.reset();
      return;
    }
    OpenAiErrors.send(response, 200, completion(end));
  }

  private JsonObject completion(StreamEnd end) {
    JsonObject message = new JsonObject()
      .put("role", "assistant")
      .put("content", text.length() == 0 && !toolCalls.isEmpty() ? null : JsonText.decode(text))
      .put("refusal", null);
    if (reasoning != null) {
      message.put("reasoning_content", JsonText.decode(reasoning));
    }
    if (!toolCalls.isEmpty()) {
      JsonArray calls = new JsonArray();
      toolCalls.values().forEach(calls::add);
      message.put("tool_calls", calls);
    }
    JsonObject choice = new JsonObject()
      .put("index", 0)
      .put("message", message)
      .put("logprobs", null)
      .put("finish_reason", end.finishReason());
    JsonObject completion = new JsonObject()
      .put("id", id)
      .put("object", "chat.completion")
      .put("created", created)
      .put("model", model)
      .put("system_fingerprint", null)
      .put("choices", new JsonArray().add(choice));
    if (usage != null) {
      completion.put("usage", usage.toJson());
    }
    return completion;
  }
}
