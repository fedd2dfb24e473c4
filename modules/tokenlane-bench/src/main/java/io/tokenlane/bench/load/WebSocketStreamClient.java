package io.tokenlane.bench.load;

import io.tokenlane.bench.target.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

/**
 * The native protocol over one WebSocket per client: {@code prompt} frames, {@code cancel} frames, events back.
 * The connection and its session are opened once and kept, as the JS client does.
 */
final class WebSocketStreamClient implements StreamClient {

  private final WebSocketClient webSockets;
  private final Endpoint endpoint;
  private final Sessions sessions;
  private WebSocket ws;
  private RunningStream current;
  private String currentId;

  WebSocketStreamClient(HttpClient http, WebSocketClient webSockets, Endpoint endpoint) {
    this.webSockets = webSockets;
    this.endpoint = endpoint;
    this.sessions = new Sessions(http, endpoint);
  }

  @Override
  public Future<Void> open() {
    Promise<Void> ready = Promise.promise();
    return sessions.create()
      .compose(token -> webSockets.connect(new WebSocketConnectOptions().setHost(endpoint.host())
        .setPort(endpoint.port()).setURI(endpoint.apiRoot() + "ws").addHeader("authorization", "Bearer " + token)))
      .compose(connected -> {
        ws = connected;
        ws.textMessageHandler(text -> {
          if (!ready.future().isComplete()) {
            if (text.contains("\"type\":\"ready\"")) {
              ready.tryComplete();
            } else {
              ready.tryFail("first message was not ready: " + text);
            }
          } else {
            message(text);
          }
        });
        ws.closeHandler(v -> {
          ready.tryFail("closed before ready");
          if (current != null) {
            current.fail("WebSocket closed: " + ws.closeStatusCode() + " " + ws.closeReason());
          }
        });
        return ready.future();
      });
  }

  @Override
  public RunningStream start(StreamProbe probe) {
    RunningStream run = new RunningStream(probe);
    current = run;
    currentId = null;
    ws.writeTextMessage(Prompt.WEBSOCKET_FRAME).onFailure(e -> run.fail("prompt: " + e.getMessage()));
    return run;
  }

  private void message(String text) {
    long now = System.nanoTime();
    RunningStream run = current;
    if (run == null) {
      return;
    }
    int end = text.length();
    int tokens = Payloads.nativeTokens(text, 0, end);
    if (tokens > 0) {
      run.tokens(tokens, now);
      return;
    }
    String type = Payloads.nativeType(text, 0, end);
    if ("start".equals(type)) {
      currentId = Payloads.stringValue(text, 0, end, "\"streamId\":");
      String id = currentId;
      run.onCancel(() -> ws.writeTextMessage(new JsonObject().put("type", "cancel").put("streamId", id).encode()));
    } else if ("end".equals(type)) {
      current = null;
      NativeEnds.finish(run, Payloads.stringValue(text, 0, end, "\"reason\":"));
    } else if ("error".equals(type)) {
      current = null;
      run.fail("error frame: " + text);
    }
  }

  @Override
  public void close() {
    if (ws != null && !ws.isClosed()) {
      ws.close();
    }
  }
}
