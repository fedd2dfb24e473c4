package io.tokenlane.core.impl;

import io.tokenlane.core.stream.EventSink;
import io.tokenlane.core.stream.Follower;
import io.tokenlane.core.stream.HubStream;
import io.tokenlane.core.stream.ReplayBuffer;
import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes a stream to one sink from a cursor. Live events go straight to the sink when the follower is caught up
 * and the sink has room; otherwise the follower pulls from the replay buffer, so a slow connection costs the
 * stream nothing and holds no more than the replay buffer already does.
 */
final class StreamFollower implements Follower, HubStreamImpl.Listener {

  private static final int BATCH = 64;

  private final HubStreamImpl stream;
  private final EventSink sink;
  private final Context context;
  private final Thread thread;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  // Written on the follower's thread, read by the stream's for backpressure.
  private volatile long cursor;
  private boolean pumping;
  private volatile boolean closed;

  StreamFollower(HubStreamImpl stream, long cursor, EventSink sink) {
    this.stream = stream;
    this.cursor = cursor;
    this.sink = sink;
    this.context = Vertx.currentContext();
    this.thread = Thread.currentThread();
    if (context == null) {
      throw new IllegalStateException("follow() must be called on an event loop");
    }
  }

  void start() {
    pump();
  }

  /** Marks a follower that has nothing to follow as done, without detaching (it never attached). */
  void finished() {
    closed = true;
  }

  @Override
  public HubStream stream() {
    return stream;
  }

  @Override
  public long cursor() {
    return cursor;
  }

  @Override
  public long readerCursor() {
    return closed ? -1 : cursor;
  }

  @Override
  public void drained() {
    pump();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      stream.detach(this);
    }
  }

  @Override
  public void appended(StreamEvent event) {
    if (closed) {
      return;
    }
    if (Thread.currentThread() != thread) {
      if (scheduled.compareAndSet(false, true)) {
        context.runOnContext(v -> {
          scheduled.set(false);
          pump();
        });
      }
      return;
    }
    if (!pumping && event.seq() == cursor + 1 && !sink.writeQueueFull()) {
      write(event);
    } else {
      pump();
    }
  }

  private void pump() {
    if (closed || pumping) {
      return;
    }
    pumping = true;
    try {
      while (!closed && !sink.writeQueueFull()) {
        ReplayBuffer.Replay replay = stream.readFrom(cursor, BATCH);
        if (replay.snapshot() != null) {
          sink.write(replay.snapshot());
          cursor = replay.snapshot().seq();
          stream.readerAdvanced();
        } else if (replay.reset()) {
          stream.resetSent();
          long resumeFrom = replay.events().isEmpty() ? replay.lastSeq() + 1 : replay.events().get(0).seq();
          sink.write(StreamEvent.reset(stream.id(), stream.requestId(), cursor, resumeFrom));
          cursor = resumeFrom - 1;
          stream.readerAdvanced();
        }
        if (replay.events().isEmpty()) {
          return;
        }
        for (StreamEvent event : replay.events()) {
          if (closed || event.seq() <= cursor) {
            continue;
          }
          if (sink.writeQueueFull()) {
            return;
          }
          write(event);
        }
      }
    } finally {
      pumping = false;
    }
  }

  private void write(StreamEvent event) {
    cursor = event.seq();
    sink.write(event);
    if (event.type() == StreamEvent.Type.END) {
      close();
    } else {
      stream.readerAdvanced();
    }
  }
}
