package io.tokenlane.testkit.anthropic;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the events of Anthropic's streaming Messages API for one answer, with the fields Anthropic sends, as
 * compact JSON like the real API.
 */
final class WireFormat {

  /** One server-sent event: its name, its data, and whether it carries a token (a delta a script counts). */
  record Frame(String event, JsonObject data, boolean token) {
    Frame(String event, JsonObject data) {
      this(event, data, false);
    }
  }

  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private WireFormat() {
  }

  /** Every event of the answer, in order, before any cut. */
  static List<Frame> frames(Script script, String model, int inputTokens) {
    List<Frame> frames = new ArrayList<>();
    frames.add(new Frame("message_start", new JsonObject().put("type", "message_start")
      .put("message", message(script, model, inputTokens))));
    List<Script.Block> blocks = script.blocks;
    int i = 0;
    while (i < blocks.size()) {
      int end = i + 1;
      if (script.interleaveToolUse && blocks.get(i).kind() == Script.Kind.TOOL_USE) {
        while (end < blocks.size() && blocks.get(end).kind() == Script.Kind.TOOL_USE) {
          end++;
        }
      }
      blocks(frames, blocks, i, end);
      i = end;
    }
    JsonObject delta = new JsonObject().put("stop_reason", script.stopReason).put("stop_sequence", script.stopSequence);
    frames.add(new Frame("message_delta", new JsonObject().put("type", "message_delta").put("delta", delta)
      .put("usage", new JsonObject().put("output_tokens", outputTokens(script)))));
    if (script.messageStop) {
      frames.add(new Frame("message_stop", new JsonObject().put("type", "message_stop")));
    }
    return frames;
  }

  /** Blocks {@code from..to} streamed together: all start, their deltas alternate, all stop (one block: in order). */
  private static void blocks(List<Frame> frames, List<Script.Block> blocks, int from, int to) {
    List<List<Frame>> deltas = new ArrayList<>();
    for (int index = from; index < to; index++) {
      Script.Block block = blocks.get(index);
      frames.add(new Frame("content_block_start", new JsonObject().put("type", "content_block_start")
        .put("index", index).put("content_block", contentBlock(block))));
      if (index == 0) {
        frames.add(new Frame("ping", new JsonObject().put("type", "ping"), false));
      }
      deltas.add(deltas(block, index));
    }
    while (deltas.stream().anyMatch(list -> !list.isEmpty())) {
      for (List<Frame> list : deltas) {
        if (!list.isEmpty()) {
          frames.add(list.remove(0));
        }
      }
    }
    for (int index = from; index < to; index++) {
      frames.add(new Frame("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", index)));
    }
  }

  private static JsonObject contentBlock(Script.Block block) {
    return switch (block.kind()) {
      case TEXT -> new JsonObject().put("type", "text").put("text", "");
      case THINKING -> new JsonObject().put("type", "thinking").put("thinking", "");
      case REDACTED_THINKING -> new JsonObject().put("type", "redacted_thinking").put("data", block.name());
      case TOOL_USE -> new JsonObject().put("type", "tool_use").put("id", block.id()).put("name", block.name())
        .put("input", new JsonObject());
    };
  }

  private static List<Frame> deltas(Script.Block block, int index) {
    List<Frame> frames = new ArrayList<>();
    switch (block.kind()) {
      case TEXT -> block.deltas().forEach(text -> frames.add(delta(index, "text_delta", "text", text, true)));
      case THINKING -> {
        block.deltas().forEach(text -> frames.add(delta(index, "thinking_delta", "thinking", text, true)));
        frames.add(delta(index, "signature_delta", "signature", "EqQBCgIYAhIM" + random(40), false));
      }
      case TOOL_USE -> {
        frames.add(delta(index, "input_json_delta", "partial_json", "", false));
        block.deltas().forEach(json -> frames.add(delta(index, "input_json_delta", "partial_json", json, true)));
      }
      case REDACTED_THINKING -> {
      }
    }
    return frames;
  }

  private static Frame delta(int index, String type, String field, String value, boolean token) {
    return new Frame("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", index)
      .put("delta", new JsonObject().put("type", type).put(field, value)), token);
  }

  private static JsonObject message(Script script, String model, int inputTokens) {
    JsonObject usage = new JsonObject().put("input_tokens", inputTokens)
      .put("cache_creation_input_tokens", script.cacheCreationTokens)
      .put("cache_read_input_tokens", script.cacheReadTokens)
      .put("output_tokens", 1);
    return new JsonObject().put("id", "msg_01" + random(22)).put("type", "message").put("role", "assistant")
      .put("model", model).put("content", new JsonArray()).putNull("stop_reason").putNull("stop_sequence")
      .put("usage", usage);
  }

  private static int outputTokens(Script script) {
    if (script.outputTokens != null) {
      return script.outputTokens;
    }
    return script.blocks.stream().mapToInt(block -> block.deltas().size()).sum();
  }

  /** Anthropic's error body. */
  static JsonObject error(String type, String message) {
    return errorEvent(type, message).put("request_id", "req_011C" + random(20));
  }

  /** The data of an {@code error} event, and the start of an error body. */
  static JsonObject errorEvent(String type, String message) {
    return new JsonObject().put("type", "error")
      .put("error", new JsonObject().put("type", type).put("message", message));
  }

  static String random(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return text.toString();
  }
}
