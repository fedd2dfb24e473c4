package io.tokenlane.transport.anthropic;

import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.Usage;
import io.tokenlane.transport.http.Usages;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Collects a stream into one Message object, for requests without {@code stream: true}. */
final class MessageAggregator implements StreamObserver, MessageContent.Listener {

  private final HttpServerResponse response;
  private final MessageObject message;
  private final JsonObject chat;
  private final MessageContent content = new MessageContent(this);
  private Usage usage;

  MessageAggregator(HttpServerResponse response, MessageObject message, JsonObject chat) {
    this.response = response;
    this.message = message;
    this.chat = chat;
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
  public void onEnd(StreamEnd end) {
    if (response.closed() || response.ended()) {
      return;
    }
    if (end.reason() == StreamEnd.Reason.CANCELLED) {
      response.reset();
    } else if (end.isError()) {
      AnthropicErrors.send(response, end.error());
    } else {
      content.finish();
      AnthropicErrors.send(response, 200, message.json(content.json(),
        MessageObject.stopReason(end, content.hasToolUse()), Usages.orEstimate(usage, chat, content.outputBytes())));
    }
  }

  @Override
  public void started(MessageContent.Block block) {
  }

  @Override
  public void text(MessageContent.Block block, Buffer escaped) {
  }

  @Override
  public void inputJson(MessageContent.Block block, String partialJson) {
  }

  @Override
  public void stopped(MessageContent.Block block) {
  }
}
