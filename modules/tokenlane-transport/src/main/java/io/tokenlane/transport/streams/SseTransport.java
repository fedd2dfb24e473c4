package io.tokenlane.transport.streams;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.stream.EventSink;
import io.tokenlane.core.stream.Follower;
import io.tokenlane.core.stream.HubStream;
import io.tokenlane.core.stream.StreamEvent;
import io.tokenlane.transport.ExactIntegers;
import io.tokenlane.transport.http.ChunkedBody;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /streams/:id/events}: a stream as Server-Sent Events, {@code id:} = seq on every event so a plain
 * browser {@code EventSource} resumes by itself with {@code Last-Event-ID}.
 */
final class SseTransport {

  /** What EventSource waits before reconnecting. */
  static final int RETRY_MS = 1000;
  /** What EventSource waits before reconnecting when asked to move: a moment, spread by the balancer. */
  static final int RECONNECT_RETRY_MS = 100;
  private static final Buffer HEARTBEAT = Buffer.buffer(": heartbeat\n\n");
  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);

  private final StreamsApi api;
  private final Heartbeats heartbeats;

  SseTransport(StreamsApi api, Heartbeats heartbeats) {
    this.api = api;
    this.heartbeats = heartbeats;
  }

  void events(RoutingContext ctx) {
    long cursor = cursor(ctx.request());
    api.withStream(ctx, true, stream -> events(ctx, stream, cursor));
  }

  private void events(RoutingContext ctx, HubStream stream, long cursor) {
    stream.checkCursor(cursor, "lastSeq");
    HttpServerResponse response = ctx.response();
    if (stream.finishedFor(cursor)) {
      // EventSource reconnects after the server closes; 204 is what tells it to stop.
      response.setStatusCode(204).end();
      return;
    }
    // Before the head is written: a refusal must still be a JSON error.
    stream.checkRoomForReader();
    ChunkedBody body = ChunkedBody.of(ctx.request());
    body.eventStreamHead();
    JsonObject ready = new JsonObject().put("type", "ready").put("streamId", stream.id()).put("lastSeq", cursor);
    response.write("retry: " + RETRY_MS + "\n\nevent: ready\ndata: " + ready.encode() + "\n\n");
    if (api.draining()) {
      response.end(reconnectEvent("draining"));
      return;
    }
    Connection connection = new Connection(response, body);
    heartbeats.add(connection);
    // Handlers before follow(): the whole stream, end included, may be written (and the response ended) in it.
    response.closeHandler(v -> connection.closed());
    response.drainHandler(v -> connection.drained());
    connection.follower = stream.follow(cursor, connection);
  }

  /**
   * Tells the client to reconnect, then the response ends: {@code retry:} makes a plain EventSource come back
   * within a moment (with {@code Last-Event-ID}), through the balancer, to another member.
   */
  static Buffer reconnectEvent(String reason) {
    JsonObject event = new JsonObject().put("type", "reconnect").put("reason", reason);
    return Buffer.buffer("retry: " + RECONNECT_RETRY_MS + "\n\nevent: reconnect\ndata: " + event.encode() + "\n\n");
  }

  private static long cursor(HttpServerRequest request) {
    String lastEventId = request.getHeader("last-event-id");
    if (lastEventId != null && !lastEventId.isBlank()) {
      Long seq = ExactIntegers.ofText(lastEventId.trim(), 0, Long.MAX_VALUE);
      if (seq != null) {
        return seq;
      }
      throw new GatewayException(400, "invalid_request_error", "invalid_parameter", "Last-Event-ID",
        "Last-Event-ID must be a seq of this stream");
    }
    return StreamsApi.longParam(request, "lastSeq", 0, 0, Long.MAX_VALUE);
  }

  /** One SSE connection following one stream. */
  private final class Connection implements EventSink, Heartbeats.Beating {

    private final HttpServerResponse response;
    private final ChunkedBody body;
    private final Context context = Vertx.currentContext();
    private Follower follower;
    private boolean done;
    private int stalledBeats;

    Connection(HttpServerResponse response, ChunkedBody body) {
      this.response = response;
      this.body = body;
    }

    @Override
    public boolean writeQueueFull() {
      return response.writeQueueFull();
    }

    @Override
    public void write(StreamEvent event) {
      if (done) {
        return;
      }
      byte[] json = event.encoded();
      // Made in the chunk the body writes (pooled, framed where it is): the event's bytes are copied once.
      Buffer frame = body.buffer(json.length + 32).appendBytes(ID).appendString(Long.toString(event.seq()))
        .appendBytes(DATA).appendBytes(json).appendBytes(EVENT_END);
      if (event.isEnd()) {
        done = true;
        heartbeats.remove(this);
        body.end(frame);
      } else {
        body.write(frame);
      }
    }

    void drained() {
      stalledBeats = 0;
      if (follower != null) {
        follower.drained();
      }
    }

    void closed() {
      done = true;
      heartbeats.remove(this);
      if (follower != null) {
        follower.close();
      }
    }

    @Override
    public Context context() {
      return context;
    }

    @Override
    public void reconnect(String reason) {
      if (done) {
        return;
      }
      done = true;
      heartbeats.remove(this);
      if (follower != null) {
        follower.close();
      }
      response.end(reconnectEvent(reason));
    }

    @Override
    public void beat() {
      if (done) {
        return;
      }
      if (response.writeQueueFull()) {
        // Nothing drained for two whole intervals (a drain resets the count): the client is gone.
        if (++stalledBeats >= 2) {
          response.reset();
        }
        return;
      }
      stalledBeats = 0;
      body.write(HEARTBEAT.copy());
    }
  }
}
