package io.tokenlane.transport.streams;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.stream.Attachment;
import io.tokenlane.core.stream.HubStream;
import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.ReplayBuffer;
import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /streams/:id/poll?after=&waitMs=&max=}: the events after a cursor, at once when there are some,
 * else as soon as one arrives (past the stream's first event, after a short linger that lets the next few join the
 * same answer), else empty after {@code waitMs}. The cursor travels in the request: the server keeps no poll state.
 */
final class LongPollTransport {

  /** Default and largest {@code max}. */
  static final int DEFAULT_MAX_EVENTS = 256;
  static final int MAX_EVENTS = 1000;
  /** Default {@code waitMs}, capped by the configured maximum. */
  static final long DEFAULT_WAIT_MS = 25_000;

  private final Vertx vertx;
  private final StreamsApi api;
  private final Set<Runnable> waiting = ConcurrentHashMap.newKeySet();

  /** @return polls waiting for events */
  int waiting() {
    return waiting.size();
  }

  LongPollTransport(Vertx vertx, StreamsApi api) {
    this.vertx = vertx;
    this.api = api;
  }

  void poll(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    long after = StreamsApi.longParam(request, "after", 0, 0, Long.MAX_VALUE);
    long maxWait = api.options().getMaxPollWaitMs();
    long waitMs = StreamsApi.longParam(request, "waitMs", Math.min(DEFAULT_WAIT_MS, maxWait), 0, maxWait);
    int max = (int) StreamsApi.longParam(request, "max", DEFAULT_MAX_EVENTS, 1, MAX_EVENTS);
    api.withStream(ctx, false, stream -> poll(ctx, stream, after, waitMs, max));
  }

  private void poll(RoutingContext ctx, HubStream stream, long after, long waitMs, int max) {
    stream.checkCursor(after, "after");
    ReplayBuffer.Replay replay = stream.read(after, max);
    if (!replay.events().isEmpty() || replay.reset() || replay.snapshot() != null || stream.end() != null
      || waitMs == 0) {
      answer(ctx, stream, after, replay);
      return;
    }
    long[] timer = {-1};
    Attachment wait = stream.await(after, () -> {
      vertx.cancelTimer(timer[0]);
      long linger = api.options().getPollLingerMs();
      if (linger > 0 && after > 1 && stream.end() == null) {
        // Woken by the first new event: the client has the answer's beginning, so what comes in the next few ms
        // rides in this answer instead of costing a request each.
        timer[0] = vertx.setTimer(linger, t -> answer(ctx, stream, after, stream.read(after, max)));
      } else {
        answer(ctx, stream, after, stream.read(after, max));
      }
    });
    timer[0] = vertx.setTimer(waitMs, t -> {
      wait.close();
      answer(ctx, stream, after, stream.read(after, max));
    });
    Runnable now = () -> {
      if (vertx.cancelTimer(timer[0])) {
        wait.close();
        answer(ctx, stream, after, stream.read(after, max));
      }
    };
    Context context = Vertx.currentContext();
    Runnable drain = () -> context.runOnContext(v -> now.run());
    waiting.add(drain);
    ctx.response().closeHandler(v -> {
      vertx.cancelTimer(timer[0]);
      wait.close();
    });
    ctx.addEndHandler(v -> waiting.remove(drain));
  }

  /** Answers every waiting poll at once with what it has: the member drains, its clients poll elsewhere. */
  void answerAll() {
    List.copyOf(waiting).forEach(Runnable::run);
  }

  private static void answer(RoutingContext ctx, HubStream stream, long after, ReplayBuffer.Replay replay) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    // The events' own bytes, spliced into the answer: encoded once for every reader.
    Buffer body = Buffer.buffer(256).appendString("{\"streamId\":").appendBytes(JsonText.quoted(stream.id()))
      .appendString(",\"events\":[");
    long next = after;
    boolean ended = false;
    boolean first = true;
    if (replay.snapshot() != null) {
      replay.snapshot().appendTo(body);
      first = false;
      next = replay.snapshot().seq();
    } else if (replay.reset()) {
      long resumeFrom = replay.events().isEmpty() ? replay.lastSeq() + 1 : replay.events().get(0).seq();
      StreamEvent reset = StreamEvent.reset(stream.id(), stream.requestId(), after, resumeFrom);
      reset.appendTo(body);
      first = false;
      next = reset.seq();
    }
    for (StreamEvent event : replay.events()) {
      if (!first) {
        body.appendByte((byte) ',');
      }
      first = false;
      event.appendTo(body);
      next = event.seq();
      ended |= event.isEnd();
    }
    ended |= stream.end() != null && next >= stream.lastSeq();
    body.appendString("],\"nextCursor\":").appendString(Long.toString(next)).appendString(",\"ended\":")
      .appendString(Boolean.toString(ended)).appendByte((byte) '}');
    ctx.response().putHeader("cache-control", "no-store").putHeader("content-type", "application/json")
      .end(body);
  }
}
