package io.tokenlane.testkit.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the JSON objects of OpenAI's chat-completions API for one answer, with the fields OpenAI sends:
 * the same {@code id}, {@code created}, {@code model} and {@code system_fingerprint} on every chunk, and
 * {@code "usage": null} on every chunk but the last when usage was asked for.
 */
final class WireFormat {

  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String id = "chatcmpl-" + random(29);
  private final long created = System.currentTimeMillis() / 1000;
  private final String fingerprint = "fp_" + random(10).toLowerCase();
  private final String model;
  private final boolean usageRequested;

  WireFormat(String model, boolean usageRequested) {
    this.model = model;
    this.usageRequested = usageRequested;
  }

  /** The deltas of an answer in streaming order: the role first, then content, then tool calls. */
  static List<JsonObject> deltas(Script script) {
    List<JsonObject> deltas = new ArrayList<>();
    for (String token : script.tokens) {
      deltas.add(new JsonObject().put("content", token));
    }
    for (int index = 0; index < script.toolCalls.size(); index++) {
      Script.ToolCall call = script.toolCalls.get(index);
      deltas.add(toolCallDelta(new JsonObject().put("index", index).put("id", call.id()).put("type", "function")
        .put("function", new JsonObject().put("name", call.name()).put("arguments", ""))));
      for (String fragment : call.argumentFragments()) {
        deltas.add(toolCallDelta(new JsonObject().put("index", index)
          .put("function", new JsonObject().put("arguments", fragment))));
      }
    }
    return deltas;
  }

  /** OpenAI's first delta: the role alone, or, when the answer opens with a tool call, merged into it. */
  static JsonObject withRole(JsonObject delta, boolean contentFollows) {
    JsonObject first = new JsonObject().put("role", "assistant");
    if (contentFollows) {
      first.put("content", "");
    } else {
      first.putNull("content");
    }
    first.mergeIn(delta);
    return first.putNull("refusal");
  }

  private static JsonObject toolCallDelta(JsonObject call) {
    return new JsonObject().put("tool_calls", new JsonArray().add(call));
  }

  JsonObject chunk(JsonObject delta, String finishReason) {
    JsonObject choice = new JsonObject().put("index", 0).put("delta", delta).putNull("logprobs")
      .put("finish_reason", finishReason);
    JsonObject chunk = header("chat.completion.chunk").put("choices", new JsonArray().add(choice));
    return usageRequested ? chunk.putNull("usage") : chunk;
  }

  /** The chunk after the finish chunk when {@code stream_options.include_usage} was set: no choices. */
  JsonObject usageChunk(int prompt, int completion) {
    return header("chat.completion.chunk").put("choices", new JsonArray()).put("usage", usage(prompt, completion));
  }

  /** Azure OpenAI's first chunk: empty id, model and choices, with the prompt's content-filter verdicts. */
  static JsonObject azurePromptFilterChunk() {
    JsonObject safe = new JsonObject().put("filtered", false).put("severity", "safe");
    JsonObject verdicts = new JsonObject().put("hate", safe).put("self_harm", safe.copy())
      .put("sexual", safe.copy()).put("violence", safe.copy());
    return new JsonObject().put("choices", new JsonArray()).put("created", 0).put("id", "").put("model", "")
      .put("object", "").put("prompt_filter_results", new JsonArray()
        .add(new JsonObject().put("prompt_index", 0).put("content_filter_results", verdicts)));
  }

  /** The answer to {@code stream: false}. */
  JsonObject completion(Script script, int prompt, int completion) {
    JsonObject message = new JsonObject().put("role", "assistant")
      .put("content", script.tokens.isEmpty() ? null : String.join("", script.tokens))
      .putNull("refusal").put("annotations", new JsonArray());
    if (!script.toolCalls.isEmpty()) {
      JsonArray calls = new JsonArray();
      for (Script.ToolCall call : script.toolCalls) {
        calls.add(new JsonObject().put("id", call.id()).put("type", "function").put("function", new JsonObject()
          .put("name", call.name()).put("arguments", String.join("", call.argumentFragments()))));
      }
      message.put("tool_calls", calls);
    }
    JsonObject choice = new JsonObject().put("index", 0).put("message", message).putNull("logprobs")
      .put("finish_reason", script.finishReason);
    return header("chat.completion").put("choices", new JsonArray().add(choice)).put("usage", usage(prompt, completion));
  }

  private JsonObject header(String object) {
    return new JsonObject().put("id", id).put("object", object).put("created", created).put("model", model)
      .put("service_tier", "default").put("system_fingerprint", fingerprint);
  }

  private static JsonObject usage(int prompt, int completion) {
    return new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
      .put("total_tokens", prompt + completion)
      .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 0).put("audio_tokens", 0))
      .put("completion_tokens_details", new JsonObject().put("reasoning_tokens", 0).put("audio_tokens", 0)
        .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0));
  }

  /** OpenAI's error body. */
  static JsonObject error(JsonObject error) {
    return new JsonObject().put("error", error);
  }

  /** The 401 message, quoting the key masked the way OpenAI does. */
  static JsonObject wrongKey(String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return error(Script.errorObject("You didn't provide an API key. You need to provide your API key in an "
        + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field "
        + "(with blank username) if you're accessing the API from your browser and are prompted for a username "
        + "and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        "invalid_request_error", null));
    }
    String key = authorization.substring("Bearer ".length());
    return error(Script.errorObject("Incorrect API key provided: " + mask(key) + ". You can find your API key "
      + "at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"));
  }

  private static String mask(String key) {
    if (key.length() < 12) {
      return "*".repeat(key.length());
    }
    return key.substring(0, 3) + "*".repeat(key.length() - 7) + key.substring(key.length() - 4);
  }

  static String random(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return text.toString();
  }
}
