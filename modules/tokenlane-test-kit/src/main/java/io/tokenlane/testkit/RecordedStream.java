package io.tokenlane.testkit;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link StreamSink} that records every call a plugin makes and checks the SPI's rules as it goes: calls
 * come from the provider's event loop, exactly one terminal call, nothing after the terminal call or after
 * cancel. Rule breaks are collected in {@link #violations()} rather than thrown, so a test can assert on them.
 *
 * <p>Written on the provider's event loop; the getters are synchronized and safe from the test thread.
 *
 * @since 1.0
 */
public final class RecordedStream implements StreamSink {

  /** One recorded sink call. */
  public record Event(String kind, Object value) {
  }

  private record TextWaiter(int count, Promise<RecordedStream> promise) {
  }

  private final Context providerContext;
  private final Promise<RecordedStream> terminal = Promise.promise();
  private final List<Event> events = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private final List<TextWaiter> textWaiters = new ArrayList<>();
  private int textChunks;
  // The thread, not the context, is what must match: Vert.x 5 runs timer and HTTP client callbacks on duplicates
  // of the verticle's context, all on the same event-loop thread.
  private volatile Thread providerThread;
  private ProviderStream handle;
  private boolean cancelled;
  private boolean ended;
  private FinishReason finishReason;
  private ProviderError error;
  private Usage usage;
  private int terminalCalls;
  private volatile boolean writeQueueFull;
  private Handler<Void> drainHandler;

  RecordedStream(Context providerContext) {
    this.providerContext = providerContext;
  }

  void started() {
    providerThread = Thread.currentThread();
  }

  synchronized void attach(ProviderStream handle) {
    if (handle == null) {
      violations.add("stream() returned null instead of a ProviderStream");
    }
    this.handle = handle;
  }

  synchronized void thrown(RuntimeException e) {
    violations.add("stream() threw " + e);
    if (!ended) {
      error = ProviderError.upstream(String.valueOf(e.getMessage()));
      finish();
    }
  }

  @Override
  public void text(String delta) {
    List<TextWaiter> due;
    synchronized (this) {
      if (!record("text", delta)) {
        return;
      }
      text.append(delta);
      textChunks++;
      due = takeTextWaiters(false);
    }
    // Completed outside the lock: a waiter's callback may act on this stream (cancel it, fill its queue).
    due.forEach(waiter -> waiter.promise().tryComplete(this));
  }

  @Override
  public synchronized void reasoning(String delta) {
    if (record("reasoning", delta)) {
      reasoning.append(delta);
    }
  }

  @Override
  public synchronized void toolCalls(JsonArray toolCalls) {
    record("toolCalls", toolCalls);
  }

  @Override
  public synchronized void usage(Usage usage) {
    if (record("usage", usage)) {
      this.usage = usage;
    }
  }

  @Override
  public synchronized void end(FinishReason reason) {
    terminalCalls++;
    if (record("end", reason)) {
      finishReason = reason;
      finish();
    }
  }

  @Override
  public synchronized void fail(ProviderError error) {
    terminalCalls++;
    if (record("fail", error)) {
      this.error = error;
      finish();
    }
  }

  @Override
  public boolean writeQueueFull() {
    return writeQueueFull;
  }

  @Override
  public synchronized void drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
  }

  /**
   * Simulates a slow client: while {@code full}, {@link #writeQueueFull()} answers {@code true}; turning it
   * off after it was on runs the plugin's drain handler on the provider's event loop.
   *
   * <p>Called from a {@link #textChunksReceived} callback registered before the stream started (see
   * {@link ProviderHarness#start(io.tokenlane.spi.ChatRequest, Handler)}), it takes effect between two
   * text calls, so a plugin that checks the queue before each call stops at exactly that chunk.
   *
   * @param full whether the gateway's buffer is full
   */
  public void setWriteQueueFull(boolean full) {
    boolean wasFull;
    synchronized (this) {
      wasFull = writeQueueFull;
      writeQueueFull = full;
    }
    // Like a real write queue, drain only follows a full queue: a plugin may count on that.
    if (wasFull && !full) {
      providerContext.runOnContext(v -> {
        Handler<Void> handler;
        synchronized (this) {
          handler = drainHandler;
        }
        if (handler != null) {
          handler.handle(null);
        }
      });
    }
  }

  /**
   * Cancels the stream the way the gateway does: {@link ProviderStream#cancel()} on the provider's event loop.
   * The terminal future then completes (without a finish reason or error) if the plugin had not ended yet.
   *
   * @return completes once cancel has run
   */
  public Future<Void> cancel() {
    Promise<Void> done = Promise.promise();
    providerContext.runOnContext(v -> {
      ProviderStream toCancel;
      synchronized (this) {
        if (ended || cancelled) {
          done.complete();
          return;
        }
        cancelled = true;
        toCancel = handle;
      }
      try {
        if (toCancel != null) {
          toCancel.cancel();
        }
      } catch (RuntimeException e) {
        synchronized (this) {
          violations.add("cancel() threw " + e);
        }
      }
      synchronized (this) {
        finish();
      }
      done.complete();
    });
    return done.future();
  }

  private boolean record(String kind, Object value) {
    if (Thread.currentThread() != providerThread) {
      violations.add(kind + " called off the provider's event loop (thread " + Thread.currentThread().getName() + ")");
    }
    if (cancelled) {
      violations.add(kind + " called after cancel");
      return false;
    }
    if (ended) {
      violations.add(kind + " called after the terminal call");
      return false;
    }
    events.add(new Event(kind, value));
    return true;
  }

  private void finish() {
    ended = true;
    terminal.tryComplete(this);
    for (TextWaiter waiter : takeTextWaiters(true)) {
      waiter.promise().tryFail(new IllegalStateException("the stream " + (cancelled ? "was cancelled" : "ended")
        + " after " + textChunks + " text chunks, before the awaited " + waiter.count()));
    }
  }

  private List<TextWaiter> takeTextWaiters(boolean all) {
    List<TextWaiter> due = new ArrayList<>();
    textWaiters.removeIf(waiter -> (all || waiter.count() <= textChunks) && due.add(waiter));
    return due;
  }

  /**
   * Completes once the plugin made {@code count} text calls.
   *
   * <p>The future completes on the provider's event loop, inside the {@code count}-th {@code text} call, when it
   * was asked for before that call; its callbacks then run before the plugin's next sink call. It fails when the
   * stream ends or is cancelled first.
   *
   * @param count the number of text calls to wait for
   * @return the recording
   */
  public Future<RecordedStream> textChunksReceived(int count) {
    List<TextWaiter> due;
    Promise<RecordedStream> promise = Promise.promise();
    synchronized (this) {
      if (ended && textChunks < count) {
        return Future.failedFuture(new IllegalStateException("the stream ended after " + textChunks
          + " text chunks, before the awaited " + count));
      }
      textWaiters.add(new TextWaiter(count, promise));
      due = takeTextWaiters(false);
    }
    due.forEach(waiter -> waiter.promise().tryComplete(this));
    return promise.future();
  }

  /**
   * Completes when the plugin ended or failed the stream, or once it was cancelled.
   *
   * @return the recording
   */
  public Future<RecordedStream> terminal() {
    return terminal.future();
  }

  /** @return every call in order */
  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /** @return all text deltas concatenated */
  public synchronized String text() {
    return text.toString();
  }

  /** @return all reasoning deltas concatenated, apart from the answer text */
  public synchronized String reasoning() {
    return reasoning.toString();
  }

  /** @return the number of text deltas received */
  public synchronized int textChunks() {
    return textChunks;
  }

  /** @return the finish reason of a normal end, or {@code null} */
  public synchronized FinishReason finishReason() {
    return finishReason;
  }

  /** @return the error of a failed stream, or {@code null} */
  public synchronized ProviderError error() {
    return error;
  }

  /** @return the last usage reported, or {@code null} */
  public synchronized Usage usage() {
    return usage;
  }

  /** @return how many terminal calls ({@code end} or {@code fail}) the plugin made, counting late ones */
  public synchronized int terminalCalls() {
    return terminalCalls;
  }

  /** @return whether the test cancelled the stream */
  public synchronized boolean isCancelled() {
    return cancelled;
  }

  /** @return the rule breaks seen so far, empty for a well-behaved plugin */
  public synchronized List<String> violations() {
    return List.copyOf(violations);
  }
}
