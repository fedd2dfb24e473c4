package io.tokenlane.provider.openai;

import io.tokenlane.spi.SseParser;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.OpenAiChunk;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Turns OpenAI chat-completion chunks into sink calls, and decides when the stream is over.
 *
 * <p>Lenient where OpenAI-compatible servers differ (empty or missing {@code choices}, {@code null} content,
 * usage on every chunk, no {@code [DONE]}), strict where the stream stops making sense (data that is not JSON,
 * an error event). Only choice 0 is read: the sink carries one answer, so {@code n > 1} cannot be represented.
 * Not thread-safe: one decoder per stream, on its event loop.
 */
final class ChunkDecoder {

  private static final int SNIPPET = 200;
  private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

  private final StreamSink sink;
  private final BooleanSupplier stopped;
  private final UnaryOperator<String> redactor;
  private String finishReason;
  private boolean sawEvent;

  /**
   * @param stopped tells whether the stream is over; a cancel can come from inside a sink call (the gateway
   *     reacting to a chunk), and the rest of that chunk must then not reach the sink
   * @param redactor removes secrets from upstream text before it is cut short for a message, so that no part of
   *     a secret can survive the cut
   */
  ChunkDecoder(StreamSink sink, BooleanSupplier stopped, UnaryOperator<String> redactor) {
    this.sink = sink;
    this.stopped = stopped;
    this.redactor = redactor;
  }

  /**
   * Handles one server-sent event: scans the chunk (no tree is built) and hands it to the sink as it came.
   *
   * @param data the bytes holding the event's data; kept by the chunk, so never changed afterwards
   * @return the end of the stream, or {@code null} to keep reading
   */
  Outcome event(String type, byte[] data, int from, int to) {
    sawEvent = true;
    if (SseParser.startsWith(data, from, to, DONE)) {
      return Outcome.end(FinishReason.fromWireName(finishReason));
    }
    OpenAiChunk chunk;
    try {
      chunk = OpenAiChunk.scan(data, from, to);
    } catch (IllegalArgumentException e) {
      return Outcome.fail(ProviderError.badResponse("upstream sent an event that is not a chat.completion.chunk: "
        + snippet(new String(data, from, to - from, StandardCharsets.UTF_8))));
    }
    if ("error".equals(type) || chunk.error() != null) {
      String raw = new String(data, from, to - from, StandardCharsets.UTF_8);
      return Outcome.fail(ProviderError.upstream("upstream reported an error mid-stream: " + errorMessage(parse(raw), raw)));
    }
    finish(chunk.finishReason());
    if (!stopped.getAsBoolean()) {
      sink.chunk(chunk);
    }
    return null;
  }

  /** The same, from text: for tests and callers that have a String. */
  Outcome event(String type, String data) {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    return event(type, bytes, 0, bytes.length);
  }

  /**
   * A line that is not server-sent events. Fatal only before the first event: then the body is not an event
   * stream at all (an HTML error page, a proxy's text); later it is a field we do not know, which the standard
   * says to ignore.
   */
  Outcome foreignLine(String line) {
    if (sawEvent) {
      return null;
    }
    return Outcome.fail(ProviderError.badResponse("upstream sent text/event-stream content that is not server-sent events: "
      + snippet(line)));
  }

  /**
   * The response body ended. After a finish reason the answer is whole even without {@code [DONE]}, which older
   * servers (llama.cpp) omit; without one, text may be missing, so this is never a clean end.
   */
  Outcome bodyEnded() {
    if (finishReason != null) {
      return Outcome.end(FinishReason.fromWireName(finishReason));
    }
    return Outcome.fail(ProviderError.upstream("upstream closed the stream before finishing"));
  }

  /**
   * The connection broke. After a finish reason the model's answer is complete, so it still ends normally (only
   * the usage chunk may be lost); before, the failure stands.
   */
  Outcome interrupted(ProviderError error) {
    return finishReason != null ? Outcome.end(FinishReason.fromWireName(finishReason)) : Outcome.fail(error);
  }

  /**
   * Converts a whole {@code chat.completion} object, sent by servers that ignore {@code stream: true}.
   */
  Outcome completion(String body) {
    JsonObject completion = parse(body);
    if (completion == null) {
      return Outcome.fail(ProviderError.badResponse("upstream sent a JSON answer that is not an object: " + snippet(body)));
    }
    if (completion.getValue("error") != null) {
      return Outcome.fail(ProviderError.upstream("upstream reported an error: " + errorMessage(completion, body)));
    }
    try {
      JsonObject choice = firstChoice(completion.getValue("choices"));
      if (choice == null) {
        return Outcome.fail(ProviderError.badResponse("upstream sent a chat completion without choices"));
      }
      message(choice.getValue("message"));
      finish(choice.getValue("finish_reason"));
      usage(completion.getValue("usage"));
    } catch (RuntimeException e) {
      return Outcome.fail(ProviderError.badResponse("upstream sent a chat completion of the wrong shape: " + snippet(body)));
    }
    return Outcome.end(FinishReason.fromWireName(finishReason));
  }

  /** Choice 0; a chunk without it (Azure's prompt_filter_results chunk, the usage chunk) has nothing for us. */
  private static JsonObject firstChoice(Object choices) {
    if (!(choices instanceof JsonArray array)) {
      return null;
    }
    for (int i = 0; i < array.size(); i++) {
      JsonObject choice = (JsonObject) array.getValue(i);
      Object index = choice.getValue("index");
      if (index == null || ((Number) index).intValue() == 0) {
        return choice;
      }
    }
    return null;
  }

  private void message(Object message) {
    if (!(message instanceof JsonObject object)) {
      return;
    }
    text(object.getValue("content"));
    if (object.getValue("tool_calls") instanceof JsonArray calls && !calls.isEmpty() && !stopped.getAsBoolean()) {
      sink.toolCalls(asDeltas(calls));
    }
  }

  /** A whole message's tool calls in the delta shape the sink takes: the same objects, each with its index. */
  private static JsonArray asDeltas(JsonArray calls) {
    JsonArray deltas = new JsonArray();
    for (int i = 0; i < calls.size(); i++) {
      JsonObject call = ((JsonObject) calls.getValue(i)).copy();
      if (!call.containsKey("index")) {
        call.put("index", i);
      }
      deltas.add(call);
    }
    return deltas;
  }

  private void text(Object content) {
    if (content instanceof String text && !text.isEmpty() && !stopped.getAsBoolean()) {
      sink.text(text);
    }
  }

  private void finish(Object reason) {
    if (reason instanceof String wireName && !wireName.isEmpty()) {
      finishReason = wireName;
    }
  }

  /** OpenAI sends {@code "usage": null} on every chunk but the last when usage is asked for. */
  private void usage(Object usage) {
    if (usage instanceof JsonObject counts && !stopped.getAsBoolean()) {
      sink.usage(new Usage(count(counts, "prompt_tokens"), count(counts, "completion_tokens")));
    }
  }

  private static int count(JsonObject usage, String name) {
    Object value = usage.getValue(name);
    return value instanceof Number number ? Math.max(0, number.intValue()) : 0;
  }

  private static JsonObject parse(String json) {
    try {
      Object value = Json.decodeValue(json);
      return value instanceof JsonObject object ? object : null;
    } catch (DecodeException e) {
      return null;
    }
  }

  private String errorMessage(JsonObject body, String raw) {
    String message = UpstreamErrors.messageOf(body);
    return message != null ? message : snippet(raw);
  }

  private String snippet(String text) {
    // Cut before the regex so a multi-megabyte body costs little on the event loop; keep enough that a secret
    // straddling the cut is still whole when the redactor runs.
    String head = text.length() <= 4 * SNIPPET + 256 ? text : text.substring(0, 4 * SNIPPET + 256);
    String oneLine = redactor.apply(head).strip().replaceAll("\\s+", " ");
    return oneLine.length() <= SNIPPET ? oneLine : oneLine.substring(0, SNIPPET) + "...";
  }
}
