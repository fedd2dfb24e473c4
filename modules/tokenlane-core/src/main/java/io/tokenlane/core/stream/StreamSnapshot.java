package io.tokenlane.core.stream;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * The events a {@link ReplayBuffer} evicted, folded into what a client shows: the text, the tool calls merged
 * into whole calls, the last usage and the start's fields. Folding is incremental and costs the size of the
 * evicted event, never the size of the answer: a token's escaped text bytes are appended as they are, with no
 * decode. The {@code snapshot} event is encoded only when a reader needs it, and kept until the next fold.
 *
 * <p>Not thread-safe: the replay buffer calls it under its own lock.
 */
final class StreamSnapshot {

  private final long maxBytes;
  private byte[] envelopePrefix;
  private long upToSeq;
  private JsonObject start;
  private Buffer text = Buffer.buffer();
  private Buffer reasoning = Buffer.buffer();
  private final Map<Integer, ToolCall> toolCalls = new TreeMap<>();
  private long toolCallBytes;
  private JsonObject usage;
  private StreamEvent encoded;

  /** @param maxBytes the most folded text and tool-call bytes kept, at least 1 */
  StreamSnapshot(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be at least 1, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /**
   * A snapshot that continues from one another member made: a mirror of a stream whose owner had already folded
   * its first events starts from the owner's snapshot and folds on from there.
   *
   * @param event a {@code snapshot} event
   * @param maxBytes the bound, at least 1
   * @return the snapshot, or {@code null} when the event does not fit the bound
   */
  static StreamSnapshot continuing(StreamEvent event, long maxBytes) {
    StreamSnapshot snapshot = new StreamSnapshot(maxBytes);
    JsonObject json = event.toJson();
    snapshot.envelopePrefix = event.envelopePrefix();
    snapshot.upToSeq = event.seq();
    snapshot.start = new JsonObject();
    for (String field : new String[] {"model", "createdAt", "requestId"}) {
      if (json.getValue(field) != null) {
        snapshot.start.put(field, json.getValue(field));
      }
    }
    JsonText.appendEscaped(snapshot.text, json.getString("text", ""));
    JsonText.appendEscaped(snapshot.reasoning, json.getString("reasoning", ""));
    JsonArray calls = json.getJsonArray("toolCalls");
    if (calls != null) {
      snapshot.toolCallBytes = calls.toBuffer().length();
      for (Object call : calls) {
        if (call instanceof JsonObject merged) {
          int index = merged.getValue("index") instanceof Number number ? number.intValue() : snapshot.toolCalls.size();
          snapshot.toolCalls.computeIfAbsent(index, ToolCall::new).merge(merged);
        }
      }
    }
    snapshot.usage = json.getJsonObject("usage");
    snapshot.encoded = event;
    return snapshot.foldedBytes() <= maxBytes ? snapshot : null;
  }

  /** @return the last seq folded, 0 before the first fold */
  long upToSeq() {
    return upToSeq;
  }

  /**
   * Folds the next evicted event in.
   *
   * @param event the event, whose seq follows the last folded one
   * @return {@code false} when the folded text and tool calls now exceed the bound: the snapshot is then useless
   */
  boolean fold(StreamEvent event) {
    if (event.seq() != upToSeq + 1) {
      throw new IllegalArgumentException("expected seq " + (upToSeq + 1) + " to fold, got " + event.seq());
    }
    if (envelopePrefix == null) {
      envelopePrefix = event.envelopePrefix();
    }
    upToSeq = event.seq();
    encoded = null;
    switch (event.type()) {
      case TOKEN -> event.appendEscapedText(text);
      case REASONING -> event.appendEscapedText(reasoning);
      case START -> start = event.toJson();
      case USAGE -> usage = event.toJson();
      case TOOL_CALLS -> foldToolCalls(event);
      case RESTART -> {
        // The answer started over: what a reader gets from here on is the new one only.
        text = Buffer.buffer();
        reasoning = Buffer.buffer();
        toolCalls.clear();
        toolCallBytes = 0;
        usage = null;
      }
      default -> {
        // end is never evicted; reset and snapshot are written to readers, never appended
      }
    }
    return foldedBytes() <= maxBytes;
  }

  private long foldedBytes() {
    return (long) text.length() + reasoning.length() + toolCallBytes;
  }

  private void foldToolCalls(StreamEvent event) {
    // Counted at the size of the whole event: an upper bound on what the merged calls hold, known without work.
    toolCallBytes += event.encoded().length;
    JsonArray deltas = event.toJson().getJsonArray("toolCalls", new JsonArray());
    for (Object item : deltas) {
      if (item instanceof JsonObject delta) {
        int index = delta.getValue("index") instanceof Number number ? number.intValue() : toolCalls.size();
        toolCalls.computeIfAbsent(index, ToolCall::new).merge(delta);
      }
    }
  }

  /**
   * The snapshot event: seq and {@code upToSeq} are the last folded seq.
   *
   * @return the event, encoded once per fold
   * @throws IllegalStateException before the first fold
   */
  StreamEvent event() {
    if (upToSeq == 0) {
      throw new IllegalStateException("nothing folded yet");
    }
    if (encoded == null) {
      encoded = StreamEvent.encoded(upToSeq, StreamEvent.Type.SNAPSHOT, encode());
    }
    return encoded;
  }

  private byte[] encode() {
    String seq = Long.toString(upToSeq);
    Buffer out = Buffer.buffer(envelopePrefix.length + text.length() + reasoning.length() + (int) toolCallBytes + 160)
      .appendBytes(envelopePrefix).appendString(seq).appendString(",\"type\":\"snapshot\",\"upToSeq\":")
      .appendString(seq);
    if (start != null) {
      for (String field : new String[] {"model", "createdAt", "requestId"}) {
        if (start.getValue(field) != null) {
          out.appendString(",\"" + field + "\":").appendString(Json.encode(start.getValue(field)));
        }
      }
    }
    out.appendString(",\"text\":\"").appendBuffer(text).appendByte((byte) '"');
    if (reasoning.length() > 0) {
      out.appendString(",\"reasoning\":\"").appendBuffer(reasoning).appendByte((byte) '"');
    }
    if (!toolCalls.isEmpty()) {
      JsonArray calls = new JsonArray();
      toolCalls.values().forEach(call -> calls.add(call.toJson()));
      out.appendString(",\"toolCalls\":").appendBuffer(calls.toBuffer());
    }
    if (usage != null) {
      JsonObject counts = new JsonObject();
      for (String field : new String[] {"promptTokens", "completionTokens", "totalTokens"}) {
        counts.put(field, usage.getValue(field));
      }
      out.appendString(",\"usage\":").appendBuffer(counts.toBuffer());
    }
    return out.appendByte((byte) '}').getBytes();
  }

  /** One tool call merged from its deltas, the way OpenAI clients merge {@code delta.tool_calls} by index. */
  private static final class ToolCall {
    private final int index;
    private String id;
    private String type = "function";
    private final StringBuilder name = new StringBuilder();
    private final StringBuilder arguments = new StringBuilder();

    ToolCall(int index) {
      this.index = index;
    }

    void merge(JsonObject delta) {
      if (delta.getValue("id") instanceof String value) {
        id = value;
      }
      if (delta.getValue("type") instanceof String value) {
        type = value;
      }
      if (delta.getValue("function") instanceof JsonObject function) {
        // Later deltas may carry explicit nulls for the fields they do not continue.
        if (function.getValue("name") instanceof String value) {
          name.append(value);
        }
        if (function.getValue("arguments") instanceof String value) {
          arguments.append(value);
        }
      }
    }

    JsonObject toJson() {
      JsonObject call = new JsonObject().put("index", index);
      if (id != null) {
        call.put("id", id);
      }
      return call.put("type", type).put("function", new JsonObject().put("name", name.toString())
        .put("arguments", arguments.toString()));
    }
  }
}
