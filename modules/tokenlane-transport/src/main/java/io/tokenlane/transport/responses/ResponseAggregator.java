package io.tokenlane.transport.responses;

import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.Usage;
import io.tokenlane.transport.http.Usages;
import io.tokenlane.transport.openai.OpenAiErrors;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Collects a stream into one Response object, for {@code stream: false}. Called on the connection's event loop.
 */
final class ResponseAggregator implements StreamObserver, ResponseOutput.Listener {

  private final HttpServerResponse response;
  private final ResponseObject object;
  private final JsonObject chat;
  private final ResponseOutput output = new ResponseOutput(this);
  private Usage usage;

  ResponseAggregator(HttpServerResponse response, ResponseObject object, JsonObject chat) {
    this.response = response;
    this.object = object;
    this.chat = chat;
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
  public void onEnd(StreamEnd end) {
    if (response.closed() || response.ended()) {
      return;
    }
    if (end.reason() == StreamEnd.Reason.CANCELLED) {
      response.reset();
    } else if (end.isError()) {
      OpenAiErrors.send(response, end.error());
    } else {
      output.finish(ResponseObject.itemStatus(end));
      OpenAiErrors.send(response, 200,
        object.ended(end, output.json(), Usages.orEstimate(usage, chat, output.textBytes())));
    }
  }

  @Override
  public void added(ResponseOutput.Item item) {
  }

  @Override
  public void text(ResponseOutput.Item item, Buffer escaped) {
  }

  @Override
  public void arguments(ResponseOutput.Item item, String delta) {
  }

  @Override
  public void done(ResponseOutput.Item item) {
  }
}
