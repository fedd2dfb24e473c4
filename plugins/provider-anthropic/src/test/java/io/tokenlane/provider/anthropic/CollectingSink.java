package io.tokenlane.provider.anthropic;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;

/** A sink for decoder tests without a network: every call as one line of text, in order. */
final class CollectingSink implements StreamSink {

  final List<String> calls = new ArrayList<>();

  @Override
  public void text(String delta) {
    calls.add("text " + delta);
  }

  @Override
  public void reasoning(String delta) {
    calls.add("reasoning " + delta);
  }

  @Override
  public void toolCalls(JsonArray toolCalls) {
    calls.add("toolCalls " + toolCalls.encode());
  }

  @Override
  public void usage(Usage usage) {
    calls.add("usage " + usage.promptTokens() + "/" + usage.completionTokens());
  }

  @Override
  public void end(FinishReason reason) {
    calls.add("end " + reason);
  }

  @Override
  public void fail(ProviderError error) {
    calls.add("fail " + error.code());
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
  }
}
