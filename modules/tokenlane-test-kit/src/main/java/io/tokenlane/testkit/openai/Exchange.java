package io.tokenlane.testkit.openai;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Plays one {@link Script} as the answer to one chat-completions request, on the server's event loop. Created on
 * that loop.
 */
final class Exchange {

  private final Vertx vertx;
  /** The server connection's context: the exchange writes on its event loop only. */
  private final Context context;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Script script;
  private boolean over;

  Exchange(Vertx vertx, HttpServerRequest request, Script script) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.request = request;
    this.response = request.response();
    this.script = script;
  }

  /** Whether the fake has finished its answer (ended it or dropped the connection on purpose). */
  boolean isOver() {
    return over;
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
    writeEvents(List.of(pieces(script.rawBody.getBytes(StandardCharsets.UTF_8))).iterator());
  }

  private void answerWhole(JsonObject body) {
    WireFormat wire = new WireFormat(model(body), false);
    endWith(200, "application/json", wire.completion(script, promptTokens(body), completionTokens()).encode());
  }

  private void endWith(int status, String contentType, String text) {
    over = true;
    if (!response.headers().contains("content-type")) {
      response.putHeader("content-type", contentType);
    }
    response.setStatusCode(status).end(text);
  }

  private void stream(JsonObject body) {
    response.setStatusCode(200).setChunked(true);
    if (!response.headers().contains("content-type")) {
      response.putHeader("content-type", "text/event-stream; charset=utf-8");
    }
    response.putHeader("cache-control", "no-cache").putHeader("openai-version", "2020-10-01")
      .putHeader("x-request-id", "req_" + WireFormat.random(32));
    response.writeHead();
    writeEvents(events(body).iterator());
  }

  /** Each element is one event, as the pieces it is written in. */
  private List<List<Buffer>> events(JsonObject body) {
    boolean usageRequested = body.getValue("stream_options") instanceof JsonObject options
      && options.getValue("include_usage") == Boolean.TRUE;
    WireFormat wire = new WireFormat(model(body), usageRequested);
    List<List<Buffer>> events = new ArrayList<>();
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

  private List<Buffer> event(String data) {
    String eol = script.lineEnding;
    String text = (script.keepAlives ? ": keep-alive" + eol + eol : "") + "data: " + data + eol + eol;
    return pieces(text.getBytes(StandardCharsets.UTF_8));
  }

  private List<Buffer> pieces(byte[] bytes) {
    if (script.splitBytes == 0) {
      return List.of(Buffer.buffer(bytes));
    }
    List<Buffer> pieces = new ArrayList<>();
    for (int from = 0; from < bytes.length; from += script.splitBytes) {
      pieces.add(Buffer.buffer().appendBytes(bytes, from, Math.min(script.splitBytes, bytes.length - from)));
    }
    return pieces;
  }

  /**
   * Writes each piece of each event on its own event-loop turn, as a model server that produces one token at a
   * time does: Vert.x flushes a write made while the connection is being read only once the read is over, and a
   * write made from a task or timer at once, so a loop of writes here would reach the client as one TCP write.
   */
  private void writeEvents(Iterator<List<Buffer>> events) {
    if (response.closed()) {
      return;
    }
    if (!events.hasNext()) {
      finish();
      return;
    }
    writePieces(events.next().iterator(), events);
  }

  private void writePieces(Iterator<Buffer> pieces, Iterator<List<Buffer>> events) {
    if (response.closed()) {
      return;
    }
    response.write(pieces.next());
    if (pieces.hasNext()) {
      context.runOnContext(v -> writePieces(pieces, events));
    } else if (!events.hasNext()) {
      finish();
    } else if (script.delayMs > 0) {
      vertx.setTimer(script.delayMs, id -> writeEvents(events));
    } else {
      context.runOnContext(v -> writeEvents(events));
    }
  }

  private void finish() {
    switch (script.ending) {
      case END -> {
        over = true;
        response.end();
      }
      case DROP -> {
        over = true;
        request.connection().close();
      }
      case STALL -> {
        // Nothing more: the client must give up, and the fake counts that as the client closing.
      }
    }
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
