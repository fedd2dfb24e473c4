package io.tokenlane.transport.http;

import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * What every server-sent-events writer of a stream shares: events accumulate in one buffer per batch and go out
 * in one write at {@link #flush()}; the status line waits for the first write, so that a failure before the first
 * event still gets its real HTTP status and the API's error body; keep-alives while silent; backpressure from the
 * client's connection; a cancelled stream resets the connection. Called on the connection's event loop.
 */
public abstract class EventStreamWriter implements StreamObserver, KeepAlives.Member {

  /** The response. */
  protected final HttpServerResponse response;
  private final ChunkedBody body;
  private final Context context;
  private final KeepAlives keepAlives;
  private volatile long lastWriteNanos = System.nanoTime();
  private Buffer pending;
  private boolean started;

  /**
   * Registers the writer for keep-alives.
   *
   * @param body the body of the client's response
   * @param response the client's response
   * @param context the connection's event loop
   * @param keepAlives the API's keep-alive timer
   */
  protected EventStreamWriter(ChunkedBody body, HttpServerResponse response, Context context, KeepAlives keepAlives) {
    this.body = body;
    this.response = response;
    this.context = context;
    this.keepAlives = keepAlives;
    keepAlives.add(this);
  }

  /**
   * The buffer of the batch being written: once the head is out, pooled memory the body writes framed where it is
   * ({@link ChunkedBody#buffer(int)}).
   *
   * @param sizeHint bytes about to be appended
   * @return the buffer
   */
  protected final Buffer pending(int sizeHint) {
    if (pending == null) {
      pending = body.buffer(Math.max(sizeHint, 256));
    }
    return pending;
  }

  /** @return whether anything was written or is about to be: too late for an HTTP error status */
  protected final boolean committed() {
    return started || pending != null;
  }

  /** Stops keep-alives: the stream did not open. */
  public final void detach() {
    keepAlives.remove(this);
  }

  @Override
  public final void flush() {
    Buffer batch = pending;
    pending = null;
    if (batch == null) {
      return;
    }
    if (body.releaseIfClosed(batch)) {
      return;
    }
    start();
    lastWriteNanos = System.nanoTime();
    body.write(batch);
  }

  @Override
  public final void onEnd(StreamEnd end) {
    keepAlives.remove(this);
    if (response.closed() || response.ended() || end.reason() == StreamEnd.Reason.CANCELLED) {
      // Nothing more goes out: the batch's memory goes back.
      Buffer dropped = pending;
      pending = null;
      if (dropped != null) {
        body.release(dropped);
      }
    }
    if (response.closed() || response.ended()) {
      return;
    }
    if (end.reason() == StreamEnd.Reason.CANCELLED) {
      response.reset();
    } else {
      end(end);
    }
  }

  /**
   * Writes the end of a stream that did not end cancelled: call {@link #finish()} or answer with an error status.
   *
   * @param end why it ended
   */
  protected abstract void end(StreamEnd end);

  /** Writes what is pending and ends the response. */
  protected final void finish() {
    Buffer last = pending == null ? Buffer.buffer() : pending;
    pending = null;
    start();
    body.end(last);
  }

  /**
   * Appends a keep-alive to {@code out} (and whatever must precede it when nothing was written yet).
   *
   * @param out the pending batch
   */
  protected abstract void appendKeepAlive(Buffer out);

  @Override
  public final Context context() {
    return context;
  }

  @Override
  public final long lastWriteNanos() {
    return lastWriteNanos;
  }

  @Override
  public final void keepAlive(long intervalNanos) {
    if (!response.ended() && !response.closed() && System.nanoTime() - lastWriteNanos >= intervalNanos) {
      appendKeepAlive(pending(64));
      flush();
    }
  }

  @Override
  public final boolean writeQueueFull() {
    return response.writeQueueFull();
  }

  @Override
  public final void drainHandler(Handler<Void> handler) {
    response.drainHandler(handler);
  }

  private void start() {
    if (started) {
      return;
    }
    started = true;
    body.eventStreamHead();
  }
}
