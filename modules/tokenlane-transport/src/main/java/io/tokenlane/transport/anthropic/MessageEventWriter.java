package io.tokenlane.transport.anthropic;

import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.spi.Usage;
import io.tokenlane.transport.http.EventStreamWriter;
import io.tokenlane.transport.http.ChunkedBody;
import io.tokenlane.transport.http.KeepAlives;
import io.tokenlane.transport.http.Usages;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Writes a stream as Anthropic's Messages server-sent events: {@code message_start}, per content block
 * {@code content_block_start}, {@code content_block_delta} ({@code text_delta}, {@code thinking_delta},
 * {@code input_json_delta}) and {@code content_block_stop}, then {@code message_delta} with the stop reason and
 * usage and {@code message_stop}; or an {@code error} event when the stream fails after its first event (before
 * it, the HTTP status and an Anthropic error body). Keep-alives are {@code ping} events. Text deltas are written
 * from precomputed bytes around the already escaped text. Called on the connection's event loop.
 */
final class MessageEventWriter extends EventStreamWriter implements MessageContent.Listener {

  private static final byte[] DELTA = bytes("event: content_block_delta\n"
    + "data: {\"type\":\"content_block_delta\",\"index\":");
  private static final byte[] TEXT_DELTA = bytes(",\"delta\":{\"type\":\"text_delta\",\"text\":\"");
  private static final byte[] THINKING_DELTA = bytes(",\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"");
  private static final byte[] JSON_DELTA = bytes(",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"");
  private static final byte[] DELTA_SUFFIX = bytes("\"}}\n\n");
  private static final byte[] PING = bytes("event: ping\ndata: {\"type\":\"ping\"}\n\n");

  private final MessageObject message;
  private final JsonObject chat;
  private final MessageContent content = new MessageContent(this);
  private Usage usage;
  private boolean started;

  MessageEventWriter(ChunkedBody body, HttpServerResponse response, Context context, KeepAlives keepAlives,
                     MessageObject message, JsonObject chat) {
    super(body, response, context, keepAlives);
    this.message = message;
    this.chat = chat;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void onText(Buffer text) {
    content.text(text);
  }

  @Override
  public void onReasoning(Buffer escapedText) {
    content.thinking(escapedText);
  }

  @Override
  public void onToolCalls(JsonArray toolCalls) {
    content.toolCalls(toolCalls);
  }

  @Override
  public void onUsage(Usage usage) {
    this.usage = usage;
  }

  @Override
  public void started(MessageContent.Block block) {
    ensureStarted();
    event("content_block_start", new JsonObject().put("index", block.index).put("content_block", block.start()));
  }

  @Override
  public void text(MessageContent.Block block, Buffer escaped) {
    pending(escaped.length() + 128).appendBytes(DELTA).appendString(Integer.toString(block.index))
      .appendBytes(block.kind == MessageContent.Kind.TEXT ? TEXT_DELTA : THINKING_DELTA).appendBuffer(escaped)
      .appendBytes(DELTA_SUFFIX);
  }

  @Override
  public void inputJson(MessageContent.Block block, String partialJson) {
    Buffer out = pending(partialJson.length() + 128).appendBytes(DELTA).appendString(Integer.toString(block.index))
      .appendBytes(JSON_DELTA);
    JsonText.appendEscaped(out, partialJson).appendBytes(DELTA_SUFFIX);
  }

  @Override
  public void stopped(MessageContent.Block block) {
    event("content_block_stop", new JsonObject().put("index", block.index));
  }

  @Override
  protected void end(StreamEnd end) {
    if (end.isError()) {
      if (!committed()) {
        AnthropicErrors.send(response, end.error());
        return;
      }
      // Mid-stream: an error event and no message_stop, which Anthropic SDKs raise as an APIError.
      event("error", AnthropicErrors.body(end.error()));
      finish();
      return;
    }
    ensureStarted();
    content.finish();
    Usage counts = Usages.orEstimate(usage, chat, content.outputBytes());
    event("message_delta", new JsonObject()
      .put("delta", new JsonObject().put("stop_reason", MessageObject.stopReason(end, content.hasToolUse()))
        .put("stop_sequence", null))
      .put("usage", new JsonObject().put("input_tokens", counts.promptTokens())
        .put("output_tokens", counts.completionTokens())));
    event("message_stop", new JsonObject());
    finish();
  }

  @Override
  protected void appendKeepAlive(Buffer out) {
    ensureStarted();
    pending(PING.length).appendBytes(PING);
  }

  private void ensureStarted() {
    if (!started) {
      started = true;
      Usage estimate = Usages.orEstimate(null, chat, 0);
      event("message_start", new JsonObject().put("message", message.json(new JsonArray(), null, estimate)));
    }
  }

  private void event(String type, JsonObject fields) {
    JsonObject event = new JsonObject().put("type", type);
    event.getMap().putAll(fields.getMap());
    pending(256).appendString("event: " + type + "\ndata: ").appendString(event.encode()).appendString("\n\n");
  }
}
