package io.tokenlane.testkit.gemini;

import io.tokenlane.testkit.FakeExchange;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays one {@link GeminiScript} as the answer to one {@code streamGenerateContent} request, on the server's event
 * loop. Created on that loop.
 */
final class GeminiExchange extends FakeExchange {

  private final GeminiScript script;

  GeminiExchange(Vertx vertx, HttpServerRequest request, GeminiScript script) {
    super(vertx, request, script.delayMs, script.ending);
    this.script = script;
  }

  void play(String model, JsonObject body) {
    if (script.hangBeforeHeaders) {
      return;
    }
    script.headers.forEach(response::putHeader);
    if (script.rawBody != null) {
      answerRaw();
    } else if (script.invalidApiKey) {
      endWith(400, GeminiWire.invalidApiKey(request.getHeader("x-goog-api-key")).encodePrettily());
    } else if (script.errorBody != null) {
      // Google's error bodies are indented JSON.
      endWith(script.status, script.errorBody.encodePrettily());
    } else if (!"sse".equals(request.getParam("alt"))) {
      // Without alt=sse, Google streams one JSON array of the same responses.
      JsonArray array = new JsonArray();
      events(model, body).forEach(array::add);
      endWith(200, array.encode());
    } else {
      stream(model, body);
    }
  }

  private void answerRaw() {
    response.setStatusCode(script.status).setChunked(true);
    if (!response.headers().contains("content-type")) {
      response.putHeader("content-type", "text/event-stream");
    }
    writeEvents(List.of(new Event(pieces(script.rawBody), true)));
  }

  private void endWith(int status, String text) {
    endWith(status, "application/json; charset=UTF-8", text);
  }

  private void stream(String model, JsonObject body) {
    response.setStatusCode(200).setChunked(true);
    if (!response.headers().contains("content-type")) {
      response.putHeader("content-type", "text/event-stream");
    }
    response.putHeader("vary", "Origin, X-Origin, Referer").putHeader("x-content-type-options", "nosniff");
    response.writeHead();
    List<Event> written = new ArrayList<>();
    for (JsonObject event : events(model, body)) {
      written.add(event(event.encode()));
    }
    if (script.cutAfter >= 0 && script.errorEvent != null) {
      written.add(event(script.errorEvent.encode()));
    }
    writeEvents(written);
  }

  /** The responses of the answer, in order, up to a cut. */
  private List<JsonObject> events(String model, JsonObject body) {
    GeminiWire wire = new GeminiWire(model);
    int prompt = script.promptTokens != null ? script.promptTokens : promptWords(body);
    if (script.blockReason != null) {
      return script.cutAfter == 0 ? List.of() : List.of(wire.blocked(script.blockReason, prompt));
    }
    List<JsonArray> parts = new ArrayList<>(script.events);
    if (parts.isEmpty() && script.finishReason != null) {
      // A finish with nothing to show (a filtered answer) still comes as an event.
      parts.add(new JsonArray());
    }
    int answerEvents = (int) parts.stream().filter(event -> !isThought(event)).count();
    int thoughtEvents = parts.size() - answerEvents;
    int finalCandidates = script.candidatesTokens != null ? script.candidatesTokens : answerEvents;
    int finalThoughts = script.thoughtsTokens != null ? script.thoughtsTokens : thoughtEvents;
    int sent = script.cutAfter >= 0 ? Math.min(script.cutAfter, parts.size()) : parts.size();
    List<JsonObject> events = new ArrayList<>();
    int candidatesSoFar = 0;
    int thoughtsSoFar = 0;
    for (int i = 0; i < sent; i++) {
      boolean last = i == parts.size() - 1 && script.cutAfter < 0;
      if (isThought(parts.get(i))) {
        thoughtsSoFar++;
      } else {
        candidatesSoFar++;
      }
      JsonObject usage = last ? GeminiWire.usage(prompt, finalCandidates, finalThoughts)
        : GeminiWire.usage(prompt, Math.min(candidatesSoFar, finalCandidates), Math.min(thoughtsSoFar, finalThoughts));
      events.add(wire.event(parts.get(i), last ? script.finishReason : null, last ? script.finishMessage : null, usage));
    }
    return events;
  }

  private static boolean isThought(JsonArray parts) {
    return !parts.isEmpty() && parts.getValue(0) instanceof JsonObject part && part.getValue("thought") == Boolean.TRUE;
  }

  /** One event; every event waits for the script's delay. */
  private Event event(String data) {
    String eol = script.lineEnding;
    return new Event(pieces(("data: " + data + eol + eol).getBytes(StandardCharsets.UTF_8)), true);
  }

  private List<Buffer> pieces(byte[] bytes) {
    return pieces(bytes, 0, script.splitBytes);
  }

  private static int promptWords(JsonObject body) {
    int words = 0;
    if (body.getValue("contents") instanceof JsonArray contents) {
      for (Object content : contents) {
        if (content instanceof JsonObject turn && turn.getValue("parts") instanceof JsonArray parts) {
          for (Object part : parts) {
            if (part instanceof JsonObject object && object.getValue("text") instanceof String text && !text.isBlank()) {
              words += text.strip().split("\\s+").length;
            }
          }
        }
      }
    }
    return words;
  }
}
