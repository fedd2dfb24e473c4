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
import io.vertx.core.Vertx;
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

  private final Context providerContext;
  private final Promise<RecordedStream> terminal = Promise.promise();
  private final List<Event> events = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final StringBuilder text = new StringBuilder();
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
  public synchronized void text(String delta) {
    if (record("text", delta)) {
      text.append(delta);
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
   * off runs the plugin's drain handler on the provider's event loop.
   *
   * @param full whether the gateway's buffer is full
   */
  public void setWriteQueueFull(boolean full) {
    writeQueueFull = full;
    if (!full) {
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
    if (Vertx.currentContext() != providerContext) {
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

  /** @return the number of text deltas received */
  public synchronized int textChunks() {
    return (int) events.stream().filter(event -> event.kind().equals("text")).count();
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
