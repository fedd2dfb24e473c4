package io.tokenlane.transport.responses;

import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.spi.Usage;
import io.tokenlane.transport.http.EventStreamWriter;
import io.tokenlane.transport.http.ChunkedBody;
import io.tokenlane.transport.http.KeepAlives;
import io.tokenlane.transport.http.Usages;
import io.tokenlane.transport.openai.OpenAiErrors;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Writes a stream as the Responses API's typed server-sent events ({@code event: <type>}, {@code data:} the event
 * with its {@code sequence_number}): {@code response.created} and {@code response.in_progress} with the first
 * output, then the events of each output item, then exactly one of {@code response.completed},
 * {@code response.incomplete} or {@code response.failed}. A failure before any output gets its HTTP status and an
 * OpenAI error body instead. Text deltas are written from precomputed bytes around the already escaped text, no
 * JSON tree per token. Keep-alives are {@code : keep-alive} comments. Called on the connection's event loop.
 */
final class ResponseEventWriter extends EventStreamWriter implements ResponseOutput.Listener {

  private static final byte[] TEXT_DELTA = bytes("event: response.output_text.delta\n"
    + "data: {\"type\":\"response.output_text.delta\",\"sequence_number\":");
  private static final byte[] REASONING_DELTA = bytes("event: response.reasoning_summary_text.delta\n"
    + "data: {\"type\":\"response.reasoning_summary_text.delta\",\"sequence_number\":");
  private static final byte[] ARGUMENTS_DELTA = bytes("event: response.function_call_arguments.delta\n"
    + "data: {\"type\":\"response.function_call_arguments.delta\",\"sequence_number\":");
  private static final byte[] TEXT_SUFFIX = bytes("\",\"logprobs\":[]}\n\n");
  private static final byte[] DELTA_SUFFIX = bytes("\"}\n\n");
  private static final byte[] KEEP_ALIVE = bytes(": keep-alive\n\n");

  private final ResponseObject object;
  private final JsonObject chat;
  private final ResponseOutput output = new ResponseOutput(this);
  private Usage usage;
  private int sequence;
  private boolean created;
  /** The part of a delta event between its sequence number and the delta: item id and indexes. */
  private byte[] itemFields;

  ResponseEventWriter(ChunkedBody body, HttpServerResponse response, Context context, KeepAlives keepAlives,
                      ResponseObject object, JsonObject chat) {
    super(body, response, context, keepAlives);
    this.object = object;
    this.chat = chat;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void onText(Buffer text) {
    output.text(text);
  }

  @Override
  public void onReasoning(Buffer escapedText) {
    output.reasoning(escapedText);
  }

  @Override
  public void onToolCalls(JsonArray toolCalls) {
    output.toolCalls(toolCalls);
  }

  @Override
  public void onUsage(Usage usage) {
    this.usage = usage;
  }

  @Override
  public void added(ResponseOutput.Item item) {
    ensureCreated();
    event("response.output_item.added", new JsonObject().put("output_index", item.outputIndex).put("item", item.json()));
    String fields = ",\"item_id\":\"" + item.id + "\",\"output_index\":" + item.outputIndex;
    switch (item.kind) {
      case MESSAGE -> {
        event("response.content_part.added", part(item).put("part", item.textPart()));
        fields += ",\"content_index\":0";
      }
      case REASONING -> {
        event("response.reasoning_summary_part.added", summary(item).put("part", item.summaryPart()));
        fields += ",\"summary_index\":0";
      }
      default -> { }
    }
    itemFields = bytes(fields + ",\"delta\":\"");
  }

  @Override
  public void text(ResponseOutput.Item item, Buffer escaped) {
    Buffer out = pending(escaped.length() + 192);
    out.appendBytes(item.kind == ResponseOutput.Kind.MESSAGE ? TEXT_DELTA : REASONING_DELTA)
      .appendString(Integer.toString(sequence++)).appendBytes(itemFields).appendBuffer(escaped)
      .appendBytes(item.kind == ResponseOutput.Kind.MESSAGE ? TEXT_SUFFIX : DELTA_SUFFIX);
  }

  @Override
  public void arguments(ResponseOutput.Item item, String delta) {
    Buffer out = pending(delta.length() + 192);
    out.appendBytes(ARGUMENTS_DELTA).appendString(Integer.toString(sequence++))
      .appendString(",\"item_id\":\"" + item.id + "\",\"output_index\":" + item.outputIndex + ",\"delta\":\"");
    JsonText.appendEscaped(out, delta).appendBytes(DELTA_SUFFIX);
  }

  @Override
  public void done(ResponseOutput.Item item) {
    switch (item.kind) {
      case MESSAGE -> {
        event("response.output_text.done", part(item).put("text", item.plainText()).put("logprobs", new JsonArray()));
        event("response.content_part.done", part(item).put("part", item.textPart()));
      }
      case REASONING -> {
        event("response.reasoning_summary_text.done", summary(item).put("text", item.plainText()));
        event("response.reasoning_summary_part.done", summary(item).put("part", item.summaryPart()));
      }
      case FUNCTION_CALL -> event("response.function_call_arguments.done", new JsonObject().put("item_id", item.id)
        .put("output_index", item.outputIndex).put("name", item.name).put("arguments", item.arguments.toString()));
    }
    event("response.output_item.done", new JsonObject().put("output_index", item.outputIndex).put("item", item.json()));
  }

  private static JsonObject part(ResponseOutput.Item item) {
    return new JsonObject().put("item_id", item.id).put("output_index", item.outputIndex).put("content_index", 0);
  }

  private static JsonObject summary(ResponseOutput.Item item) {
    return new JsonObject().put("item_id", item.id).put("output_index", item.outputIndex).put("summary_index", 0);
  }

  @Override
  protected void end(StreamEnd end) {
    if (end.isError() && !committed()) {
      OpenAiErrors.send(response, end.error());
      return;
    }
    ensureCreated();
    String status = ResponseObject.status(end);
    output.finish(ResponseObject.itemStatus(end));
    JsonObject ended = object.ended(end, output.json(), Usages.orEstimate(usage, chat, output.textBytes()));
    event("response." + status, new JsonObject().put("response", ended));
    finish();
  }

  @Override
  protected void appendKeepAlive(Buffer out) {
    ensureCreated();
    pending(KEEP_ALIVE.length).appendBytes(KEEP_ALIVE);
  }

  private void ensureCreated() {
    if (!created) {
      created = true;
      event("response.created", new JsonObject().put("response", object.inProgress()));
      event("response.in_progress", new JsonObject().put("response", object.inProgress()));
    }
  }

  private void event(String type, JsonObject fields) {
    JsonObject event = new JsonObject().put("type", type).put("sequence_number", sequence++);
    event.getMap().putAll(fields.getMap());
    pending(256).appendString("event: " + type + "\ndata: ").appendString(event.encode()).appendString("\n\n");
  }
}
