package io.tokenlane.testkit.gemini;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;

/**
 * Builds the JSON objects of Gemini's {@code streamGenerateContent} for one answer, with the fields Google sends:
 * the same {@code modelVersion} and {@code responseId} on every event, {@code usageMetadata} on every event with
 * the counts so far, and the {@code finishReason} on the last.
 */
final class GeminiWire {

  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String responseId = random(23);
  private final String model;

  GeminiWire(String model) {
    this.model = model;
  }

  /** One event: candidate 0 with these parts, the finish reason when it is the last, and the counts so far. */
  JsonObject event(JsonArray parts, String finishReason, String finishMessage, JsonObject usage) {
    // A candidate cut by a filter carries no content at all, rather than empty parts.
    JsonObject candidate = parts.isEmpty() ? new JsonObject()
      : new JsonObject().put("content", new JsonObject().put("parts", parts).put("role", "model"));
    if (finishReason != null) {
      candidate.put("finishReason", finishReason);
    }
    candidate.put("index", 0);
    if (finishMessage != null) {
      candidate.put("finishMessage", finishMessage);
    }
    return new JsonObject().put("candidates", new JsonArray().add(candidate)).put("usageMetadata", usage)
      .put("modelVersion", model).put("responseId", responseId);
  }

  /** The only event of a blocked prompt: no candidates, the block reason and the prompt's safety ratings. */
  JsonObject blocked(String blockReason, int promptTokens) {
    JsonArray ratings = new JsonArray();
    for (String category : new String[] {"HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_HATE_SPEECH",
      "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_DANGEROUS_CONTENT"}) {
      boolean flagged = category.equals("HARM_CATEGORY_DANGEROUS_CONTENT");
      ratings.add(new JsonObject().put("category", category).put("probability", flagged ? "HIGH" : "NEGLIGIBLE"));
    }
    return new JsonObject()
      .put("promptFeedback", new JsonObject().put("blockReason", blockReason).put("safetyRatings", ratings))
      .put("usageMetadata", usage(promptTokens, 0, 0))
      .put("modelVersion", model).put("responseId", responseId);
  }

  static JsonObject usage(int prompt, int candidates, int thoughts) {
    JsonObject usage = new JsonObject().put("promptTokenCount", prompt);
    if (candidates > 0) {
      usage.put("candidatesTokenCount", candidates);
    }
    usage.put("totalTokenCount", prompt + candidates + thoughts)
      .put("promptTokensDetails", new JsonArray().add(new JsonObject().put("modality", "TEXT").put("tokenCount", prompt)));
    if (thoughts > 0) {
      usage.put("thoughtsTokenCount", thoughts);
    }
    return usage;
  }

  /** Google's error body. */
  static JsonObject error(int code, String status, String message) {
    return new JsonObject().put("error", new JsonObject().put("code", code).put("message", message).put("status", status));
  }

  /** Google's answer to a wrong key: the reason in an ErrorInfo, and the key itself quoted in a DebugInfo. */
  static JsonObject invalidApiKey(String receivedKey) {
    String message = "API key not valid. Please pass a valid API key.";
    JsonObject body = error(400, "INVALID_ARGUMENT", message);
    body.getJsonObject("error").put("details", new JsonArray()
      .add(new JsonObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo").put("reason", "API_KEY_INVALID")
        .put("domain", "googleapis.com")
        .put("metadata", new JsonObject().put("service", "generativelanguage.googleapis.com")))
      .add(new JsonObject().put("@type", "type.googleapis.com/google.rpc.LocalizedMessage").put("locale", "en-US")
        .put("message", message))
      .add(new JsonObject().put("@type", "type.googleapis.com/google.rpc.DebugInfo")
        .put("detail", "Invalid API key: " + (receivedKey == null ? "" : receivedKey))));
    return body;
  }

  static String random(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return text.toString();
  }
}
