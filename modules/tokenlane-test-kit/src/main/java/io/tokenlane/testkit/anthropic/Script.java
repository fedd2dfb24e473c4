package io.tokenlane.testkit.anthropic;

import io.tokenlane.testkit.FakeExchange.Ending;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link FakeAnthropicUpstream} answers to one Messages request: the content blocks to stream and how to
 * misbehave while streaming them.
 *
 * <pre>{@code
 * upstream.enqueue(Script.tokens("Hel", "lo", " world").usage(12, 3));
 * upstream.enqueue(Script.message().thinking("Let me", " think").text("42"));
 * upstream.enqueue(Script.message().text("Checking.").toolUse("toolu_1", "get_weather", "{\"city\":", "\"Paris\"}"));
 * upstream.enqueue(Script.tokens("a", "b").errorEventAfter(1, "overloaded_error", "Overloaded"));
 * upstream.enqueue(Script.overloaded());
 * }</pre>
 *
 * <p>The wire format follows Anthropic's streaming documentation: {@code message_start}, then per content block a
 * {@code content_block_start}, its {@code content_block_delta}s and a {@code content_block_stop} (one
 * {@code ping} after the first block starts), then {@code message_delta} with the stop reason and usage, then
 * {@code message_stop}. Each event is one named server-sent event ({@code event:} and {@code data:} lines) and one
 * write. Fluent and mutable; the fake takes a copy when the script is enqueued.
 *
 * @since 1.2
 */
public final class Script {

  /** The kind of a content block. */
  enum Kind {
    TEXT, THINKING, REDACTED_THINKING, TOOL_USE
  }

  /** One content block: its kind, its deltas, and for tool use the id and name (for redacted thinking, data). */
  record Block(Kind kind, List<String> deltas, String id, String name) {
  }

  // Read by Exchange and WireFormat when the answer is played; only the fluent methods write them.
  int status = 200;
  JsonObject errorBody;
  byte[] rawBody;
  final Map<String, String> headers = new LinkedHashMap<>();
  final List<Block> blocks = new ArrayList<>();
  String stopReason = "end_turn";
  boolean stopReasonSet;
  String stopSequence;
  Integer inputTokens;
  Integer outputTokens;
  int cacheCreationTokens;
  int cacheReadTokens;
  long delayMs;
  int splitBytes;
  final List<Integer> splitAt = new ArrayList<>();
  boolean interleaveToolUse;
  boolean messageStop = true;
  boolean hangBeforeHeaders;
  int cutAfter = -1;
  Ending ending = Ending.END;
  JsonObject errorEvent;

  private Script() {
  }

  private Script(Script other) {
    status = other.status;
    errorBody = other.errorBody == null ? null : other.errorBody.copy();
    rawBody = other.rawBody;
    headers.putAll(other.headers);
    blocks.addAll(other.blocks);
    stopReason = other.stopReason;
    stopReasonSet = other.stopReasonSet;
    stopSequence = other.stopSequence;
    inputTokens = other.inputTokens;
    outputTokens = other.outputTokens;
    cacheCreationTokens = other.cacheCreationTokens;
    cacheReadTokens = other.cacheReadTokens;
    delayMs = other.delayMs;
    splitBytes = other.splitBytes;
    splitAt.addAll(other.splitAt);
    interleaveToolUse = other.interleaveToolUse;
    messageStop = other.messageStop;
    hangBeforeHeaders = other.hangBeforeHeaders;
    cutAfter = other.cutAfter;
    ending = other.ending;
    errorEvent = other.errorEvent == null ? null : other.errorEvent.copy();
  }

  Script copy() {
    return new Script(this);
  }

  // ---- what to answer ----

  /**
   * A message without content blocks yet: add them with {@link #text}, {@link #thinking}, {@link #toolUse}.
   *
   * @return the script
   */
  public static Script message() {
    return new Script();
  }

  /**
   * A message of one text block streaming these tokens, stop reason {@code end_turn}.
   *
   * @param tokens the {@code text_delta}s, in order
   * @return the script
   */
  public static Script tokens(String... tokens) {
    return message().text(tokens);
  }

  /**
   * An HTTP error with Anthropic's error body {@code {"type": "error", "error": {"type", "message"}, "request_id"}}.
   *
   * @param status the HTTP status
   * @param type Anthropic's error type, such as {@code invalid_request_error}
   * @param message the human message
   * @return the script
   */
  public static Script error(int status, String type, String message) {
    Script script = new Script();
    script.status = status;
    script.errorBody = WireFormat.error(type, message);
    return script;
  }

  /**
   * Anthropic's 401 for a wrong key.
   *
   * @return the script
   */
  public static Script unauthorized() {
    return error(401, "authentication_error", "invalid x-api-key");
  }

  /**
   * Anthropic's 429 with a {@code retry-after} header.
   *
   * @param retryAfterSeconds the header's value
   * @return the script
   */
  public static Script rateLimited(int retryAfterSeconds) {
    return error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit "
      + "(https://docs.claude.com/en/api/rate-limits); see the response headers for current usage. Please reduce "
      + "the prompt length or the maximum tokens requested, or try again later.")
      .header("retry-after", Integer.toString(retryAfterSeconds));
  }

  /**
   * Anthropic's 529: the API is temporarily overloaded.
   *
   * @return the script
   */
  public static Script overloaded() {
    return error(529, "overloaded_error", "Overloaded");
  }

  /**
   * Anthropic's 500.
   *
   * @return the script
   */
  public static Script serverError() {
    return error(500, "api_error", "Internal server error");
  }

  /**
   * Any status, content type and body, for answers outside Anthropic's format or recorded streams played as
   * they are.
   *
   * @param status the HTTP status
   * @param contentType the {@code content-type} header
   * @param body the body
   * @return the script
   */
  public static Script raw(int status, String contentType, String body) {
    return raw(status, contentType, Buffer.buffer(Objects.requireNonNull(body)));
  }

  /**
   * Any status, content type and body bytes, for bodies that are not even UTF-8.
   *
   * @param status the HTTP status
   * @param contentType the {@code content-type} header
   * @param body the bytes to send
   * @return the script
   */
  public static Script raw(int status, String contentType, Buffer body) {
    Script script = new Script();
    script.status = status;
    script.rawBody = body.getBytes();
    return script.header("content-type", contentType);
  }

  /**
   * Sends the response headers of an event stream, then nothing, keeping the connection open.
   *
   * @return the script
   */
  public static Script stall() {
    return message().stallAfter(0);
  }

  /**
   * Reads the request and never answers, not even with headers.
   *
   * @return the script
   */
  public static Script noResponse() {
    Script script = new Script();
    script.hangBeforeHeaders = true;
    return script;
  }

  // ---- content ----

  /**
   * Adds a text block.
   *
   * @param tokens its {@code text_delta}s
   * @return this script
   */
  public Script text(String... tokens) {
    blocks.add(new Block(Kind.TEXT, List.of(tokens), null, null));
    return this;
  }

  /**
   * Adds a thinking block: its {@code thinking_delta}s, then a {@code signature_delta}, as extended thinking does.
   *
   * @param tokens the thinking deltas
   * @return this script
   */
  public Script thinking(String... tokens) {
    blocks.add(new Block(Kind.THINKING, List.of(tokens), null, null));
    return this;
  }

  /**
   * Adds a {@code redacted_thinking} block, which carries encrypted data and no deltas.
   *
   * @param data the opaque data
   * @return this script
   */
  public Script redactedThinking(String data) {
    blocks.add(new Block(Kind.REDACTED_THINKING, List.of(), null, data));
    return this;
  }

  /**
   * Adds a tool-use block: started with empty {@code input}, then one {@code input_json_delta} with an empty
   * {@code partial_json}, then one per fragment. Without an explicit {@link #stopReason}, the stop reason becomes
   * {@code tool_use}.
   *
   * @param id the tool-use id, such as {@code toolu_01A09q90qw90lq917835lq9}
   * @param name the tool name
   * @param inputFragments the pieces of the JSON input
   * @return this script
   */
  public Script toolUse(String id, String name, String... inputFragments) {
    blocks.add(new Block(Kind.TOOL_USE, List.of(inputFragments), id, name));
    if (!stopReasonSet) {
      stopReason = "tool_use";
    }
    return this;
  }

  /**
   * Streams consecutive tool-use blocks together: all of them start, then their deltas alternate, then they
   * stop. Anthropic streams one block after the other; this checks a client goes by each delta's index.
   *
   * @return this script
   */
  public Script interleaveToolUse() {
    interleaveToolUse = true;
    return this;
  }

  /**
   * The stop reason in {@code message_delta}.
   *
   * @param reason such as {@code end_turn}, {@code max_tokens}, {@code stop_sequence}, {@code tool_use},
   *     {@code pause_turn}, {@code refusal}
   * @return this script
   */
  public Script stopReason(String reason) {
    stopReason = reason;
    stopReasonSet = true;
    return this;
  }

  /**
   * Stops with {@code stop_sequence} and names the sequence that matched.
   *
   * @param sequence the matched stop sequence
   * @return this script
   */
  public Script stoppedBy(String sequence) {
    stopSequence = sequence;
    return stopReason("stop_sequence");
  }

  /**
   * The token counts: {@code input_tokens} in {@code message_start}, {@code output_tokens} in
   * {@code message_delta}. Without this, input counts one token per word of the prompt and output one per delta.
   *
   * @param input input tokens not read from or written to the cache
   * @param output output tokens
   * @return this script
   */
  public Script usage(int input, int output) {
    inputTokens = input;
    outputTokens = output;
    return this;
  }

  /**
   * Prompt-cache counts in {@code message_start}.
   *
   * @param creation {@code cache_creation_input_tokens}
   * @param read {@code cache_read_input_tokens}
   * @return this script
   */
  public Script cacheUsage(int creation, int read) {
    cacheCreationTokens = creation;
    cacheReadTokens = read;
    return this;
  }

  /**
   * Adds a response header.
   *
   * @param name the name
   * @param value the value
   * @return this script
   */
  public Script header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  // ---- wire-level misbehaviour ----

  /**
   * Waits before each generated delta (text, thinking, tool input): the inter-token delay of a model server. The
   * frames around the deltas follow what precedes them at once, each in its own write.
   *
   * @param delay the pause
   * @return this script
   */
  public Script delay(Duration delay) {
    delayMs = delay.toMillis();
    return this;
  }

  /**
   * Writes every event (or a {@linkplain #raw raw} body) in pieces of {@code bytes} bytes, each its own write, so a
   * client sees lines, fields and UTF-8 characters cut at arbitrary places.
   *
   * @param bytes piece size, at least 1
   * @return this script
   */
  public Script splitEveryBytes(int bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("bytes must be at least 1");
    }
    splitBytes = bytes;
    return this;
  }

  /**
   * Writes a {@linkplain #raw raw} body in pieces cut at these byte offsets, each its own write.
   *
   * @param offsets byte offsets into the body, ascending
   * @return this script
   */
  public Script splitAt(int... offsets) {
    for (int offset : offsets) {
      splitAt.add(offset);
    }
    return this;
  }

  /**
   * Leaves out {@code message_stop} and ends the body after {@code message_delta}.
   *
   * @return this script
   */
  public Script withoutMessageStop() {
    messageStop = false;
    return this;
  }

  /**
   * After {@code tokens} deltas, sends an {@code error} event ({@code {"type": "error", "error": {...}}}) and ends
   * the response, as Anthropic does when it fails after answering 200.
   *
   * @param tokens deltas to send first
   * @param type the error type, such as {@code overloaded_error} or {@code api_error}
   * @param message the error message
   * @return this script
   */
  public Script errorEventAfter(int tokens, String type, String message) {
    cutAfter = tokens;
    errorEvent = WireFormat.errorEvent(type, message);
    ending = Ending.END;
    return this;
  }

  /**
   * After {@code tokens} deltas, closes the connection without ending the response.
   *
   * @param tokens deltas to send first
   * @return this script
   */
  public Script dropConnectionAfter(int tokens) {
    cutAfter = tokens;
    ending = Ending.DROP;
    return this;
  }

  /**
   * After {@code tokens} deltas, sends nothing more and keeps the connection open.
   *
   * @param tokens deltas to send first
   * @return this script
   */
  public Script stallAfter(int tokens) {
    cutAfter = tokens;
    ending = Ending.STALL;
    return this;
  }

  @Override
  public String toString() {
    return "Script[status=" + status + ", blocks=" + blocks.size() + ", stop=" + stopReason + ", ending=" + ending + "]";
  }
}
