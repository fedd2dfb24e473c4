package io.tokenlane.server.logging;

import io.tokenlane.core.Gateway;
import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.StreamObserver;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The prompts, logged when {@code logging.prompts} asks for it (logger {@code io.tokenlane.prompts}): one line per
 * stream as it opens, with its ids, its model and its messages, bounded. Off by default: prompts may hold personal
 * data and secrets of the gateway's users, so this is for debugging a deployment, not for production logs.
 */
public final class PromptLog implements Gateway {

  /** The most characters of messages one line carries. */
  static final int MAX_CHARS = 8192;
  private static final System.Logger PROMPTS = System.getLogger("io.tokenlane.prompts");

  private final Gateway gateway;

  /** @param gateway the gateway whose streams' prompts are logged */
  public PromptLog(Gateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public List<ModelInfo> models() {
    return gateway.models();
  }

  @Override
  public ActiveStream open(JsonObject body, String streamId, StreamObserver observer, StreamLabels labels) {
    ActiveStream stream = gateway.open(body, streamId, observer, labels);
    if (PROMPTS.isLoggable(System.Logger.Level.INFO)) {
      // After the open: a refused prompt (an unknown model, a shutdown) is not logged as a stream's.
      Object messages = body.getValue("messages");
      String text = messages == null ? "null" : messages.toString();
      PROMPTS.log(System.Logger.Level.INFO, "prompt " + streamId + " requestId="
        + (labels.requestId() == null ? "-" : labels.requestId()) + " model=" + body.getValue("model")
        + " messages=" + (text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) + "…(" + text.length() + " chars)"
          : text));
    }
    return stream;
  }

  @Override
  public boolean isReady() {
    return gateway.isReady();
  }

  @Override
  public int activeStreams() {
    return gateway.activeStreams();
  }

  @Override
  public Future<Void> close(long graceMs) {
    return gateway.close(graceMs);
  }
}
