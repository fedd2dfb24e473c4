package io.tokenlane.provider.ollama;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.StringWriter;
import java.security.SecureRandom;

/**
 * Reads one line of Ollama's {@code /api/chat} stream with Jackson's streaming parser, picking out only the fields
 * the gateway needs; no JSON tree is built for a text line. The fields of the last line stay readable until the
 * next {@link #decode}.
 *
 * <p>Strict: a line that is not one JSON object in valid UTF-8, or whose fields we read have the wrong type, is
 * {@link Malformed}. Not thread-safe: one decoder per stream, on its event loop.
 */
final class LineDecoder {

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A line that is not what Ollama documents; the message says what was wrong, never quoting the line. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  String content;
  String thinking;
  String error;
  String doneReason;
  boolean done;
  /** {@code -1} when absent: Ollama leaves zero counts out. */
  int promptEvalCount;
  int evalCount;
  /** The line's tool calls in OpenAI's delta shape, or {@code null}. */
  JsonArray toolCalls;
  /** Tool calls seen in the whole stream: each new one gets the next OpenAI index. */
  private int toolCallCount;

  /** @return how many tool calls the stream has carried so far */
  int toolCallCount() {
    return toolCallCount;
  }

  void decode(byte[] bytes, int from, int to) throws Malformed {
    reset();
    if (!Utf8.isValid(bytes, from, to)) {
      throw new Malformed("a line that is not valid UTF-8");
    }
    try (JsonParser parser = FACTORY.createParser(bytes, from, to - from)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new Malformed("a line that is not a JSON object");
      }
      readTop(parser);
      if (parser.nextToken() != null) {
        throw new Malformed("a line with more than one JSON value");
      }
    } catch (IOException e) {
      throw new Malformed("a line that is not valid JSON");
    }
  }

  private void reset() {
    content = null;
    thinking = null;
    error = null;
    doneReason = null;
    done = false;
    promptEvalCount = -1;
    evalCount = -1;
    toolCalls = null;
  }

  private void readTop(JsonParser parser) throws IOException, Malformed {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (name) {
        case "message" -> readMessage(parser, value);
        case "done" -> done = bool(parser, value, "done");
        case "done_reason" -> doneReason = string(parser, value, "done_reason");
        case "prompt_eval_count" -> promptEvalCount = count(parser, value, "prompt_eval_count");
        case "eval_count" -> evalCount = count(parser, value, "eval_count");
        case "error" -> error = errorText(parser, value);
        default -> parser.skipChildren();
      }
    }
  }

  private void readMessage(JsonParser parser, JsonToken value) throws IOException, Malformed {
    if (value == JsonToken.VALUE_NULL) {
      return;
    }
    if (value != JsonToken.START_OBJECT) {
      throw new Malformed("a message that is not an object");
    }
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken field = parser.nextToken();
      switch (name) {
        case "content" -> content = string(parser, field, "message.content");
        case "thinking" -> thinking = string(parser, field, "message.thinking");
        case "tool_calls" -> readToolCalls(parser, field);
        default -> parser.skipChildren();
      }
    }
  }

  private void readToolCalls(JsonParser parser, JsonToken value) throws IOException, Malformed {
    if (value == JsonToken.VALUE_NULL) {
      return;
    }
    if (value != JsonToken.START_ARRAY) {
      throw new Malformed("message.tool_calls that is not an array");
    }
    JsonArray calls = new JsonArray();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      calls.add(readToolCall(parser));
    }
    toolCalls = calls.isEmpty() ? null : calls;
  }

  /**
   * One whole Ollama call, {@code {id, function: {index, name, arguments: {...}}}}, as one OpenAI delta that
   * carries all of it: {@code {index, id, type, function: {name, arguments: "<JSON>"}}}.
   */
  private JsonObject readToolCall(JsonParser parser) throws IOException, Malformed {
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw new Malformed("a tool call that is not an object");
    }
    String id = null;
    String name = null;
    String arguments = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (field.equals("id")) {
        id = string(parser, value, "tool_calls[].id");
      } else if (field.equals("function") && value == JsonToken.START_OBJECT) {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String inner = parser.currentName();
          JsonToken innerValue = parser.nextToken();
          if (inner.equals("name")) {
            name = string(parser, innerValue, "tool_calls[].function.name");
          } else if (inner.equals("arguments")) {
            arguments = arguments(parser, innerValue);
          } else {
            parser.skipChildren();
          }
        }
      } else if (field.equals("function")) {
        throw new Malformed("a tool call whose function is not an object");
      } else {
        parser.skipChildren();
      }
    }
    if (name == null || name.isEmpty()) {
      throw new Malformed("a tool call without a function name");
    }
    return new JsonObject()
      .put("index", toolCallCount++)
      .put("id", id == null || id.isEmpty() ? generatedId() : id)
      .put("type", "function")
      .put("function", new JsonObject().put("name", name).put("arguments", arguments == null ? "{}" : arguments));
  }

  /** Ollama sends the arguments as an object; OpenAI clients expect its JSON text. */
  private static String arguments(JsonParser parser, JsonToken value) throws IOException, Malformed {
    if (value == JsonToken.VALUE_STRING) {
      return parser.getText();
    }
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.START_OBJECT) {
      throw new Malformed("tool call arguments that are not an object");
    }
    StringWriter text = new StringWriter();
    try (JsonGenerator generator = FACTORY.createGenerator(text)) {
      generator.copyCurrentStructure(parser);
    }
    return text.toString();
  }

  /** Ollama before 0.12 sent no call ids; OpenAI clients need one to answer the call. */
  private static String generatedId() {
    StringBuilder id = new StringBuilder("call_");
    for (int i = 0; i < 24; i++) {
      id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
    }
    return id.toString();
  }

  /** Ollama's {@code {"error": "text"}}; an object with a message is taken too, from proxies. */
  private static String errorText(JsonParser parser, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      return parser.getText();
    }
    if (value == JsonToken.START_OBJECT) {
      String message = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken inner = parser.nextToken();
        if (name.equals("message") && inner == JsonToken.VALUE_STRING) {
          message = parser.getText();
        } else {
          parser.skipChildren();
        }
      }
      return message != null ? message : "(no message)";
    }
    parser.skipChildren();
    return value == JsonToken.VALUE_NULL ? null : "(no message)";
  }

  private static String string(JsonParser parser, JsonToken value, String field) throws IOException, Malformed {
    if (value == JsonToken.VALUE_STRING) {
      return parser.getText();
    }
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    throw new Malformed("a " + field + " that is not a string");
  }

  private static boolean bool(JsonParser parser, JsonToken value, String field) throws Malformed {
    if (value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE) {
      return value == JsonToken.VALUE_TRUE;
    }
    throw new Malformed("a " + field + " that is not true or false");
  }

  private static int count(JsonParser parser, JsonToken value, String field) throws IOException, Malformed {
    if (value == JsonToken.VALUE_NUMBER_INT) {
      long count = parser.getLongValue();
      return (int) Math.max(0, Math.min(Integer.MAX_VALUE, count));
    }
    if (value == JsonToken.VALUE_NULL) {
      return -1;
    }
    throw new Malformed("a " + field + " that is not a whole number");
  }
}
