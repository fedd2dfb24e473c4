package io.tokenlane.testkit.ollama;

import io.tokenlane.testkit.FakeExchange.Ending;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link FakeOllamaUpstream} answers to one {@code POST /api/chat}: the thinking, tokens and tool calls to
 * stream, the final counts, and how to misbehave while streaming them.
 *
 * <pre>{@code
 * upstream.enqueue(Script.tokens("Hel", "lo").thinking("Let me", " think").evalCounts(12, 4));
 * upstream.enqueue(Script.tokens().toolCall("get_weather", new JsonObject().put("city", "Tokyo")));
 * upstream.enqueue(Script.tokens("a", "b").errorLineAfter(1, "llama runner process has terminated"));
 * upstream.enqueue(Script.modelNotFound());
 * }</pre>
 *
 * <p>The wire format follows Ollama's {@code docs/api.md} and its server: {@code application/x-ndjson}, one
 * {@code {"model", "created_at", "message": {"role", "content", "thinking", "tool_calls"}, "done": false}} object
 * per line (thinking lines first, then content, then one line per tool call), then the final line with
 * {@code "done": true}, {@code done_reason}, the durations and {@code prompt_eval_count}/{@code eval_count} (left
 * out when zero, as Ollama's {@code omitempty} does). Each line is its own write unless the script splits them.
 * Fluent and mutable; the fake takes a copy when the script is enqueued.
 *
 * @since 1.2
 */
public final class Script {

  /** A tool call Ollama sends whole: the function name and its arguments object. */
  record ToolCall(String name, JsonObject arguments) {
  }

  // Read by Exchange and WireFormat when the answer is played; only the fluent methods write them.
  int status = 200;
  String errorMessage;
  boolean modelNotFound;
  byte[] rawBody;
  final Map<String, String> headers = new LinkedHashMap<>();
  final List<String> thinking = new ArrayList<>();
  final List<String> tokens = new ArrayList<>();
  final List<ToolCall> toolCalls = new ArrayList<>();
  boolean toolCallIds = true;
  String doneReason = "stop";
  boolean doneLine = true;
  Integer promptEvalCount;
  Integer evalCount;
  long delayMs;
  int splitBytes;
  final List<Integer> splitOffsets = new ArrayList<>();
  boolean hangBeforeHeaders;
  int cutAfter = -1;
  Ending ending = Ending.END;
  String errorLine;

  private Script() {
  }

  private Script(Script other) {
    status = other.status;
    errorMessage = other.errorMessage;
    modelNotFound = other.modelNotFound;
    rawBody = other.rawBody;
    headers.putAll(other.headers);
    thinking.addAll(other.thinking);
    tokens.addAll(other.tokens);
    other.toolCalls.forEach(call -> toolCalls.add(new ToolCall(call.name(), call.arguments().copy())));
    toolCallIds = other.toolCallIds;
    doneReason = other.doneReason;
    doneLine = other.doneLine;
    promptEvalCount = other.promptEvalCount;
    evalCount = other.evalCount;
    delayMs = other.delayMs;
    splitBytes = other.splitBytes;
    splitOffsets.addAll(other.splitOffsets);
    hangBeforeHeaders = other.hangBeforeHeaders;
    cutAfter = other.cutAfter;
    ending = other.ending;
    errorLine = other.errorLine;
  }

  Script copy() {
    return new Script(this);
  }

  // ---- what to answer ----

  /**
   * A normal answer streaming these content tokens, one line each, then a done line with {@code stop}.
   *
   * @param tokens the content pieces, in order; none for an answer made only of thinking or tool calls
   * @return the script
   */
  public static Script tokens(String... tokens) {
    Script script = new Script();
    script.tokens.addAll(List.of(tokens));
    return script;
  }

  /**
   * An HTTP error with Ollama's body {@code {"error": "message"}}.
   *
   * @param status the HTTP status
   * @param message the error text
   * @return the script
   */
  public static Script error(int status, String message) {
    Script script = new Script();
    script.status = status;
    script.errorMessage = Objects.requireNonNull(message);
    return script;
  }

  /**
   * Ollama's 404 for a model it does not have: {@code {"error": "model 'NAME' not found"}}, with the requested name.
   *
   * @return the script
   */
  public static Script modelNotFound() {
    Script script = error(404, "model not found");
    script.modelNotFound = true;
    return script;
  }

  /**
   * A 429 with a {@code retry-after} header, as ollama.com and rate-limiting proxies send.
   *
   * @param retryAfterSeconds the header's value
   * @return the script
   */
  public static Script rateLimited(int retryAfterSeconds) {
    return error(429, "you (fake) have reached your hourly usage limit, please try again later")
      .header("retry-after", Integer.toString(retryAfterSeconds));
  }

  /**
   * Ollama's 503 when its request queue is full ({@code OLLAMA_MAX_QUEUE}).
   *
   * @return the script
   */
  public static Script serverBusy() {
    return error(503, "server busy, please try again.  maximum pending requests exceeded");
  }

  /**
   * Any status, content type and body, for answers outside Ollama's format.
   *
   * @param status the HTTP status
   * @param contentType the {@code content-type} header
   * @param body the body, as UTF-8
   * @return the script
   */
  public static Script raw(int status, String contentType, String body) {
    return raw(status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Any status, content type and body bytes, such as invalid UTF-8.
   *
   * @param status the HTTP status
   * @param contentType the {@code content-type} header
   * @param body the body
   * @return the script
   */
  public static Script raw(int status, String contentType, byte[] body) {
    Script script = new Script();
    script.status = status;
    script.rawBody = body.clone();
    return script.header("content-type", contentType);
  }

  /**
   * Sends the response headers, then nothing, keeping the connection open until the client gives up.
   *
   * @return the script
   */
  public static Script stall() {
    return tokens().stallAfter(0);
  }

  /**
   * Reads the request and never answers, not even with headers (a model that takes forever to load).
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
   * Thinking pieces, streamed in {@code message.thinking} before the content, as thinking models do.
   *
   * @param pieces the thinking text, one line each
   * @return this script
   */
  public Script thinking(String... pieces) {
    thinking.addAll(List.of(pieces));
    return this;
  }

  /**
   * Adds a tool call, sent whole in its own line after the content, with an id {@code call_xxxxxxxx} as Ollama 0.12
   * and later make.
   *
   * @param name the function name
   * @param arguments the arguments object
   * @return this script
   */
  public Script toolCall(String name, JsonObject arguments) {
    toolCalls.add(new ToolCall(name, arguments.copy()));
    return this;
  }

  /**
   * Leaves the ids out of tool calls, as Ollama before 0.12 did.
   *
   * @return this script
   */
  public Script withoutToolCallIds() {
    toolCallIds = false;
    return this;
  }

  /**
   * The done line's {@code done_reason}.
   *
   * @param reason such as {@code stop}, {@code length}, {@code load}; {@code null} to leave it out, as old
   *     servers did
   * @return this script
   */
  public Script doneReason(String reason) {
    doneReason = reason;
    return this;
  }

  /**
   * The done line's counts. Without this, the prompt counts one token per word of the messages and the answer
   * one per line sent. A zero count is left out of the line, as Ollama does.
   *
   * @param promptEvalCount {@code prompt_eval_count}
   * @param evalCount {@code eval_count}
   * @return this script
   */
  public Script evalCounts(int promptEvalCount, int evalCount) {
    this.promptEvalCount = promptEvalCount;
    this.evalCount = evalCount;
    return this;
  }

  /**
   * Ends the body after the content lines without a done line.
   *
   * @return this script
   */
  public Script withoutDone() {
    doneLine = false;
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
   * Waits between two writes (an inter-token delay).
   *
   * @param delay the pause
   * @return this script
   */
  public Script delay(Duration delay) {
    delayMs = delay.toMillis();
    return this;
  }

  /**
   * Writes every line (or a {@linkplain #raw raw} body) in pieces of {@code bytes} bytes, each its own write.
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
   * Writes the whole body as pieces cut at these byte offsets, whatever the line boundaries, each its own write.
   * Combine with {@link #delay} so each piece reaches the client in its own read.
   *
   * @param offsets where to cut, in increasing order
   * @return this script
   */
  public Script splitAt(int... offsets) {
    for (int offset : offsets) {
      splitOffsets.add(offset);
    }
    return this;
  }

  /**
   * After {@code lines} thinking, content or tool-call lines, sends {@code {"error": message}} and ends the body,
   * as Ollama does when generation fails mid-stream.
   *
   * @param lines lines to send first
   * @param message the error text
   * @return this script
   */
  public Script errorLineAfter(int lines, String message) {
    cutAfter = lines;
    errorLine = Objects.requireNonNull(message);
    ending = Ending.END;
    return this;
  }

  /**
   * After {@code lines} lines, closes the connection without ending the response.
   *
   * @param lines lines to send first
   * @return this script
   */
  public Script dropConnectionAfter(int lines) {
    cutAfter = lines;
    ending = Ending.DROP;
    return this;
  }

  /**
   * After {@code lines} lines, sends nothing more and keeps the connection open.
   *
   * @param lines lines to send first
   * @return this script
   */
  public Script stallAfter(int lines) {
    cutAfter = lines;
    ending = Ending.STALL;
    return this;
  }

  @Override
  public String toString() {
    return "Script[status=" + status + ", thinking=" + thinking.size() + ", tokens=" + tokens.size()
      + ", toolCalls=" + toolCalls.size() + ", doneReason=" + doneReason + ", ending=" + ending + "]";
  }
}
