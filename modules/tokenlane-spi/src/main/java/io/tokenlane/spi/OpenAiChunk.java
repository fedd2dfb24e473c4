package io.tokenlane.spi;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * One {@code chat.completion.chunk} as an OpenAI-compatible upstream sent it: its JSON bytes, untouched, and the
 * few fields a gateway needs, found by one validating scan instead of a parse into a tree.
 *
 * <p>A plugin for an OpenAI-compatible upstream hands chunks to {@link StreamSink#chunk}; when the client speaks
 * the same API the gateway forwards the bytes with only the {@code id} and {@code model} rewritten, and otherwise
 * it reads the fields below. Everything {@link #scan} accepts is valid JSON (UTF-8, strict syntax, bounded
 * nesting), so forwarding it cannot hand a client broken JSON.
 *
 * <p>Only choice 0 is read (a chunk without it, such as Azure's {@code prompt_filter_results} chunk or the usage
 * chunk, has no text). Immutable; safe to read from any thread.
 *
 * @since 1.1
 */
public final class OpenAiChunk {

  private static final byte[] ID = ascii("id");
  private static final byte[] MODEL = ascii("model");
  private static final byte[] CHOICES = ascii("choices");
  private static final byte[] USAGE = ascii("usage");
  private static final byte[] ERROR = ascii("error");
  private static final byte[] INDEX = ascii("index");
  private static final byte[] DELTA = ascii("delta");
  private static final byte[] FINISH_REASON = ascii("finish_reason");
  private static final byte[] CONTENT = ascii("content");
  private static final byte[] TOOL_CALLS = ascii("tool_calls");
  private static final byte[] REASONING_CONTENT = ascii("reasoning_content");
  private static final byte[] REASONING = ascii("reasoning");
  private static final byte[] ID_MEMBER = ascii("\"id\":");
  private static final byte[] MODEL_MEMBER = ascii("\"model\":");

  private final byte[] json;
  private final int from;
  private final int to;
  // Spans are [start, end) byte offsets into json; -1 when absent. Strings include their quotes.
  private int objectStart = -1;
  private int idStart = -1;
  private int idEnd = -1;
  private int modelStart = -1;
  private int modelEnd = -1;
  private int contentStart = -1;
  private int contentEnd = -1;
  private int toolCallsStart = -1;
  private int toolCallsEnd = -1;
  private int reasoningStart = -1;
  private int reasoningEnd = -1;
  private int usageStart = -1;
  private int usageEnd = -1;
  private int errorStart = -1;
  private int errorEnd = -1;
  private boolean hasChoices;
  private String finishReason;

  private OpenAiChunk(byte[] json, int from, int to) {
    this.json = json;
    this.from = from;
    this.to = to;
  }

  /**
   * Scans the {@code data:} of one server-sent event.
   *
   * @param json the chunk's bytes; kept, not copied: the caller must not change them afterwards
   * @param from where the chunk starts
   * @param to where it ends
   * @return the chunk
   * @throws IllegalArgumentException when the bytes are not one JSON object, or a field the gateway reads has a
   *     type OpenAI never sends (a choice that is not an object, an index that is not a number)
   */
  public static OpenAiChunk scan(byte[] json, int from, int to) {
    if (from < 0 || to > json.length || from > to) {
      throw new IndexOutOfBoundsException("range " + from + ".." + to + " of " + json.length);
    }
    OpenAiChunk chunk = new OpenAiChunk(json, from, to);
    try {
      chunk.scanObject(new JsonScanner(json, from, to));
    } catch (JsonScanner.Malformed e) {
      throw new IllegalArgumentException("not a chat.completion.chunk: " + e.getMessage());
    }
    return chunk;
  }

  /**
   * Scans a whole chunk.
   *
   * @param json the chunk; copied
   * @return the chunk
   * @throws IllegalArgumentException as {@link #scan(byte[], int, int)}
   */
  public static OpenAiChunk scan(Buffer json) {
    byte[] bytes = json.getBytes();
    return scan(bytes, 0, bytes.length);
  }

  private void scanObject(JsonScanner in) {
    if (in.peek() != '{') {
      throw in.malformed("expected a JSON object");
    }
    objectStart = in.pos;
    if (in.open('{', '}')) {
      do {
        topLevelMember(in);
      } while (in.more('}'));
    }
    in.requireEnd();
  }

  private void topLevelMember(JsonScanner in) {
    int key = in.key();
    int valueStart = positionOfValue(in);
    if (in.keyIs(key, ID, "id")) {
      in.skipValue(1);
      idStart = valueStart;
      idEnd = in.pos;
    } else if (in.keyIs(key, MODEL, "model")) {
      in.skipValue(1);
      modelStart = valueStart;
      modelEnd = in.pos;
    } else if (in.keyIs(key, CHOICES, "choices") && in.peek() == '[') {
      choices(in);
    } else if (in.keyIs(key, USAGE, "usage") && in.peek() == '{') {
      in.skipValue(1);
      usageStart = valueStart;
      usageEnd = in.pos;
    } else if (in.keyIs(key, ERROR, "error") && in.peek() != 'n') {
      in.skipValue(1);
      errorStart = valueStart;
      errorEnd = in.pos;
    } else {
      in.skipValue(1);
    }
  }

  private static int positionOfValue(JsonScanner in) {
    in.skipWhitespace();
    return in.pos;
  }

  private void choices(JsonScanner in) {
    if (!in.open('[', ']')) {
      return;
    }
    boolean found = false;
    do {
      if (in.peek() != '{') {
        throw in.malformed("a choice that is not an object");
      }
      if (found) {
        in.skipValue(2);
      } else {
        found = choice(in);
      }
    } while (in.more(']'));
    hasChoices = found;
  }

  /** @return whether this was choice 0; only then are its fields kept */
  private boolean choice(JsonScanner in) {
    in.checkDepth(3);
    if (!in.open('{', '}')) {
      return true;
    }
    // Fields are read into locals and kept only once the index says this is choice 0 (it may come last).
    boolean first = true;
    int[] delta = null;
    String finish = null;
    do {
      int key = in.key();
      int valueStart = positionOfValue(in);
      if (in.keyIs(key, INDEX, "index")) {
        first = indexIsZero(in);
      } else if (in.keyIs(key, DELTA, "delta") && in.peek() == '{') {
        delta = delta(in);
      } else if (in.keyIs(key, FINISH_REASON, "finish_reason") && in.peek() == '"') {
        in.string();
        finish = JsonScanner.decode(in.bytes, valueStart + 1, in.pos - 1);
      } else {
        in.skipValue(3);
      }
    } while (in.more('}'));
    if (first) {
      if (delta != null) {
        contentStart = delta[0];
        contentEnd = delta[1];
        toolCallsStart = delta[2];
        toolCallsEnd = delta[3];
        reasoningStart = delta[4];
        reasoningEnd = delta[5];
      }
      finishReason = finish == null || finish.isEmpty() ? null : finish;
    }
    return first;
  }

  private static boolean indexIsZero(JsonScanner in) {
    int start = in.pos;
    if (in.peek() == 'n') {
      in.literal("null");
      return true;
    }
    if (in.peek() == '"' || in.peek() == '{' || in.peek() == '[' || in.peek() == 't' || in.peek() == 'f') {
      throw in.malformed("an index that is not a number");
    }
    in.number();
    if (in.pos - start == 1) {
      // The index every chunk of a single-choice stream carries: no String, no parse.
      return in.bytes[start] == '0';
    }
    String number = new String(in.bytes, start, in.pos - start, StandardCharsets.US_ASCII);
    return Double.parseDouble(number) == 0;
  }

  /** @return content start/end, tool_calls start/end, reasoning start/end */
  private static int[] delta(JsonScanner in) {
    int[] found = {-1, -1, -1, -1, -1, -1};
    in.checkDepth(4);
    if (!in.open('{', '}')) {
      return found;
    }
    do {
      int key = in.key();
      int valueStart = positionOfValue(in);
      if (in.keyIs(key, CONTENT, "content") && in.peek() == '"') {
        in.string();
        found[0] = valueStart;
        found[1] = in.pos;
      } else if (in.keyIs(key, TOOL_CALLS, "tool_calls") && in.peek() == '[') {
        in.skipValue(4);
        found[2] = valueStart;
        found[3] = in.pos;
      } else if ((in.keyIs(key, REASONING_CONTENT, "reasoning_content") || in.keyIs(key, REASONING, "reasoning"))
        && in.peek() == '"') {
        // DeepSeek's and vLLM's reasoning_content, OpenRouter's reasoning: the model's thinking, apart from content.
        in.string();
        found[4] = valueStart;
        found[5] = in.pos;
      } else {
        in.skipValue(4);
      }
    } while (in.more('}'));
    return found;
  }

  /**
   * The chunk as the upstream sent it.
   *
   * @return a copy of the bytes
   */
  public Buffer json() {
    return Buffer.buffer().appendBytes(json, from, to - from);
  }

  /**
   * Choice 0's {@code delta.content}.
   *
   * @return the text, or {@code null} when the chunk has none
   */
  public String text() {
    return contentStart < 0 ? null : JsonScanner.decode(json, contentStart + 1, contentEnd - 1);
  }

  /**
   * Choice 0's {@code delta.content} as it stands in the JSON: escaped, UTF-8, without its quotes. A gateway
   * writing JSON copies these bytes between quotes instead of decoding and encoding the text again.
   *
   * @return the escaped text, empty when the chunk has none
   */
  public Buffer textJson() {
    return contentStart < 0 ? Buffer.buffer() : Buffer.buffer().appendBytes(json, contentStart + 1, contentEnd - contentStart - 2);
  }

  /**
   * Appends {@link #textJson()} to {@code out} without an intermediate copy.
   *
   * @param out where to write
   * @return {@code out}
   */
  public Buffer appendTextJson(Buffer out) {
    return contentStart < 0 ? out : out.appendBytes(json, contentStart + 1, contentEnd - contentStart - 2);
  }

  /**
   * Choice 0's reasoning: {@code delta.reasoning_content} (DeepSeek, vLLM) or {@code delta.reasoning} (OpenRouter),
   * escaped as it stands in the JSON, without its quotes, appended to {@code out}.
   *
   * @param out where to write
   * @return {@code out}
   * @since 1.2
   */
  public Buffer appendReasoningJson(Buffer out) {
    return reasoningStart < 0 ? out : out.appendBytes(json, reasoningStart + 1, reasoningEnd - reasoningStart - 2);
  }

  /**
   * Choice 0's reasoning, decoded.
   *
   * @return the reasoning text, or {@code null} when the chunk has none
   * @since 1.2
   */
  public String reasoning() {
    return reasoningStart < 0 ? null : JsonScanner.decode(json, reasoningStart + 1, reasoningEnd - 1);
  }

  /**
   * @return whether choice 0 has reasoning text (an empty string counts as none)
   * @since 1.2
   */
  public boolean hasReasoning() {
    return reasoningStart >= 0 && reasoningEnd - reasoningStart > 2;
  }

  /** @return whether choice 0 has text (an empty string counts as none) */
  public boolean hasText() {
    return contentStart >= 0 && contentEnd - contentStart > 2;
  }

  /**
   * Choice 0's {@code delta.tool_calls}, parsed on demand.
   *
   * @return the deltas, or {@code null} when the chunk has none
   */
  public JsonArray toolCalls() {
    if (toolCallsStart < 0) {
      return null;
    }
    JsonArray calls = (JsonArray) Json.decodeValue(Buffer.buffer().appendBytes(json, toolCallsStart, toolCallsEnd - toolCallsStart));
    return calls.isEmpty() ? null : calls;
  }

  /** @return whether choice 0 has tool-call deltas */
  public boolean hasToolCalls() {
    return toolCallsStart >= 0 && toolCallsEnd - toolCallsStart > 2;
  }

  /** @return whether the chunk carries token usage */
  public boolean hasUsage() {
    return usageStart >= 0;
  }

  /** @return choice 0's {@code finish_reason}, or {@code null} */
  public String finishReason() {
    return finishReason;
  }

  /** @return whether the chunk has a choice 0 */
  public boolean hasChoices() {
    return hasChoices;
  }

  /**
   * The token usage of this chunk, when it carries it (the last chunk, with {@code stream_options.include_usage}).
   *
   * @return the usage, or {@code null}
   */
  public Usage usage() {
    if (usageStart < 0) {
      return null;
    }
    JsonObject usage = (JsonObject) Json.decodeValue(Buffer.buffer().appendBytes(json, usageStart, usageEnd - usageStart));
    return new Usage(count(usage, "prompt_tokens"), count(usage, "completion_tokens"));
  }

  /** @return whether this is the usage chunk: usage and no choice, which a client that did not ask for must not get */
  public boolean isUsageOnly() {
    return usageStart >= 0 && !hasChoices;
  }

  /**
   * An {@code error} member other than {@code null}: some servers report failures mid-stream this way.
   *
   * @return the error's JSON value, or {@code null}
   */
  public Object error() {
    if (errorStart < 0) {
      return null;
    }
    try {
      return Json.decodeValue(Buffer.buffer().appendBytes(json, errorStart, errorEnd - errorStart));
    } catch (DecodeException e) {
      return null;
    }
  }

  /**
   * Appends the chunk to {@code out} with its top-level {@code id} and {@code model} replaced (added when
   * missing), everything else byte for byte.
   *
   * @param out where to write
   * @param idJson the new id as a JSON value, quotes included
   * @param modelJson the new model as a JSON value, quotes included
   * @return {@code out}
   */
  public Buffer appendRewritten(Buffer out, byte[] idJson, byte[] modelJson) {
    int cursor = from;
    if (idStart < 0 || modelStart < 0) {
      // Inserted right after the opening brace: a chunk without them (some servers) still gets both.
      int afterBrace = objectStart + 1;
      out.appendBytes(json, cursor, afterBrace - cursor);
      cursor = afterBrace;
      if (idStart < 0) {
        // Something always follows: the inserted model, or the members that include the model.
        out.appendBytes(ID_MEMBER).appendBytes(idJson).appendByte((byte) ',');
      }
      if (modelStart < 0) {
        out.appendBytes(MODEL_MEMBER).appendBytes(modelJson);
        if (!isEmptyObject()) {
          out.appendByte((byte) ',');
        }
      }
    }
    boolean idFirst = idStart >= 0 && (modelStart < 0 || idStart < modelStart);
    if (idFirst) {
      cursor = replace(out, cursor, idStart, idEnd, idJson);
      if (modelStart >= 0) {
        cursor = replace(out, cursor, modelStart, modelEnd, modelJson);
      }
    } else if (modelStart >= 0) {
      cursor = replace(out, cursor, modelStart, modelEnd, modelJson);
      if (idStart >= 0) {
        cursor = replace(out, cursor, idStart, idEnd, idJson);
      }
    }
    return out.appendBytes(json, cursor, to - cursor);
  }

  private int replace(Buffer out, int cursor, int start, int end, byte[] value) {
    out.appendBytes(json, cursor, start - cursor).appendBytes(value);
    return end;
  }

  private boolean isEmptyObject() {
    JsonScanner in = new JsonScanner(json, objectStart + 1, to);
    return in.peek() == '}';
  }

  /** @return how many bytes {@link #appendRewritten} may write at most, given the new values */
  public int rewrittenLengthHint(int idLength, int modelLength) {
    return to - from + idLength + modelLength + ID_MEMBER.length + MODEL_MEMBER.length + 2;
  }

  private static int count(JsonObject usage, String name) {
    Object value = usage.getValue(name);
    return value instanceof Number number ? (int) Math.max(0, Math.min(Integer.MAX_VALUE, number.longValue())) : 0;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "OpenAiChunk[" + (to - from) + " bytes" + (hasText() ? ", text" : "") + (finishReason != null
      ? ", finish_reason=" + finishReason : "") + (usageStart >= 0 ? ", usage" : "") + "]";
  }
}
