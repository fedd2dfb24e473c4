package io.tokenlane.provider.gemini;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Turns Gemini {@code GenerateContentResponse} events into sink calls, and decides when the stream is over.
 *
 * <p>Each event is read with Jackson's streaming parser, picking out only candidate 0's parts, its finish reason,
 * the prompt feedback, the usage and an error; no JSON tree is built for a token. An event is read whole before
 * anything reaches the sink, so a broken event never leaves half of itself behind. Not thread-safe: one decoder
 * per stream, on its event loop.
 */
final class EventDecoder {

  private static final JsonFactory JSON = new JsonFactory();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final int SNIPPET = 200;

  private final StreamSink sink;
  private final BooleanSupplier stopped;
  private final GeminiConfig config;
  private String finishReason;
  private String finishMessage;
  private String blockReason;
  private int toolCalls;
  private boolean sawEvent;
  private Usage usage;

  /** What one part asks of the sink. */
  private record Piece(String text, boolean thought, JsonObject toolCall) {
  }

  /** What one event holds, read whole before any of it reaches the sink. */
  private static final class Event {
    final List<Piece> pieces = new ArrayList<>(2);
    String finishReason;
    String finishMessage;
    String blockReason;
    Usage usage;
    String error;
  }

  /** The event is not the documented shape; thrown only for bad input, so no stack trace. */
  private static final class WrongShape extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WrongShape(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * @param stopped tells whether the stream is over; a cancel can come from inside a sink call, and the rest of
   *     that event must then not reach the sink
   */
  EventDecoder(StreamSink sink, BooleanSupplier stopped, GeminiConfig config) {
    this.sink = sink;
    this.stopped = stopped;
    this.config = config;
  }

  /**
   * Handles one server-sent event.
   *
   * @return the end of the stream, or {@code null} to keep reading
   */
  Outcome event(byte[] data, int from, int to) {
    sawEvent = true;
    Event event;
    // Jackson guesses UTF-16 and UTF-32 from zero bytes at the start; JSON on the wire is UTF-8 only (RFC 8259).
    boolean notUtf8 = to - from >= 2 && (data[from] == 0 || data[from + 1] == 0);
    try (JsonParser parser = notUtf8 ? null : JSON.createParser(data, from, to - from)) {
      if (parser == null) {
        throw new WrongShape("not UTF-8");
      }
      event = response(parser);
      if (parser.nextToken() != null) {
        throw new WrongShape("more after the object");
      }
    } catch (IOException | RuntimeException e) {
      return Outcome.fail(ProviderError.badResponse("upstream sent an event that is not a GenerateContentResponse: "
        + snippet(new String(data, from, to - from, StandardCharsets.UTF_8))));
    }
    if (event.error != null) {
      return Outcome.fail(UpstreamErrors.fromStreamError(event.error, config));
    }
    deliver(event);
    return null;
  }

  /**
   * The latest counts. Gemini repeats {@code usageMetadata} on every event with growing counts; they are reported
   * once, just before the terminal call, rather than queued to the client with every token.
   *
   * @return the counts, or {@code null} when the upstream sent none
   */
  Usage usage() {
    return usage;
  }

  /** The same, from text: for tests. */
  Outcome event(String data) {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    return event(bytes, 0, bytes.length);
  }

  /**
   * A line that is not server-sent events. Fatal only before the first event: then the body is not an event
   * stream at all; later it is a field we do not know, which the standard says to ignore.
   */
  Outcome foreignLine(String line) {
    if (sawEvent) {
      return null;
    }
    return Outcome.fail(ProviderError.badResponse("upstream sent text/event-stream content that is not server-sent "
      + "events: " + snippet(line)));
  }

  /**
   * The body ended, which is how Gemini ends a stream (there is no {@code [DONE]}). With a finish reason (or a
   * blocked prompt) seen, that is the end; without one, text may be missing, so this is never a clean end.
   */
  Outcome bodyEnded() {
    Outcome finished = finished();
    return finished != null ? finished : Outcome.fail(ProviderError.upstream("upstream closed the stream before finishing"));
  }

  /**
   * The connection broke. After a finish reason the answer is complete (only a trailing usage report may be lost),
   * so it still ends; before, the failure stands.
   */
  Outcome interrupted(ProviderError error) {
    Outcome finished = finished();
    return finished != null ? finished : Outcome.fail(error);
  }

  private Outcome finished() {
    if (blockReason != null && finishReason == null) {
      return Outcome.end(FinishReason.CONTENT_FILTER);
    }
    return finishReason == null ? null : outcome(finishReason);
  }

  /**
   * Gemini's finish reasons in OpenAI's terms. A model that produced a function call Gemini could not parse (or
   * one it was not allowed to make) has no usable answer: that fails as an upstream error, which a client may
   * retry. {@code OTHER}, {@code LANGUAGE} and reasons unknown to this plugin end normally, as {@code stop}.
   */
  private Outcome outcome(String reason) {
    return switch (reason) {
      case "MAX_TOKENS" -> Outcome.end(FinishReason.LENGTH);
      case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION", "MODEL_ARMOR" -> Outcome.end(FinishReason.CONTENT_FILTER);
      case "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS" ->
        Outcome.fail(ProviderError.upstream("upstream stopped with " + reason
          + (finishMessage == null ? "" : ": " + snippet(finishMessage))));
      default -> Outcome.end(toolCalls > 0 ? FinishReason.TOOL_CALLS : FinishReason.STOP);
    };
  }

  private void deliver(Event event) {
    for (Piece piece : event.pieces) {
      if (stopped.getAsBoolean()) {
        return;
      }
      if (piece.toolCall() != null) {
        sink.toolCalls(new JsonArray().add(piece.toolCall()));
      } else if (piece.thought()) {
        sink.reasoning(piece.text());
      } else {
        sink.text(piece.text());
      }
    }
    if (event.usage != null) {
      usage = event.usage;
    }
    if (event.finishReason != null && !event.finishReason.equals("FINISH_REASON_UNSPECIFIED")) {
      finishReason = event.finishReason;
      finishMessage = event.finishMessage;
    }
    if (event.blockReason != null && !event.blockReason.equals("BLOCK_REASON_UNSPECIFIED")) {
      blockReason = event.blockReason;
    }
  }

  // ---- reading one GenerateContentResponse ----

  private Event response(JsonParser parser) throws IOException {
    Event event = new Event();
    expect(parser.nextToken(), JsonToken.START_OBJECT);
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (field) {
        case "candidates" -> candidates(parser, value, event);
        case "promptFeedback" -> promptFeedback(parser, value, event);
        case "usageMetadata" -> event.usage = usage(parser, value);
        case "error" -> event.error = copy(parser);
        default -> parser.skipChildren();
      }
    }
    return event;
  }

  private void candidates(JsonParser parser, JsonToken value, Event event) throws IOException {
    expect(value, JsonToken.START_ARRAY);
    boolean first = true;
    for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
      if (first) {
        candidate(parser, next, event);
        first = false;
      } else {
        // candidateCount is never set above 1, so another candidate is not ours to show.
        parser.skipChildren();
      }
    }
  }

  private void candidate(JsonParser parser, JsonToken value, Event event) throws IOException {
    expect(value, JsonToken.START_OBJECT);
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken next = parser.nextToken();
      if (next == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (field) {
        case "content" -> content(parser, next, event);
        case "finishReason" -> event.finishReason = string(parser, next);
        case "finishMessage" -> event.finishMessage = string(parser, next);
        default -> parser.skipChildren();
      }
    }
  }

  private void content(JsonParser parser, JsonToken value, Event event) throws IOException {
    expect(value, JsonToken.START_OBJECT);
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken next = parser.nextToken();
      if (field.equals("parts") && next != JsonToken.VALUE_NULL) {
        expect(next, JsonToken.START_ARRAY);
        for (JsonToken part = parser.nextToken(); part != JsonToken.END_ARRAY; part = parser.nextToken()) {
          part(parser, part, event);
        }
      } else {
        parser.skipChildren();
      }
    }
  }

  /** A part's fields may come in any order ({@code thought} after {@code text}), so the part is read whole first. */
  private void part(JsonParser parser, JsonToken value, Event event) throws IOException {
    expect(value, JsonToken.START_OBJECT);
    String text = null;
    boolean thought = false;
    String signature = null;
    JsonObject call = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken next = parser.nextToken();
      if (next == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (field) {
        case "text" -> text = string(parser, next);
        case "thought" -> thought = bool(next);
        case "thoughtSignature" -> signature = string(parser, next);
        case "functionCall" -> call = functionCall(parser, next);
        default -> parser.skipChildren();
      }
    }
    if (call != null) {
      if (signature != null) {
        call.put(RequestMapper.EXTRA_CONTENT, new JsonObject().put("google",
          new JsonObject().put("thought_signature", signature)));
      }
      event.pieces.add(new Piece(null, false, call));
    } else if (text != null && !text.isEmpty()) {
      event.pieces.add(new Piece(text, thought, null));
    }
  }

  /** A complete function call as one OpenAI tool-call delta: id, name and the whole arguments at once. */
  private JsonObject functionCall(JsonParser parser, JsonToken value) throws IOException {
    expect(value, JsonToken.START_OBJECT);
    String name = null;
    String id = null;
    String args = "{}";
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken next = parser.nextToken();
      if (next == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (field) {
        case "name" -> name = string(parser, next);
        case "id" -> id = string(parser, next);
        case "args" -> {
          expect(next, JsonToken.START_OBJECT);
          args = copy(parser);
        }
        default -> parser.skipChildren();
      }
    }
    if (name == null || name.isEmpty()) {
      throw new WrongShape("functionCall without a name");
    }
    return new JsonObject().put("index", toolCalls++).put("id", "call_" + (id == null || id.isEmpty() ? randomId() : id))
      .put("type", "function").put("function", new JsonObject().put("name", name).put("arguments", args));
  }

  private static void promptFeedback(JsonParser parser, JsonToken value, Event event) throws IOException {
    expect(value, JsonToken.START_OBJECT);
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken next = parser.nextToken();
      if (field.equals("blockReason") && next != JsonToken.VALUE_NULL) {
        event.blockReason = string(parser, next);
      } else {
        parser.skipChildren();
      }
    }
  }

  /** Completion counts the thinking too: Gemini bills thoughts as output tokens. */
  private static Usage usage(JsonParser parser, JsonToken value) throws IOException {
    expect(value, JsonToken.START_OBJECT);
    int prompt = 0;
    int candidates = 0;
    int thoughts = 0;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken next = parser.nextToken();
      switch (field) {
        case "promptTokenCount" -> prompt = count(parser, next);
        case "candidatesTokenCount" -> candidates = count(parser, next);
        case "thoughtsTokenCount" -> thoughts = count(parser, next);
        default -> parser.skipChildren();
      }
    }
    return new Usage(prompt, (int) Math.min(Integer.MAX_VALUE, (long) candidates + thoughts));
  }

  private static int count(JsonParser parser, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return 0;
    }
    expect(value, JsonToken.VALUE_NUMBER_INT);
    long count = parser.getLongValue();
    return (int) Math.max(0, Math.min(Integer.MAX_VALUE, count));
  }

  private static String string(JsonParser parser, JsonToken value) throws IOException {
    expect(value, JsonToken.VALUE_STRING);
    return parser.getText();
  }

  private static boolean bool(JsonToken value) {
    if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
      throw new WrongShape("expected true or false");
    }
    return value == JsonToken.VALUE_TRUE;
  }

  /** The current object or array as JSON text: for function arguments and errors, never for text. */
  private static String copy(JsonParser parser) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator generator = JSON.createGenerator(out)) {
      generator.copyCurrentStructure(parser);
    }
    return out.toString();
  }

  private static void expect(JsonToken actual, JsonToken expected) {
    if (actual != expected) {
      throw new WrongShape("expected " + expected + ", got " + actual);
    }
  }

  private static String randomId() {
    StringBuilder id = new StringBuilder(24);
    for (int i = 0; i < 24; i++) {
      id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
    }
    return id.toString();
  }

  private String snippet(String text) {
    // Cut before the regex so a multi-megabyte event costs little on the event loop; keep enough that a secret
    // straddling the cut is still whole when it is redacted.
    String head = text.length() <= 4 * SNIPPET + 256 ? text : text.substring(0, 4 * SNIPPET + 256);
    String oneLine = config.redact(head).strip().replaceAll("\\s+", " ");
    return oneLine.length() <= SNIPPET ? oneLine : oneLine.substring(0, SNIPPET) + "...";
  }
}
