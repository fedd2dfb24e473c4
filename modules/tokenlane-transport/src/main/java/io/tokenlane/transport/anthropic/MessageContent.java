package io.tokenlane.transport.anthropic;

import io.tokenlane.core.stream.JsonText;
import io.tokenlane.transport.http.StreamRequests;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The content blocks of a message as a stream delivers them: {@code text}, {@code thinking} and one
 * {@code tool_use} per tool call. A block starts with its first delta and stops when another block starts or the
 * stream ends; a {@link Listener} hears each step. Text stays escaped JSON. Called on the connection's event loop.
 */
final class MessageContent {

  /** What a block is. */
  enum Kind { TEXT, THINKING, TOOL_USE }

  /** One content block. */
  static final class Block {
    final Kind kind;
    final int index;
    final Buffer text = Buffer.buffer();
    String id;
    String name = "";
    final StringBuilder input = new StringBuilder();
    boolean open = true;

    Block(Kind kind, int index) {
      this.kind = kind;
      this.index = index;
    }

    /** @return the block as {@code content_block_start} shows it: empty */
    JsonObject start() {
      return switch (kind) {
        case TEXT -> new JsonObject().put("type", "text").put("text", "");
        case THINKING -> new JsonObject().put("type", "thinking").put("thinking", "").put("signature", "");
        case TOOL_USE -> new JsonObject().put("type", "tool_use").put("id", id).put("name", name)
          .put("input", new JsonObject());
      };
    }

    /** @return the whole block, for a non-streamed message */
    JsonObject json() {
      return switch (kind) {
        case TEXT -> new JsonObject().put("type", "text").put("text", JsonText.decode(text));
        case THINKING -> new JsonObject().put("type", "thinking").put("thinking", JsonText.decode(text))
          .put("signature", "");
        case TOOL_USE -> start().put("input", input());
      };
    }

    private JsonObject input() {
      try {
        return input.length() == 0 ? new JsonObject() : new JsonObject(input.toString());
      } catch (DecodeException | ClassCastException e) {
        // The model wrote arguments that are not a JSON object: keep them, where a client can see them.
        return new JsonObject().put("_raw_arguments", input.toString());
      }
    }
  }

  /** Hears blocks start, grow and stop. */
  interface Listener {
    void started(Block block);

    void text(Block block, Buffer escaped);

    void inputJson(Block block, String partialJson);

    void stopped(Block block);
  }

  private final Listener listener;
  private final List<Block> blocks = new ArrayList<>();
  private final Map<Integer, Block> calls = new HashMap<>();
  private Block current;
  private int outputBytes;

  MessageContent(Listener listener) {
    this.listener = listener;
  }

  void text(Buffer escaped) {
    append(block(Kind.TEXT), escaped);
  }

  void thinking(Buffer escaped) {
    append(block(Kind.THINKING), escaped);
  }

  private void append(Block block, Buffer escaped) {
    outputBytes += escaped.length();
    block.text.appendBuffer(escaped);
    listener.text(block, escaped);
  }

  /** Tool-call deltas in OpenAI's shape: the id and name come once, then fragments of the arguments. */
  void toolCalls(JsonArray deltas) {
    for (Object entry : deltas) {
      if (!(entry instanceof JsonObject delta)) {
        continue;
      }
      int index = delta.getValue("index") instanceof Number n ? n.intValue() : calls.size();
      JsonObject function = Objects.requireNonNullElse(delta.getJsonObject("function"), new JsonObject());
      Block call = calls.get(index);
      if (call == null) {
        stopCurrent();
        call = new Block(Kind.TOOL_USE, blocks.size());
        call.id = delta.getValue("id") instanceof String id ? id : "toolu_" + StreamRequests.newId();
        call.name = function.getValue("name") instanceof String name ? name : "";
        blocks.add(call);
        calls.put(index, call);
        current = call;
        listener.started(call);
      }
      if (function.getValue("arguments") instanceof String fragment && !fragment.isEmpty()) {
        outputBytes += fragment.length();
        call.input.append(fragment);
        listener.inputJson(call, fragment);
      }
    }
  }

  private Block block(Kind kind) {
    if (current != null && current.kind == kind && current.open) {
      return current;
    }
    stopCurrent();
    current = new Block(kind, blocks.size());
    blocks.add(current);
    listener.started(current);
    return current;
  }

  private void stopCurrent() {
    if (current != null && current.open) {
      current.open = false;
      listener.stopped(current);
    }
  }

  /** Stops the blocks still open. */
  void finish() {
    for (Block block : blocks) {
      if (block.open) {
        block.open = false;
        listener.stopped(block);
      }
    }
  }

  /** @return whether the model called a tool */
  boolean hasToolUse() {
    return !calls.isEmpty();
  }

  /** @return the blocks, for a non-streamed message */
  JsonArray json() {
    JsonArray content = new JsonArray();
    blocks.forEach(block -> content.add(block.json()));
    return content;
  }

  /** @return bytes of text, thinking and tool input delivered: the estimate when no usage is reported */
  int outputBytes() {
    return outputBytes;
  }
}
