package io.tokenlane.testkit.ollama;

import io.tokenlane.testkit.FakeExchange;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays one {@link Script} as the answer to one {@code /api/chat} request, on the server's event loop. Created on
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
      stream(script.status, "text/plain; charset=utf-8", List.of(script.rawBody));
    } else if (script.errorMessage != null) {
      String message = script.modelNotFound ? "model '" + model(body) + "' not found" : script.errorMessage;
      endWith(script.status, WireFormat.encode(WireFormat.error(message)).strip());
    } else {
      stream(200, "application/x-ndjson", lines(body));
    }
  }

  private void endWith(int status, String json) {
    endWith(status, "application/json; charset=utf-8", json);
  }

  private List<byte[]> lines(JsonObject body) {
    WireFormat wire = new WireFormat(model(body));
    List<JsonObject> content = new ArrayList<>();
    script.thinking.forEach(piece -> content.add(wire.thinkingLine(piece)));
    script.tokens.forEach(token -> content.add(wire.contentLine(token)));
    for (int i = 0; i < script.toolCalls.size(); i++) {
      content.add(wire.toolCallLine(script.toolCalls.get(i), i, script.toolCallIds));
    }
    List<byte[]> lines = new ArrayList<>();
    int sent = script.cutAfter >= 0 ? Math.min(script.cutAfter, content.size()) : content.size();
    for (int i = 0; i < sent; i++) {
      lines.add(bytes(content.get(i)));
    }
    if (script.cutAfter >= 0) {
      if (script.errorLine != null) {
        lines.add(bytes(WireFormat.error(script.errorLine)));
      }
      return lines;
    }
    if (script.doneLine) {
      int prompt = script.promptEvalCount != null ? script.promptEvalCount : promptWords(body);
      int eval = script.evalCount != null ? script.evalCount : content.size();
      lines.add(bytes(wire.doneLine(script.doneReason, prompt, eval)));
    }
    return lines;
  }

  private static byte[] bytes(JsonObject line) {
    return WireFormat.encode(line).getBytes(StandardCharsets.UTF_8);
  }

  private void stream(int status, String contentType, List<byte[]> lines) {
    response.setStatusCode(status).setChunked(true);
    if (!response.headers().contains("content-type")) {
      response.putHeader("content-type", contentType);
    }
    response.writeHead();
    writeEvents(pieces(lines));
  }

  /**
   * What each write sends: a line, or the pieces the script cuts the lines or the whole body into. Each is paced,
   * as Ollama writes each token when it is generated.
   */
  private List<Event> pieces(List<byte[]> lines) {
    List<Buffer> pieces = new ArrayList<>();
    if (!script.splitOffsets.isEmpty()) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      lines.forEach(all::writeBytes);
      byte[] body = all.toByteArray();
      int from = 0;
      for (int offset : script.splitOffsets) {
        int to = Math.max(from, Math.min(offset, body.length));
        pieces.add(Buffer.buffer().appendBytes(body, from, to - from));
        from = to;
      }
      pieces.add(Buffer.buffer().appendBytes(body, from, body.length - from));
      pieces.removeIf(piece -> piece.length() == 0);
    } else {
      lines.forEach(line -> pieces.addAll(pieces(line, 0, script.splitBytes)));
    }
    return pieces.stream().map(piece -> new Event(List.of(piece), true)).toList();
  }

  private static String model(JsonObject body) {
    return body.getValue("model") instanceof String model ? model : "llama3.2";
  }

  private static int promptWords(JsonObject body) {
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
}
