package io.tokenlane.transport.responses;

import io.tokenlane.core.stream.JsonText;
import io.tokenlane.transport.http.StreamRequests;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The output items of a response as a stream delivers them: a message for text, a reasoning item for thinking
 * text, a function call per tool call. An item opens when its first delta arrives and closes when another kind of
 * item starts or the stream ends; a {@link Listener} hears each step (the streaming writer turns them into events).
 * Text stays escaped JSON until an item closes. Called on the connection's event loop.
 */
final class ResponseOutput {

  /** What an item is. */
  enum Kind { MESSAGE, REASONING, FUNCTION_CALL }

  /** One output item. */
  static final class Item {
    final Kind kind;
    final String id;
    final int outputIndex;
    /** Escaped text of a message or reasoning item. */
    final Buffer text = Buffer.buffer();
    String callId;
    String name = "";
    final StringBuilder arguments = new StringBuilder();
    String status = "in_progress";

    Item(Kind kind, String id, int outputIndex) {
      this.kind = kind;
      this.id = id;
      this.outputIndex = outputIndex;
    }

    boolean open() {
      return "in_progress".equals(status);
    }

    /** @return the item as the Response object and the {@code output_item} events show it */
    JsonObject json() {
      return switch (kind) {
        case MESSAGE -> new JsonObject().put("id", id).put("type", "message").put("status", status)
          .put("role", "assistant").put("content", open() ? new JsonArray() : new JsonArray().add(textPart()));
        case REASONING -> new JsonObject().put("id", id).put("type", "reasoning")
          .put("summary", open() ? new JsonArray() : new JsonArray().add(summaryPart()));
        case FUNCTION_CALL -> new JsonObject().put("id", id).put("type", "function_call").put("status", status)
          .put("arguments", arguments.toString()).put("call_id", callId).put("name", name);
      };
    }

    private String plain;

    /** Decoded once, when the item closed: never per token. */
    String plainText() {
      if (plain == null) {
        plain = JsonText.decode(text);
      }
      return plain;
    }

    JsonObject textPart() {
      return new JsonObject().put("type", "output_text").put("text", open() ? "" : plainText())
        .put("annotations", new JsonArray()).put("logprobs", new JsonArray());
    }

    JsonObject summaryPart() {
      return new JsonObject().put("type", "summary_text").put("text", open() ? "" : plainText());
    }
  }

  /** Hears the items open, grow and close. */
  interface Listener {
    void added(Item item);

    void text(Item item, Buffer escaped);

    void arguments(Item item, String delta);

    void done(Item item);
  }

  private final Listener listener;
  private final List<Item> items = new ArrayList<>();
  private final Map<Integer, Item> calls = new HashMap<>();
  private Item current;
  private int textBytes;

  ResponseOutput(Listener listener) {
    this.listener = listener;
  }

  void text(Buffer escaped) {
    append(item(Kind.MESSAGE, "msg_"), escaped);
  }

  void reasoning(Buffer escaped) {
    append(item(Kind.REASONING, "rs_"), escaped);
  }

  private void append(Item item, Buffer escaped) {
    textBytes += escaped.length();
    item.text.appendBuffer(escaped);
    listener.text(item, escaped);
  }

  /** Tool-call deltas in OpenAI's shape: the id and name come once, then fragments of the arguments. */
  void toolCalls(JsonArray deltas) {
    for (Object entry : deltas) {
      if (!(entry instanceof JsonObject delta)) {
        continue;
      }
      int index = delta.getValue("index") instanceof Number n ? n.intValue() : calls.size();
      JsonObject function = Objects.requireNonNullElse(delta.getJsonObject("function"), new JsonObject());
      Item call = calls.get(index);
      if (call == null) {
        closeCurrent();
        call = new Item(Kind.FUNCTION_CALL, "fc_" + StreamRequests.newId(), items.size());
        call.callId = delta.getValue("id") instanceof String id ? id : "call_" + StreamRequests.newId();
        call.name = function.getValue("name") instanceof String name ? name : "";
        items.add(call);
        calls.put(index, call);
        current = call;
        listener.added(call);
      } else if (function.getValue("name") instanceof String more && call.open()) {
        call.name += more;
      }
      if (function.getValue("arguments") instanceof String fragment && !fragment.isEmpty()) {
        call.arguments.append(fragment);
        textBytes += fragment.length();
        listener.arguments(call, fragment);
      }
    }
  }

  private Item item(Kind kind, String prefix) {
    if (current != null && current.kind == kind && current.open()) {
      return current;
    }
    closeCurrent();
    current = new Item(kind, prefix + StreamRequests.newId(), items.size());
    items.add(current);
    listener.added(current);
    return current;
  }

  private void closeCurrent() {
    if (current != null && current.open()) {
      close(current, "completed");
    }
  }

  private void close(Item item, String status) {
    item.status = status;
    listener.done(item);
  }

  /**
   * Closes the items still open.
   *
   * @param status {@code completed}, or {@code incomplete} when the stream was cut
   */
  void finish(String status) {
    for (Item item : items) {
      if (item.open()) {
        close(item, status);
      }
    }
  }

  /** @return the items as the Response object's {@code output} */
  JsonArray json() {
    JsonArray output = new JsonArray();
    items.forEach(item -> output.add(item.json()));
    return output;
  }

  /** @return escaped bytes of text, reasoning and arguments delivered: the estimate when no usage is reported */
  int textBytes() {
    return textBytes;
  }
}
