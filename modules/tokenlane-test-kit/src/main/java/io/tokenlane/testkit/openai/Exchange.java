package io.tokenlane.testkit.openai;

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
 * Plays one {@link Script} as the answer to one chat-completions request, on the server's event loop. Created on
 * that loop.
 */
final class Exchange extends FakeExchange {

  private final Script script;

  Exchange(Vertx vertx, HttpServerRequest request, Script script) {
    super(vertx, request, script.delayMs, script.ending);
    this.script = script;
  }

  void play(JsonObject body) {
    if (script.hangBeforeHeaders) {
      return;
    }
    script.headers.forEach(response::putHeader);
    if (script.rawBody != null) {
      answerRaw();
    } else if (script.status != 200 || script.errorBody != null || script.maskedKeyError) {
      answerError();
    } else if (body.getValue("stream") == Boolean.TRUE && !script.ignoreStreamFlag) {
      stream(body);
    } else {
      answerWhole(body);
    }
  }

  private void answerError() {
    JsonObject error = script.maskedKeyError
      ? WireFormat.wrongKey(request.getHeader("Authorization"))
      : WireFormat.error(script.errorBody);
    endWith(script.status, "application/json; charset=utf-8", error.encode());
  }

  private void answerRaw() {
    if (script.splitBytes == 0) {
      endWith(script.status, "text/event-stream; charset=utf-8", script.rawBody);
      return;
    }
    // A raw body cut like the events: each piece its own write, on its own turn.
    response.setStatusCode(script.status).setChunked(true);
    if (!response.headers().contains("content-type")) {
      response.putHeader("content-type", "text/event-stream; charset=utf-8");
    }
    writeEvents(List.of(new Event(pieces(script.rawBody.getBytes(StandardCharsets.UTF_8)), true)));
  }

  private void answerWhole(JsonObject body) {
    WireFormat wire = new WireFormat(model(body), false);
    endWith(200, "application/json", wire.completion(script, promptTokens(body), completionTokens()).encode());
  }

  private void stream(JsonObject body) {
    response.setStatusCode(200).setChunked(true);
    if (!response.headers().contains("content-type")) {
      response.putHeader("content-type", "text/event-stream; charset=utf-8");
    }
    response.putHeader("cache-control", "no-cache").putHeader("openai-version", "2020-10-01")
      .putHeader("x-request-id", "req_" + WireFormat.random(32));
    response.writeHead();
    writeEvents(events(body));
  }

  /** The events of a streamed answer, in order. */
  private List<Event> events(JsonObject body) {
    boolean usageRequested = body.getValue("stream_options") instanceof JsonObject options
      && options.getValue("include_usage") == Boolean.TRUE;
    WireFormat wire = new WireFormat(model(body), usageRequested);
    List<Event> events = new ArrayList<>();
    if (script.azureFilterChunk) {
      events.add(event(WireFormat.azurePromptFilterChunk().encode()));
    }
    List<JsonObject> deltas = WireFormat.deltas(script);
    boolean roleMerged = script.roleChunk && script.tokens.isEmpty() && !deltas.isEmpty();
    if (script.roleChunk && !roleMerged) {
      events.add(event(wire.chunk(WireFormat.withRole(new JsonObject(), true), null).encode()));
    }
    int sent = script.cutAfter >= 0 ? Math.min(script.cutAfter, deltas.size()) : deltas.size();
    for (int i = 0; i < sent; i++) {
      JsonObject delta = i == 0 && roleMerged ? WireFormat.withRole(deltas.get(0), false) : deltas.get(i);
      events.add(event(wire.chunk(delta, null).encode()));
    }
    if (script.cutAfter >= 0) {
      if (script.errorEvent != null) {
        events.add(event(script.errorEvent.encode()));
      }
      return events;
    }
    if (script.finishReason != null) {
      events.add(event(wire.chunk(new JsonObject(), script.finishReason).encode()));
    }
    if (usageRequested) {
      events.add(event(wire.usageChunk(promptTokens(body), completionTokens()).encode()));
    }
    if (script.done) {
      events.add(event("[DONE]"));
    }
    return events;
  }

  /** One event; every event waits for the script's delay. */
  private Event event(String data) {
    String eol = script.lineEnding;
    String text = (script.keepAlives ? ": keep-alive" + eol + eol : "") + "data: " + data + eol + eol;
    return new Event(pieces(text.getBytes(StandardCharsets.UTF_8)), true);
  }

  private List<Buffer> pieces(byte[] bytes) {
    return pieces(bytes, 0, script.splitBytes);
  }

  private static String model(JsonObject body) {
    return body.getValue("model") instanceof String model ? model : "gpt-4o-mini";
  }

  private int promptTokens(JsonObject body) {
    if (script.promptTokens != null) {
      return script.promptTokens;
    }
    int words = 0;
    if (body.getValue("messages") instanceof JsonArray messages) {
      for (Object message : messages) {
        if (message instanceof JsonObject object && object.getValue("content") instanceof String text) {
          words += text.isBlank() ? 0 : text.strip().split("\\s+").length;
        }
      }
    }
    return words;
  }

  private int completionTokens() {
    if (script.completionTokens != null) {
      return script.completionTokens;
    }
    int fragments = script.toolCalls.stream().mapToInt(call -> call.argumentFragments().size()).sum();
    return script.tokens.size() + fragments;
  }
}
