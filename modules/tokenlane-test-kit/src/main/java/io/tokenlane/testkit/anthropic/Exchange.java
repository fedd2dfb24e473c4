package io.tokenlane.testkit.anthropic;

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
 * Plays one {@link Script} as the answer to one Messages request, on the server's event loop. Created on that loop.
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
      markOver();
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
    writeEvents(List.of(new Event(pieces, true)));
  }

  private void stream(JsonObject body) {
    response.setStatusCode(200).setChunked(true);
    if (!response.headers().contains("content-type")) {
      response.putHeader("content-type", "text/event-stream; charset=utf-8");
    }
    response.putHeader("cache-control", "no-cache");
    response.writeHead();
    writeEvents(events(body));
  }

  /**
   * The events of the answer, in order. Only a generated piece (a text, thinking or tool-input delta) is paced,
   * waiting for the script's delay as on a model server: the frames around it (message_start, content_block_start,
   * ping, content_block_stop, message_delta, message_stop) follow what precedes them at once, one write each.
   */
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
    return pieces(bytes, start, script.splitBytes);
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
