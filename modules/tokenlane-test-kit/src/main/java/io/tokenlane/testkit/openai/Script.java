package io.tokenlane.testkit.openai;

import io.tokenlane.testkit.FakeExchange.Ending;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link FakeOpenAiUpstream} answers to one chat-completions request: the tokens to stream and how to
 * misbehave while streaming them.
 *
 * <pre>{@code
 * upstream.enqueue(Script.tokens("Hel", "lo", " world").finish("stop").usage(5, 3));
 * upstream.enqueue(Script.tokens("a", "b").splitEveryBytes(3).keepAlives().delay(Duration.ofMillis(5)));
 * upstream.enqueue(Script.tokens("partial").dropConnectionAfter(1));
 * upstream.enqueue(Script.rateLimited(20));
 * }</pre>
 *
 * <p>The wire format follows OpenAI's documentation: a first chunk with the assistant role, one chunk per token,
 * a chunk with the finish reason, the usage chunk when the request asked for it with
 * {@code stream_options.include_usage}, then {@code data: [DONE]}. A {@code stream: false} request gets one
 * {@code chat.completion} object. Fluent and mutable; the fake takes a copy when the script is enqueued.
 *
 * @since 1.0
 */
public final class Script {

  /** A tool call to stream: its id, the function name and the pieces its arguments are streamed in. */
  record ToolCall(String id, String name, List<String> argumentFragments) {
  }

  // Read by Exchange and WireFormat when the answer is played; only the fluent methods write them.
  int status = 200;
  JsonObject errorBody;
  String rawBody;
  final Map<String, String> headers = new LinkedHashMap<>();
  final List<String> tokens = new ArrayList<>();
  final List<ToolCall> toolCalls = new ArrayList<>();
  String finishReason = "stop";
  boolean finishReasonSet;
  Integer promptTokens;
  Integer completionTokens;
  long delayMs;
  int splitBytes;
  boolean keepAlives;
  boolean azureFilterChunk;
  String lineEnding = "\n";
  boolean done = true;
  boolean ignoreStreamFlag;
  boolean hangBeforeHeaders;
  int cutAfter = -1;
  Ending ending = Ending.END;
  JsonObject errorEvent;
  boolean roleChunk = true;
  boolean maskedKeyError;

  private Script() {
  }

  private Script(Script other) {
    status = other.status;
    errorBody = other.errorBody == null ? null : other.errorBody.copy();
    rawBody = other.rawBody;
    headers.putAll(other.headers);
    tokens.addAll(other.tokens);
    toolCalls.addAll(other.toolCalls);
    finishReason = other.finishReason;
    finishReasonSet = other.finishReasonSet;
    promptTokens = other.promptTokens;
    completionTokens = other.completionTokens;
    delayMs = other.delayMs;
    splitBytes = other.splitBytes;
    keepAlives = other.keepAlives;
    azureFilterChunk = other.azureFilterChunk;
    lineEnding = other.lineEnding;
    done = other.done;
    ignoreStreamFlag = other.ignoreStreamFlag;
    hangBeforeHeaders = other.hangBeforeHeaders;
    cutAfter = other.cutAfter;
    ending = other.ending;
    errorEvent = other.errorEvent == null ? null : other.errorEvent.copy();
    roleChunk = other.roleChunk;
    maskedKeyError = other.maskedKeyError;
  }

  Script copy() {
    return new Script(this);
  }

  // ---- what to answer ----

  /**
   * A normal answer streaming these tokens, then finish reason {@code stop}.
   *
   * @param tokens the content deltas, in order; none for an answer made only of tool calls
   * @return the script
   */
  public static Script tokens(String... tokens) {
    Script script = new Script();
    script.tokens.addAll(List.of(tokens));
    return script;
  }

  /**
   * An HTTP error with OpenAI's error body {@code {"error": {"message", "type", "param", "code"}}}.
   *
   * @param status the HTTP status
   * @param type OpenAI's error type, such as {@code invalid_request_error}
   * @param code OpenAI's error code, such as {@code invalid_api_key}, or {@code null}
   * @param message the human message
   * @return the script
   */
  public static Script error(int status, String type, String code, String message) {
    Script script = new Script();
    script.status = status;
    script.errorBody = errorObject(message, type, code);
    return script;
  }

  /**
   * OpenAI's 401 for a wrong key. Like OpenAI, the message quotes the key masked: its first 3 and last 4
   * characters.
   *
   * @return the script
   */
  public static Script unauthorized() {
    Script script = new Script();
    script.status = 401;
    script.maskedKeyError = true;
    return script;
  }

  /**
   * OpenAI's 429 with a {@code retry-after} header.
   *
   * @param retryAfterSeconds the header's value
   * @return the script
   */
  public static Script rateLimited(int retryAfterSeconds) {
    return error(429, "requests", "rate_limit_exceeded", "Rate limit reached for gpt-4o-mini in organization "
      + "org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in "
      + retryAfterSeconds + "s.")
      .header("retry-after", Integer.toString(retryAfterSeconds));
  }

  /**
   * OpenAI's 500.
   *
   * @return the script
   */
  public static Script serverError() {
    return error(500, "server_error", null, "The server had an error while processing your request. Sorry about that!");
  }

  /**
   * A 200 {@code text/event-stream} response whose body is not server-sent events at all.
   *
   * @param body the text to send, such as an HTML error page
   * @return the script
   */
  public static Script garbage(String body) {
    Script script = new Script();
    script.rawBody = Objects.requireNonNull(body);
    return script;
  }

  /**
   * Any status, content type and body, for servers that answer outside OpenAI's format.
   *
   * @param status the HTTP status
   * @param contentType the {@code content-type} header
   * @param body the body
   * @return the script
   */
  public static Script raw(int status, String contentType, String body) {
    Script script = garbage(body);
    script.status = status;
    return script.header("content-type", contentType);
  }

  /**
   * Sends the response headers of an event stream, then nothing, keeping the connection open until the client
   * gives up.
   *
   * @return the script
   */
  public static Script stall() {
    return tokens().stallAfter(0).noRoleChunk();
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
   * Adds a tool call, streamed the way OpenAI does: a delta with its index, id, type and name and empty
   * arguments, then one delta per arguments fragment. Without an explicit {@link #finish}, the finish reason
   * becomes {@code tool_calls}.
   *
   * @param id the call id, such as {@code call_abc}
   * @param name the function name
   * @param argumentFragments the pieces of the JSON arguments
   * @return this script
   */
  public Script toolCall(String id, String name, String... argumentFragments) {
    toolCalls.add(new ToolCall(id, name, List.of(argumentFragments)));
    if (!finishReasonSet) {
      finishReason = "tool_calls";
    }
    return this;
  }

  /**
   * The finish reason of the last chunk.
   *
   * @param reason such as {@code stop}, {@code length}, {@code tool_calls}, {@code content_filter}; {@code null}
   *     to send no finish chunk at all
   * @return this script
   */
  public Script finish(String reason) {
    finishReason = reason;
    finishReasonSet = true;
    return this;
  }

  /**
   * The counts of the usage chunk (sent when the request asked with {@code stream_options.include_usage}).
   * Without this, the prompt counts one token per word of the messages and the completion one per token sent.
   *
   * @param prompt prompt tokens
   * @param completion completion tokens
   * @return this script
   */
  public Script usage(int prompt, int completion) {
    promptTokens = prompt;
    completionTokens = completion;
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
   * Waits between two events.
   *
   * @param delay the pause
   * @return this script
   */
  public Script delay(Duration delay) {
    delayMs = delay.toMillis();
    return this;
  }

  /**
   * Writes every event (or a {@linkplain #raw raw} body) in pieces of {@code bytes} bytes, each its own write and
   * HTTP chunk, so a client sees lines, fields and UTF-8 characters cut at arbitrary places.
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
   * Sends a {@code : keep-alive} comment before every event, as proxies and some servers do.
   *
   * @return this script
   */
  public Script keepAlives() {
    keepAlives = true;
    return this;
  }

  /**
   * Starts with the chunk Azure OpenAI sends first: empty {@code choices} and {@code prompt_filter_results}.
   *
   * @return this script
   */
  public Script azurePromptFilterChunk() {
    azureFilterChunk = true;
    return this;
  }

  /**
   * Ends lines with {@code "\r\n"} or {@code "\r"} instead of OpenAI's {@code "\n"}.
   *
   * @param ending the line ending
   * @return this script
   */
  public Script lineEnding(String ending) {
    if (!ending.equals("\n") && !ending.equals("\r\n") && !ending.equals("\r")) {
      throw new IllegalArgumentException("a line ends with \\n, \\r\\n or \\r");
    }
    lineEnding = ending;
    return this;
  }

  /**
   * Leaves out {@code data: [DONE]}, as older llama.cpp servers do.
   *
   * @return this script
   */
  public Script withoutDone() {
    done = false;
    return this;
  }

  /**
   * Answers with a whole {@code chat.completion} JSON object even when the request asked to stream, as some
   * servers do.
   *
   * @return this script
   */
  public Script ignoreStreamFlag() {
    ignoreStreamFlag = true;
    return this;
  }

  /**
   * After {@code tokens} content or tool-call chunks, sends {@code data: {"error": {...}}} and ends the response.
   *
   * @param tokens chunks to send first
   * @param message the error message
   * @return this script
   */
  public Script errorEventAfter(int tokens, String message) {
    cutAfter = tokens;
    errorEvent = new JsonObject().put("error", errorObject(message, "server_error", null));
    ending = Ending.END;
    return this;
  }

  /**
   * After {@code tokens} content or tool-call chunks, closes the connection without ending the response.
   *
   * @param tokens chunks to send first
   * @return this script
   */
  public Script dropConnectionAfter(int tokens) {
    cutAfter = tokens;
    ending = Ending.DROP;
    return this;
  }

  /**
   * After {@code tokens} content or tool-call chunks, sends nothing more and keeps the connection open.
   *
   * @param tokens chunks to send first
   * @return this script
   */
  public Script stallAfter(int tokens) {
    cutAfter = tokens;
    ending = Ending.STALL;
    return this;
  }

  private Script noRoleChunk() {
    roleChunk = false;
    return this;
  }

  static JsonObject errorObject(String message, String type, String code) {
    return new JsonObject().put("message", message).put("type", type).putNull("param").put("code", code);
  }

  @Override
  public String toString() {
    return "Script[status=" + status + ", tokens=" + tokens.size() + ", toolCalls=" + toolCalls.size()
      + ", finish=" + finishReason + ", ending=" + ending + "]";
  }
}
