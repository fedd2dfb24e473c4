package io.tokenlane.testkit.gemini;

import io.tokenlane.testkit.FakeExchange.Ending;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link FakeGeminiUpstream} answers to one {@code streamGenerateContent} request: the events to stream and how
 * to misbehave while streaming them.
 *
 * <pre>{@code
 * upstream.enqueue(GeminiScript.text("Hel", "lo", " world").usage(5, 3));
 * upstream.enqueue(GeminiScript.thoughts("Let me think.").text("42").usage(4, 1, 7));
 * upstream.enqueue(GeminiScript.functionCall("get_weather", new JsonObject().put("city", "Paris")));
 * upstream.enqueue(GeminiScript.text("a", "b").splitEveryBytes(3).delay(Duration.ofMillis(5)));
 * upstream.enqueue(GeminiScript.rateLimited(20));
 * }</pre>
 *
 * <p>The wire format follows Google's documentation: every event is a whole {@code GenerateContentResponse} with
 * candidate 0's new parts, {@code usageMetadata}, {@code modelVersion} and {@code responseId}; the last one also
 * carries the {@code finishReason} and the final counts; the body then ends (there is no {@code [DONE]}). Fluent
 * and mutable; the fake takes a copy when the script is enqueued.
 *
 * @since 1.2
 */
public final class GeminiScript {

  // Read by GeminiExchange and GeminiWire when the answer is played; only the fluent methods write them.
  int status = 200;
  JsonObject errorBody;
  byte[] rawBody;
  boolean invalidApiKey;
  final Map<String, String> headers = new LinkedHashMap<>();
  /** Each element is one event's parts. */
  final List<JsonArray> events = new ArrayList<>();
  String finishReason = "STOP";
  String finishMessage;
  String blockReason;
  Integer promptTokens;
  Integer candidatesTokens;
  Integer thoughtsTokens;
  long delayMs;
  int splitBytes;
  String lineEnding = "\r\n";
  boolean hangBeforeHeaders;
  int cutAfter = -1;
  Ending ending = Ending.END;
  JsonObject errorEvent;

  private GeminiScript() {
  }

  private GeminiScript(GeminiScript other) {
    status = other.status;
    errorBody = other.errorBody == null ? null : other.errorBody.copy();
    rawBody = other.rawBody;
    invalidApiKey = other.invalidApiKey;
    headers.putAll(other.headers);
    other.events.forEach(parts -> events.add(parts.copy()));
    finishReason = other.finishReason;
    finishMessage = other.finishMessage;
    blockReason = other.blockReason;
    promptTokens = other.promptTokens;
    candidatesTokens = other.candidatesTokens;
    thoughtsTokens = other.thoughtsTokens;
    delayMs = other.delayMs;
    splitBytes = other.splitBytes;
    lineEnding = other.lineEnding;
    hangBeforeHeaders = other.hangBeforeHeaders;
    cutAfter = other.cutAfter;
    ending = other.ending;
    errorEvent = other.errorEvent == null ? null : other.errorEvent.copy();
  }

  GeminiScript copy() {
    return new GeminiScript(this);
  }

  // ---- answers ----

  /**
   * An answer streaming these text pieces, one event each, then finish reason {@code STOP}.
   *
   * @param tokens the text pieces, in order
   * @return the script
   */
  public static GeminiScript text(String... tokens) {
    return new GeminiScript().andText(tokens);
  }

  /**
   * An answer that opens with these thought summaries ({@code "thought": true} parts), one event each; add the
   * answer with {@link #andText}.
   *
   * @param thoughts the thought pieces
   * @return the script
   */
  public static GeminiScript thoughts(String... thoughts) {
    return new GeminiScript().andThoughts(thoughts);
  }

  /**
   * An answer made of one function call, in one event, as Gemini sends it: whole, never in fragments.
   *
   * @param name the function name
   * @param args the arguments object
   * @return the script
   */
  public static GeminiScript functionCall(String name, JsonObject args) {
    return new GeminiScript().andEvent(functionCallPart(name, args));
  }

  /**
   * An answer with any parts, one event per call to {@link #andEvent}; starts empty.
   *
   * @return the script
   */
  public static GeminiScript events() {
    return new GeminiScript();
  }

  /**
   * A prompt Gemini refuses to answer: one event with no candidates and {@code promptFeedback.blockReason}.
   *
   * @param blockReason such as {@code SAFETY}, {@code OTHER}, {@code BLOCKLIST}, {@code PROHIBITED_CONTENT}
   * @return the script
   */
  public static GeminiScript promptBlocked(String blockReason) {
    GeminiScript script = new GeminiScript();
    script.blockReason = Objects.requireNonNull(blockReason);
    script.finishReason = null;
    return script;
  }

  /**
   * An HTTP error with Google's error body {@code {"error": {"code", "message", "status"}}}.
   *
   * @param httpStatus the HTTP status, also the body's {@code code}
   * @param status Google's status name, such as {@code INVALID_ARGUMENT}
   * @param message the human message
   * @return the script
   */
  public static GeminiScript error(int httpStatus, String status, String message) {
    GeminiScript script = new GeminiScript();
    script.status = httpStatus;
    script.errorBody = GeminiWire.error(httpStatus, status, message);
    return script;
  }

  /**
   * Google's answer to a wrong API key: 400 {@code INVALID_ARGUMENT} with the reason {@code API_KEY_INVALID}, and,
   * as Google's debug details do, the key it received quoted in the details.
   *
   * @return the script
   */
  public static GeminiScript invalidApiKey() {
    GeminiScript script = new GeminiScript();
    script.status = 400;
    script.invalidApiKey = true;
    return script;
  }

  /**
   * Google's 403 for a key that may not use the API (or no key at all).
   *
   * @return the script
   */
  public static GeminiScript permissionDenied() {
    return error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established "
      + "identity). Please use API Key or other form of API consumer identity to call this API.");
  }

  /**
   * Google's 429 for an exhausted quota, with the wait in a {@code RetryInfo} detail.
   *
   * @param retryDelaySeconds the {@code retryDelay}, in seconds
   * @return the script
   */
  public static GeminiScript rateLimited(int retryDelaySeconds) {
    GeminiScript script = error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan "
      + "and billing details. Please retry in " + retryDelaySeconds + "s.");
    script.errorBody.getJsonObject("error").put("details", new JsonArray()
      .add(new JsonObject().put("@type", "type.googleapis.com/google.rpc.QuotaFailure").put("violations", new JsonArray()
        .add(new JsonObject().put("quotaMetric", "generativelanguage.googleapis.com/generate_content_free_tier_requests")
          .put("quotaId", "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"))))
      .add(new JsonObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
        .put("retryDelay", retryDelaySeconds + "s")));
    return script;
  }

  /**
   * Google's 503 for an overloaded model.
   *
   * @return the script
   */
  public static GeminiScript overloaded() {
    return error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
  }

  /**
   * Google's 500.
   *
   * @return the script
   */
  public static GeminiScript serverError() {
    return error(500, "INTERNAL", "An internal error has occurred. Please retry or report in "
      + "https://developers.generativeai.google/guide/troubleshooting");
  }

  /**
   * A 200 {@code text/event-stream} response whose body is whatever is given: a recorded stream, or text that is
   * not server-sent events at all. Written in one piece unless {@link #splitEveryBytes} cuts it; ended unless
   * {@link #stallAfter} (any count) keeps it open after the body.
   *
   * @param body the bytes to send, as UTF-8
   * @return the script
   */
  public static GeminiScript raw(String body) {
    return raw(body.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A 200 {@code text/event-stream} response with these exact bytes, which need not be valid UTF-8.
   *
   * @param body the bytes to send
   * @return the script
   */
  public static GeminiScript raw(byte[] body) {
    GeminiScript script = new GeminiScript();
    script.rawBody = Objects.requireNonNull(body).clone();
    return script;
  }

  /**
   * Any status, content type and body, for answers outside Google's format (a proxy's HTML page).
   *
   * @param status the HTTP status
   * @param contentType the {@code content-type} header
   * @param body the body
   * @return the script
   */
  public static GeminiScript raw(int status, String contentType, String body) {
    GeminiScript script = raw(body);
    script.status = status;
    return script.header("content-type", contentType);
  }

  /**
   * Sends the response headers of an event stream, then nothing, keeping the connection open.
   *
   * @return the script
   */
  public static GeminiScript stall() {
    return events().stallAfter(0);
  }

  /**
   * Reads the request and never answers, not even with headers.
   *
   * @return the script
   */
  public static GeminiScript noResponse() {
    GeminiScript script = new GeminiScript();
    script.hangBeforeHeaders = true;
    return script;
  }

  // ---- parts ----

  /**
   * A text part.
   *
   * @param text the text
   * @return {@code {"text": text}}
   */
  public static JsonObject textPart(String text) {
    return new JsonObject().put("text", text);
  }

  /**
   * A thought-summary part.
   *
   * @param text the thought
   * @return {@code {"text": text, "thought": true}}
   */
  public static JsonObject thoughtPart(String text) {
    return new JsonObject().put("text", text).put("thought", true);
  }

  /**
   * A function-call part.
   *
   * @param name the function name
   * @param args the arguments
   * @return {@code {"functionCall": {"name", "args"}}}
   */
  public static JsonObject functionCallPart(String name, JsonObject args) {
    return new JsonObject().put("functionCall", new JsonObject().put("name", name).put("args", args.copy()));
  }

  // ---- content ----

  /**
   * Adds text events, one per piece.
   *
   * @param tokens the text pieces
   * @return this script
   */
  public GeminiScript andText(String... tokens) {
    for (String token : tokens) {
      andEvent(textPart(token));
    }
    return this;
  }

  /**
   * Adds thought events, one per piece.
   *
   * @param thoughts the thought pieces
   * @return this script
   */
  public GeminiScript andThoughts(String... thoughts) {
    for (String thought : thoughts) {
      andEvent(thoughtPart(thought));
    }
    return this;
  }

  /**
   * Adds one event with these parts (several function calls in one event, text and a call together...).
   *
   * @param parts the parts of candidate 0's content
   * @return this script
   */
  public GeminiScript andEvent(JsonObject... parts) {
    JsonArray array = new JsonArray();
    for (JsonObject part : parts) {
      array.add(part.copy());
    }
    events.add(array);
    return this;
  }

  /**
   * The finish reason on the last event.
   *
   * @param reason such as {@code STOP}, {@code MAX_TOKENS}, {@code SAFETY}, {@code MALFORMED_FUNCTION_CALL};
   *     {@code null} for none at all, so the body ends without one
   * @return this script
   */
  public GeminiScript finish(String reason) {
    finishReason = reason;
    return this;
  }

  /**
   * The {@code finishMessage} Gemini adds to some finish reasons.
   *
   * @param message the message
   * @return this script
   */
  public GeminiScript finishMessage(String message) {
    finishMessage = message;
    return this;
  }

  /**
   * The final {@code usageMetadata} counts. Without this, the prompt counts one token per word of the request's
   * text parts and the answer one per event.
   *
   * @param prompt {@code promptTokenCount}
   * @param candidates {@code candidatesTokenCount}
   * @return this script
   */
  public GeminiScript usage(int prompt, int candidates) {
    promptTokens = prompt;
    candidatesTokens = candidates;
    return this;
  }

  /**
   * The final counts of a thinking model.
   *
   * @param prompt {@code promptTokenCount}
   * @param candidates {@code candidatesTokenCount}
   * @param thoughts {@code thoughtsTokenCount}
   * @return this script
   */
  public GeminiScript usage(int prompt, int candidates, int thoughts) {
    thoughtsTokens = thoughts;
    return usage(prompt, candidates);
  }

  /**
   * Adds a response header.
   *
   * @param name the name
   * @param value the value
   * @return this script
   */
  public GeminiScript header(String name, String value) {
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
  public GeminiScript delay(Duration delay) {
    delayMs = delay.toMillis();
    return this;
  }

  /**
   * Writes every event (or a {@linkplain #raw raw} body) in pieces of {@code bytes} bytes, each its own write, so
   * a client sees lines, fields and UTF-8 characters cut anywhere. Without it, each event is one write.
   *
   * @param bytes piece size, at least 1
   * @return this script
   */
  public GeminiScript splitEveryBytes(int bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("bytes must be at least 1");
    }
    splitBytes = bytes;
    return this;
  }

  /**
   * Ends lines with {@code "\n"} or {@code "\r"} instead of {@code "\r\n"}.
   *
   * @param ending the line ending
   * @return this script
   */
  public GeminiScript lineEnding(String ending) {
    if (!ending.equals("\n") && !ending.equals("\r\n") && !ending.equals("\r")) {
      throw new IllegalArgumentException("a line ends with \\n, \\r\\n or \\r");
    }
    lineEnding = ending;
    return this;
  }

  /**
   * After {@code count} events, sends an event holding Google's error object and ends the response.
   *
   * @param count events to send first
   * @param code the error's HTTP code, such as 503
   * @param status Google's status name, such as {@code UNAVAILABLE}
   * @param message the message
   * @return this script
   */
  public GeminiScript errorEventAfter(int count, int code, String status, String message) {
    cutAfter = count;
    errorEvent = GeminiWire.error(code, status, message);
    ending = Ending.END;
    return this;
  }

  /**
   * After {@code count} events, closes the connection without ending the response.
   *
   * @param count events to send first
   * @return this script
   */
  public GeminiScript dropConnectionAfter(int count) {
    cutAfter = count;
    ending = Ending.DROP;
    return this;
  }

  /**
   * After {@code count} events, sends nothing more and keeps the connection open.
   *
   * @param count events to send first
   * @return this script
   */
  public GeminiScript stallAfter(int count) {
    cutAfter = count;
    ending = Ending.STALL;
    return this;
  }

  @Override
  public String toString() {
    return "GeminiScript[status=" + status + ", events=" + events.size() + ", finish=" + finishReason
      + ", ending=" + ending + "]";
  }
}
