package io.tokenlane.testkit.ollama;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Instant;

/**
 * Builds the lines of Ollama's {@code /api/chat} stream for one answer, field for field and in the order Ollama's
 * Go structs write them, with Go's JSON escaping of {@code <}, {@code >}, {@code &}, U+2028 and U+2029.
 */
final class WireFormat {

  private static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String model;
  private final long startNanos = System.nanoTime();

  WireFormat(String model) {
    this.model = model;
  }

  JsonObject thinkingLine(String thinking) {
    return line(message("").put("thinking", thinking), false);
  }

  JsonObject contentLine(String content) {
    return line(message(content), false);
  }

  JsonObject toolCallLine(Script.ToolCall call, int index, boolean withId) {
    JsonObject function = new JsonObject().put("index", index).put("name", call.name()).put("arguments", call.arguments());
    JsonObject toolCall = new JsonObject();
    if (withId) {
      toolCall.put("id", "call_" + random(8));
    }
    toolCall.put("function", function);
    return line(message("").put("tool_calls", new JsonArray().add(toolCall)), false);
  }

  /** The final line: empty message, done, the reason, durations in nanoseconds and the non-zero counts. */
  JsonObject doneLine(String doneReason, int promptEvalCount, int evalCount) {
    JsonObject line = line(message(""), true);
    if (doneReason != null) {
      line.put("done_reason", doneReason);
    }
    long total = Math.max(1, System.nanoTime() - startNanos);
    line.put("total_duration", total).put("load_duration", total / 10);
    if (promptEvalCount > 0) {
      line.put("prompt_eval_count", promptEvalCount);
    }
    line.put("prompt_eval_duration", total / 5);
    if (evalCount > 0) {
      line.put("eval_count", evalCount);
    }
    return line.put("eval_duration", total / 2);
  }

  static JsonObject error(String message) {
    return new JsonObject().put("error", message);
  }

  private JsonObject line(JsonObject message, boolean done) {
    return new JsonObject().put("model", model).put("created_at", Instant.now().toString()).put("message", message)
      .put("done", done);
  }

  private static JsonObject message(String content) {
    return new JsonObject().put("role", "assistant").put("content", content);
  }

  /** One NDJSON line as Go's encoder writes it. */
  static String encode(JsonObject line) {
    // Outside strings JSON has none of these characters, so replacing them everywhere escapes only string content.
    return line.encode().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
      .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n";
  }

  static String random(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
    }
    return text.toString();
  }
}
