package io.tokenlane.transport.openai;

import io.tokenlane.core.GatewayException;
import io.tokenlane.transport.ExactIntegers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Checks a chat-completions body before any provider sees it, with OpenAI's error wording where it has one.
 * Fields the gateway does not interpret pass through untouched.
 */
public final class ChatRequestValidator {

  /** OpenAI's largest {@code top_logprobs}. */
  private static final int MAX_TOP_LOGPROBS = 20;
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

  private ChatRequestValidator() {
  }

  /**
   * Validates the body.
   *
   * @param body the parsed body
   * @return whether the client asked for a stream
   * @throws GatewayException 400 naming the field at fault
   */
  public static boolean validate(JsonObject body) {
    Object model = body.getValue("model");
    if (!(model instanceof String name) || name.isBlank()) {
      throw GatewayException.invalid("model", "you must provide a model parameter (a string)");
    }
    validateMessages(body.getValue("messages"));
    Object stream = body.getValue("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      throw GatewayException.invalid("stream", "stream must be a boolean");
    }
    Object streamOptions = body.getValue("stream_options");
    if (streamOptions != null) {
      if (!(streamOptions instanceof JsonObject options)
        || (options.getValue("include_usage") != null && !(options.getValue("include_usage") instanceof Boolean))) {
        throw GatewayException.invalid("stream_options", "stream_options must be an object with a boolean include_usage");
      }
      if (!Boolean.TRUE.equals(stream)) {
        throw GatewayException.invalid("stream_options", "stream_options is only allowed when stream is true");
      }
    }
    integerWithin(body, "max_tokens", 1, Integer.MAX_VALUE);
    integerWithin(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
    integerWithin(body, "seed", Long.MIN_VALUE, Long.MAX_VALUE);
    integerWithin(body, "top_logprobs", 0, MAX_TOP_LOGPROBS);
    numberWithin(body, "temperature", 0, 2);
    numberWithin(body, "top_p", 0, 1);
    Object n = body.getValue("n");
    if (n != null && ExactIntegers.ofJson(n, 1, 1) == null) {
      throw GatewayException.invalid("n", "only n=1 is supported");
    }
    return Boolean.TRUE.equals(stream);
  }

  private static void validateMessages(Object value) {
    if (!(value instanceof JsonArray messages)) {
      throw GatewayException.invalid("messages", "messages must be an array of message objects");
    }
    if (messages.isEmpty()) {
      throw GatewayException.invalid("messages", "messages must contain at least one message");
    }
    for (int i = 0; i < messages.size(); i++) {
      String param = "messages[" + i + "]";
      if (!(messages.getValue(i) instanceof JsonObject message)) {
        throw GatewayException.invalid(param, param + " must be an object");
      }
      Object role = message.getValue("role");
      if (!(role instanceof String name) || !ROLES.contains(name)) {
        throw GatewayException.invalid(param + ".role", param + ".role must be one of " + String.join(", ", ROLES.stream().sorted().toList()));
      }
      Object content = message.getValue("content");
      if (content != null && !(content instanceof String) && !(content instanceof JsonArray)) {
        throw GatewayException.invalid(param + ".content", param + ".content must be a string or an array of parts");
      }
    }
  }

  /** An integer field the gateway reads: exact and within what upstreams accept (an int for token counts). */
  private static void integerWithin(JsonObject body, String name, long min, long max) {
    Object value = body.getValue(name);
    if (value != null && ExactIntegers.ofJson(value, min, max) == null) {
      throw GatewayException.invalid(name, name + " must be an integer from " + min + " to " + max);
    }
  }

  private static void numberWithin(JsonObject body, String name, double min, double max) {
    Object value = body.getValue(name);
    if (value != null && !(value instanceof Number number && number.doubleValue() >= min && number.doubleValue() <= max)) {
      throw GatewayException.invalid(name, name + " must be a number from " + (int) min + " to " + (int) max);
    }
  }
}
