package io.tokenlane.bench.load;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.target.TokenlaneTarget;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The prompt every path sends: same message, same model but on the Anthropic path (routed to the gateway's
 * {@code anthropic} provider); the answer is whatever the fake upstream's script says.
 */
final class Prompt {

  private static final JsonArray MESSAGES = new JsonArray()
    .add(new JsonObject().put("role", "user").put("content", "Tell me a story about a gateway."));

  /** OpenAI's body, asking for usage like Tokenlane's provider does, so the upstream does the same work. */
  private static final Buffer OPENAI = openAi(TokenlaneTarget.MODEL);

  /** The same body for the model Tokenlane routes to its {@code anthropic} provider. */
  private static final Buffer OPENAI_TO_ANTHROPIC = openAi(TokenlaneTarget.ANTHROPIC_MODEL);

  /** The native protocol's prompt (POST /v1/streams). */
  static final Buffer NATIVE = nativePrompt().toBuffer();

  /** The WebSocket prompt frame. */
  static final String WEBSOCKET_FRAME = nativePrompt().put("type", "prompt").encode();

  private Prompt() {
  }

  /** @return the OpenAI chat body {@code path}'s client sends */
  static Buffer openAi(BenchPath path) {
    return path.upstream() == BenchPath.Upstream.ANTHROPIC ? OPENAI_TO_ANTHROPIC : OPENAI;
  }

  private static Buffer openAi(String model) {
    return new JsonObject().put("model", model).put("stream", true)
      .put("stream_options", new JsonObject().put("include_usage", true)).put("messages", MESSAGES).toBuffer();
  }

  private static JsonObject nativePrompt() {
    return new JsonObject().put("model", TokenlaneTarget.MODEL).put("messages", MESSAGES);
  }
}
