package io.tokenlane.provider.anthropic;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Turns Anthropic's stream events into sink calls, and decides when the stream is over.
 *
 * <p>Each event is read in one pass of Jackson's streaming parser, picking out the few fields the sink needs and
 * skipping the rest; no tree is built. Strict where the stream stops making sense (data that is not JSON, fields of
 * the wrong type, a tool input delta for a block that is not a tool call, a body that ends before
 * {@code message_stop}), lenient where Anthropic documents that new things may appear (unknown event, block and
 * delta types are ignored). Not thread-safe: one decoder per stream, on its event loop.
 */
final class EventDecoder {

  private static final int SNIPPET = 200;
  /** An event is a few levels deep; a hostile one thousands. */
  private static final JsonFactory JSON = JsonFactory.builder()
    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
    .build();

  /** Thrown when an event is JSON but not of the documented shape; no stack trace, since input causes it. */
  private static final class WrongShape extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WrongShape(String message) {
      super(message, null, false, false);
    }
  }

  /** The fields of one event that matter here, whatever their order; reset for each event. */
  private static final class Fields {
    String type;
    int index;
    String blockType;
    String blockId;
    String blockName;
    String blockText;
    String blockInput;
    String deltaType;
    String deltaText;
    String stopReason;
    long inputTokens;
    long cacheCreationTokens;
    long cacheReadTokens;
    long outputTokens;
    boolean hasUsage;
    String errorType;
    String errorMessage;

    void reset() {
      type = null;
      index = -1;
      blockType = null;
      blockId = null;
      blockName = null;
      blockText = null;
      blockInput = null;
      deltaType = null;
      deltaText = null;
      stopReason = null;
      inputTokens = -1;
      cacheCreationTokens = -1;
      cacheReadTokens = -1;
      outputTokens = -1;
      hasUsage = false;
      errorType = null;
      errorMessage = null;
    }
  }

  private final StreamSink sink;
  private final BooleanSupplier stopped;
  private final UnaryOperator<String> redactor;
  private final Fields event = new Fields();
  /** Content block index to tool-call ordinal: OpenAI numbers tool calls, Anthropic numbers all blocks. */
  private final Map<Integer, Integer> toolCalls = new HashMap<>();
  private int promptTokens;
  private int completionTokens;
  private String stopReason;
  private boolean sawEvent;

  /**
   * @param stopped tells whether the stream is over; a cancel can come from inside a sink call (the gateway
   *     reacting to a chunk), and the rest of that event must then not reach the sink
   * @param redactor removes secrets from upstream text before it is cut short for a message
   */
  EventDecoder(StreamSink sink, BooleanSupplier stopped, UnaryOperator<String> redactor) {
    this.sink = sink;
    this.stopped = stopped;
    this.redactor = redactor;
  }

  /**
   * Handles one server-sent event.
   *
   * @param name the {@code event:} field, used when the data has no {@code type}
   * @return the end of the stream, or {@code null} to keep reading
   */
  Outcome event(String name, byte[] data, int from, int to) {
    sawEvent = true;
    try (JsonParser parser = JSON.createParser(data, from, to - from)) {
      event.reset();
      readEvent(parser);
      if (parser.nextToken() != null) {
        throw new WrongShape("more than one JSON value");
      }
      return dispatch(event.type != null ? event.type : name);
    } catch (IOException | WrongShape e) {
      return Outcome.fail(ProviderError.badResponse("upstream sent an event that is not a Messages stream event: "
        + snippet(new String(data, from, to - from, StandardCharsets.UTF_8))));
    }
  }

  /** The same, from text: for tests and callers that have a String. */
  Outcome event(String name, String data) {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    return event(name, bytes, 0, bytes.length);
  }

  private Outcome dispatch(String type) {
    switch (type) {
      case "message_start" -> usage(true);
      case "content_block_start" -> blockStart();
      case "content_block_delta" -> {
        return delta();
      }
      case "message_delta" -> {
        if (event.stopReason != null) {
          stopReason = event.stopReason;
        }
        usage(false);
      }
      case "message_stop" -> {
        return Outcome.end(finishReason(stopReason));
      }
      case "error" -> {
        String message = event.errorMessage == null ? null : snippet(event.errorMessage);
        return Outcome.fail(UpstreamErrors.fromErrorEvent(event.errorType, message));
      }
      default -> {
        // ping, content_block_stop, and event types added after this plugin was written.
      }
    }
    return null;
  }

  /**
   * Prompt tokens are Anthropic's input tokens plus those written to and read from the prompt cache: Anthropic
   * counts the three apart, and every one of them was part of the prompt.
   */
  private void usage(boolean start) {
    if (!event.hasUsage) {
      return;
    }
    if (start || event.inputTokens >= 0) {
      long prompt = Math.max(0, event.inputTokens) + Math.max(0, event.cacheCreationTokens)
        + Math.max(0, event.cacheReadTokens);
      promptTokens = (int) Math.min(Integer.MAX_VALUE, prompt);
    }
    if (event.outputTokens >= 0) {
      completionTokens = (int) Math.min(Integer.MAX_VALUE, event.outputTokens);
    }
    if (!stopped.getAsBoolean()) {
      sink.usage(new Usage(promptTokens, completionTokens));
    }
  }

  private void blockStart() {
    if (event.blockType == null) {
      throw new WrongShape("content_block_start without a content_block");
    }
    switch (event.blockType) {
      case "text" -> text(event.blockText);
      case "thinking" -> reasoning(event.blockText);
      case "tool_use" -> toolUse();
      default -> {
        // redacted_thinking carries encrypted data only; server tool blocks have no OpenAI counterpart.
      }
    }
  }

  private void toolUse() {
    if (event.index < 0 || event.blockId == null || event.blockName == null) {
      throw new WrongShape("a tool_use block without index, id or name");
    }
    int ordinal = toolCalls.size();
    toolCalls.put(event.index, ordinal);
    if (!stopped.getAsBoolean()) {
      sink.toolCalls(new JsonArray().add(new JsonObject().put("index", ordinal).put("id", event.blockId)
        .put("type", "function").put("function", new JsonObject().put("name", event.blockName).put("arguments", ""))));
    }
    if (event.blockInput != null && !event.blockInput.equals("{}")) {
      arguments(ordinal, event.blockInput);
    }
  }

  private Outcome delta() {
    if (event.deltaType == null) {
      throw new WrongShape("content_block_delta without a delta type");
    }
    switch (event.deltaType) {
      case "text_delta" -> text(event.deltaText);
      case "thinking_delta" -> reasoning(event.deltaText);
      case "input_json_delta" -> {
        Integer ordinal = toolCalls.get(event.index);
        if (ordinal == null) {
          return Outcome.fail(ProviderError.badResponse("upstream sent input_json_delta for content block "
            + event.index + ", which is not a tool_use block"));
        }
        arguments(ordinal, event.deltaText);
      }
      default -> {
        // signature_delta seals a thinking block for a later turn; citations_delta has no OpenAI counterpart.
      }
    }
    return null;
  }

  private void arguments(int ordinal, String json) {
    if (json != null && !json.isEmpty() && !stopped.getAsBoolean()) {
      sink.toolCalls(new JsonArray().add(new JsonObject().put("index", ordinal)
        .put("function", new JsonObject().put("arguments", json))));
    }
  }

  private void text(String text) {
    if (text != null && !text.isEmpty() && !stopped.getAsBoolean()) {
      sink.text(text);
    }
  }

  private void reasoning(String text) {
    if (text != null && !text.isEmpty() && !stopped.getAsBoolean()) {
      sink.reasoning(text);
    }
  }

  static FinishReason finishReason(String stopReason) {
    if (stopReason == null) {
      return FinishReason.STOP;
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
      case "tool_use" -> FinishReason.TOOL_CALLS;
      case "refusal" -> FinishReason.CONTENT_FILTER;
      default -> FinishReason.STOP;
    };
  }

  /**
   * A line that is not server-sent events. Fatal only before the first event: then the body is not an event
   * stream at all; later it is a field we do not know, which the standard says to ignore.
   */
  Outcome foreignLine(String line) {
    if (sawEvent) {
      return null;
    }
    return Outcome.fail(ProviderError.badResponse("upstream sent text/event-stream content that is not server-sent events: "
      + snippet(line)));
  }

  /** The body ended without {@code message_stop}: text may be missing, so this is never a clean end. */
  Outcome bodyEnded() {
    return Outcome.fail(ProviderError.upstream("upstream closed the stream before message_stop"));
  }

  // ---- reading one event ----

  private void readEvent(JsonParser parser) throws IOException {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      throw new WrongShape("not an object");
    }
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      switch (field) {
        case "type" -> event.type = string(parser);
        case "index" -> event.index = (int) integer(parser);
        case "message" -> object(parser, this::readMessage);
        case "content_block" -> object(parser, this::readBlock);
        case "delta" -> object(parser, this::readDelta);
        case "usage" -> object(parser, this::readUsage);
        case "error" -> object(parser, this::readError);
        default -> parser.skipChildren();
      }
    }
  }

  private interface FieldReader {
    void read(String field, JsonParser parser) throws IOException;
  }

  /** Reads an object's fields with {@code reader}; {@code null} counts as absent, anything else is wrong. */
  private static void object(JsonParser parser, FieldReader reader) throws IOException {
    if (parser.currentToken() == JsonToken.VALUE_NULL) {
      return;
    }
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw new WrongShape("expected an object");
    }
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      reader.read(field, parser);
    }
  }

  private void readMessage(String field, JsonParser parser) throws IOException {
    if (field.equals("usage")) {
      object(parser, this::readUsage);
    } else {
      parser.skipChildren();
    }
  }

  private void readBlock(String field, JsonParser parser) throws IOException {
    switch (field) {
      case "type" -> event.blockType = string(parser);
      case "id" -> event.blockId = string(parser);
      case "name" -> event.blockName = string(parser);
      case "text", "thinking" -> event.blockText = string(parser);
      case "input" -> event.blockInput = copy(parser);
      default -> parser.skipChildren();
    }
  }

  private void readDelta(String field, JsonParser parser) throws IOException {
    switch (field) {
      case "type" -> event.deltaType = string(parser);
      case "text", "thinking", "partial_json" -> event.deltaText = string(parser);
      case "stop_reason" -> event.stopReason = string(parser);
      default -> parser.skipChildren();
    }
  }

  private void readUsage(String field, JsonParser parser) throws IOException {
    event.hasUsage = true;
    switch (field) {
      case "input_tokens" -> event.inputTokens = integer(parser);
      case "cache_creation_input_tokens" -> event.cacheCreationTokens = integer(parser);
      case "cache_read_input_tokens" -> event.cacheReadTokens = integer(parser);
      case "output_tokens" -> event.outputTokens = integer(parser);
      default -> parser.skipChildren();
    }
  }

  private void readError(String field, JsonParser parser) throws IOException {
    switch (field) {
      case "type" -> event.errorType = string(parser);
      case "message" -> event.errorMessage = string(parser);
      default -> parser.skipChildren();
    }
  }

  private static String string(JsonParser parser) throws IOException {
    return switch (parser.currentToken()) {
      case VALUE_STRING -> parser.getText();
      case VALUE_NULL -> null;
      default -> throw new WrongShape("expected a string");
    };
  }

  /** A count or an index: a non-negative whole number, or {@code null} for none ({@code -1}). */
  private static long integer(JsonParser parser) throws IOException {
    return switch (parser.currentToken()) {
      case VALUE_NUMBER_INT -> {
        long value = parser.getLongValue();
        if (value < 0 || value > Integer.MAX_VALUE) {
          throw new WrongShape("a count out of range");
        }
        yield value;
      }
      case VALUE_NULL -> -1;
      default -> throw new WrongShape("expected a whole number");
    };
  }

  /** A tool's whole input, sent with its block start: rare (streams start with {}), so re-encoded as it is. */
  private static String copy(JsonParser parser) throws IOException {
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw new WrongShape("tool input is not an object");
    }
    StringWriter json = new StringWriter();
    try (JsonGenerator generator = JSON.createGenerator(json)) {
      generator.copyCurrentStructure(parser);
    }
    return json.toString();
  }

  private String snippet(String text) {
    // Cut before the regex so a multi-megabyte body costs little on the event loop; keep enough that a secret
    // straddling the cut is still whole when the redactor runs.
    String head = text.length() <= 4 * SNIPPET + 256 ? text : text.substring(0, 4 * SNIPPET + 256);
    String oneLine = redactor.apply(head).strip().replaceAll("\\s+", " ");
    return oneLine.length() <= SNIPPET ? oneLine : oneLine.substring(0, SNIPPET) + "...";
  }
}
