package io.tokenlane.testkit.anthropic;

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
 * Plays one {@link Script} as the answer to one Messages request, on the server's event loop. Created on that loop.
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
    response.putHeader("request-id", "req_011C" + WireFormat.random(20));
    if (script.rawBody != null) {
      answerRaw();
    } else if (script.status != 200 || script.errorBody != null) {
      boolean retry = script.status == 429 || script.status == 408 || script.status == 409 || script.status >= 500;
      response.putHeader("x-should-retry", Boolean.toString(retry));
      endWith(script.status, "application/json", script.errorBody.encode());
    } else {
      stream(body);
    }
  }

  /** One of Anthropic's own request checks failing, before any script is used. */
  static void refuse(HttpServerRequest request, int status, String type, String message) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json")
      .putHeader("request-id", "req_011C" + WireFormat.random(20))
      .putHeader("x-should-retry", "false")
      .end(WireFormat.error(type, message).encode());
  }

  private void answerRaw() {
    byte[] bytes = script.rawBody;
    if (script.splitBytes == 0 && script.splitAt.isEmpty()) {
      over = true;
      response.setStatusCode(script.status).end(Buffer.buffer(bytes));
      return;
    }
    response.setStatusCode(script.status).setChunked(true);
    List<Buffer> pieces = new ArrayList<>();
    int from = 0;
    for (int offset : script.splitAt) {
      if (offset > from && offset < bytes.length) {
        pieces.add(Buffer.buffer().appendBytes(bytes, from, offset - from));
        from = offset;
      }
    }
    pieces.addAll(pieces(bytes, from));
    writeEvents(List.of(new Event(pieces, true)).iterator());
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
    response.putHeader("cache-control", "no-cache");
    response.writeHead();
    writeEvents(events(body).iterator());
  }

  /**
   * One event, as the pieces it is written in. Only a generated piece (a text, thinking or tool-input delta) waits
   * for the script's delay, as on a model server: the frames around it (message_start, content_block_start, ping,
   * content_block_stop, message_delta, message_stop) follow what precedes them at once, one write each.
   */
  private record Event(List<Buffer> pieces, boolean paced) {
  }

  /** Each element is one event. */
  private List<Event> events(JsonObject body) {
    List<Event> events = new ArrayList<>();
    int tokens = 0;
    for (WireFormat.Frame frame : WireFormat.frames(script, model(body), inputTokens(body))) {
      if (tokens == script.cutAfter && cutHere(frame)) {
        break;
      }
      events.add(new Event(event(frame.event(), frame.data().encode()), frame.token()));
      if (frame.token()) {
        tokens++;
      }
    }
    if (script.cutAfter >= 0 && script.errorEvent != null) {
      events.add(new Event(event("error", script.errorEvent.encode()), true));
    }
    return events;
  }

  /**
   * Where a cut after {@code cutAfter} tokens falls: before the next token, or before the message-level events
   * (a cut stream gets no stop reason and no {@code message_stop}; a cut after 0 tokens not even
   * {@code message_start}).
   */
  private static boolean cutHere(WireFormat.Frame frame) {
    return frame.token() || frame.event().startsWith("message_");
  }

  private List<Buffer> event(String name, String data) {
    return pieces(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8), 0);
  }

  private List<Buffer> pieces(byte[] bytes, int start) {
    if (script.splitBytes == 0) {
      return List.of(Buffer.buffer().appendBytes(bytes, start, bytes.length - start));
    }
    List<Buffer> pieces = new ArrayList<>();
    for (int from = start; from < bytes.length; from += script.splitBytes) {
      pieces.add(Buffer.buffer().appendBytes(bytes, from, Math.min(script.splitBytes, bytes.length - from)));
    }
    return pieces;
  }

  /**
   * Writes each piece of each event on its own event-loop turn, as a model server that produces one token at a
   * time does: Vert.x flushes a write made while the connection is being read only once the read is over, and a
   * write made from a task or timer at once, so a loop of writes here would reach the client as one TCP write.
   */
  private void writeEvents(Iterator<Event> events) {
    if (response.closed()) {
      return;
    }
    if (!events.hasNext()) {
      finish();
      return;
    }
    writePieces(events.next().pieces().iterator(), events);
  }

  private void writePieces(Iterator<Buffer> pieces, Iterator<Event> events) {
    if (response.closed()) {
      return;
    }
    response.write(pieces.next());
    if (pieces.hasNext()) {
      context.runOnContext(v -> writePieces(pieces, events));
    } else if (!events.hasNext()) {
      finish();
    } else {
      Event next = events.next();
      if (script.delayMs > 0 && next.paced()) {
        vertx.setTimer(script.delayMs, id -> writePieces(next.pieces().iterator(), events));
      } else {
        context.runOnContext(v -> writePieces(next.pieces().iterator(), events));
      }
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
    return body.getValue("model") instanceof String model ? model : "claude-sonnet-4-5";
  }

  private int inputTokens(JsonObject body) {
    if (script.inputTokens != null) {
      return script.inputTokens;
    }
    int words = words(body.getValue("system"));
    if (body.getValue("messages") instanceof JsonArray messages) {
      for (Object message : messages) {
        if (message instanceof JsonObject object) {
          words += words(object.getValue("content"));
        }
      }
    }
    return words;
  }

  private static int words(Object content) {
    if (content instanceof String text) {
      return text.isBlank() ? 0 : text.strip().split("\\s+").length;
    }
    int words = 0;
    if (content instanceof JsonArray blocks) {
      for (Object block : blocks) {
        if (block instanceof JsonObject object) {
          words += words(object.getValue("text"));
        }
      }
    }
    return words;
  }
}
