package io.tokenlane.bench.load;

import io.tokenlane.bench.target.TokenlaneTarget;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The prompt every path sends: same model, same message; the answer is whatever the fake upstream's script says. */
final class Prompt {

  private static final JsonArray MESSAGES = new JsonArray()
    .add(new JsonObject().put("role", "user").put("content", "Tell me a story about a gateway."));

  /** OpenAI's body, asking for usage like Tokenlane's provider does, so the upstream does the same work. */
  static final Buffer OPENAI = new JsonObject().put("model", TokenlaneTarget.MODEL).put("stream", true)
    .put("stream_options", new JsonObject().put("include_usage", true)).put("messages", MESSAGES).toBuffer();

  /** The native protocol's prompt (POST /v1/streams). */
  static final Buffer NATIVE = nativePrompt().toBuffer();

  /** The WebSocket prompt frame. */
  static final String WEBSOCKET_FRAME = nativePrompt().put("type", "prompt").encode();

  private Prompt() {
  }

  private static JsonObject nativePrompt() {
    return new JsonObject().put("model", TokenlaneTarget.MODEL).put("messages", MESSAGES);
  }
}
