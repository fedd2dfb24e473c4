package io.tokenlane.core.impl;

import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Carries one stream from a provider verticle's event loop to the client connection's event loop.
 *
 * <p>The provider side ({@link StreamSink}) appends to a lock-free queue and schedules at most one drain on the
 * client's context at a time, so a burst of chunks costs one hop, and consecutive text deltas reach the
 * transport as one write. No event-bus serialization on this path. Backpressure crosses the same way: the
 * provider is asked to pause while the client's connection or this queue is full, and is resumed on drain.
 *
 * <p>Threads: fields marked "provider" are touched only on the provider's event loop, "client" only on the
 * client's; the rest are volatile or atomic.
 */
final class StreamBridge implements StreamSink, ActiveStream {

  /** Chunks queued between the two event loops before the provider is asked to pause. */
  static final int MAX_PENDING = 512;
  /** Chunks queued before a provider that ignores backpressure gets its stream failed: memory stays bounded. */
  static final int HARD_LIMIT = 8 * MAX_PENDING;

  private static final System.Logger LOG = System.getLogger(StreamBridge.class.getName());

  private final String id;
  private final Context client;
  private final Context provider;
  private final StreamObserver observer;
  private final SecretRedactor redactor;
  private final Consumer<StreamBridge> onEnded;
  private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private volatile boolean cancelled;
  private volatile boolean clientFull;
  private volatile boolean providerPaused;
  // provider
  private ProviderStream handle;
  private boolean providerDone;
  private Handler<Void> providerDrain;
  // client
  private boolean ended;

  StreamBridge(String id, Context client, Context provider, StreamObserver observer, SecretRedactor redactor,
               Consumer<StreamBridge> onEnded) {
    this.id = id;
    this.client = client;
    this.provider = provider;
    this.observer = observer;
    this.redactor = redactor;
    this.onEnded = onEnded;
  }

  void start(ProviderVerticle verticle, ChatRequest request) {
    observer.drainHandler(v -> onClientDrained());
    provider.runOnContext(v -> {
      if (cancelled) {
        providerDone = true;
        return;
      }
      try {
        handle = verticle.stream(request, this);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "provider failed to start stream " + id + ": " + e.getClass().getName());
        fail(ProviderError.upstream("the provider failed to start the stream"));
      }
    });
  }

  @Override
  public String id() {
    return id;
  }

  // ---- provider side ----

  @Override
  public void text(String delta) {
    if (delta != null && !delta.isEmpty()) {
      offer(delta);
    }
  }

  @Override
  public void toolCalls(JsonArray toolCalls) {
    if (toolCalls != null) {
      offer(new ToolCalls(toolCalls.copy()));
    }
  }

  @Override
  public void usage(Usage usage) {
    if (usage != null) {
      offer(usage);
    }
  }

  @Override
  public void end(FinishReason reason) {
    terminal(StreamEnd.finished(reason == null ? FinishReason.STOP : reason));
  }

  @Override
  public void fail(ProviderError error) {
    terminal(StreamEnd.failed(error == null ? ProviderError.upstream("unknown provider error") : error));
  }

  @Override
  public boolean writeQueueFull() {
    if (!isFull()) {
      return false;
    }
    // Flag first, then look again: the client side clears its state and then reads the flag, so one of the two
    // always sees the other and a pause can never miss its resume.
    providerPaused = true;
    if (isFull()) {
      return true;
    }
    providerPaused = false;
    return false;
  }

  private boolean isFull() {
    return clientFull || pending.get() >= MAX_PENDING;
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    providerDrain = handler;
  }

  private void terminal(StreamEnd end) {
    if (!providerDone && !cancelled) {
      offer(end);
    }
    providerDone = true;
  }

  private void offer(Object item) {
    if (providerDone || cancelled) {
      return;
    }
    queue.add(item);
    if (pending.incrementAndGet() > HARD_LIMIT) {
      LOG.log(System.Logger.Level.WARNING, "stream " + id + ": provider ignored backpressure, " + HARD_LIMIT
        + " chunks queued; failing the stream");
      cancelled = true;
      abortFromAnyThread(StreamEnd.failed(new ProviderError("client_too_slow",
        "the client reads slower than the upstream produces and the provider did not pause", 503)));
      return;
    }
    if (drainScheduled.compareAndSet(false, true)) {
      client.runOnContext(v -> drain());
    }
  }

  private void resumeProvider() {
    provider.runOnContext(v -> {
      Handler<Void> handler = providerDrain;
      if (!providerDone && handler != null) {
        handler.handle(null);
      }
    });
  }

  // ---- client side ----

  private void drain() {
    drainScheduled.set(false);
    String text = null;
    StringBuilder joined = null;
    Object item;
    while ((item = queue.poll()) != null) {
      pending.decrementAndGet();
      if (ended) {
        continue;
      }
      if (item instanceof String delta) {
        if (text == null) {
          text = delta;
        } else {
          joined = (joined == null ? new StringBuilder(text) : joined).append(delta);
        }
        continue;
      }
      flushText(joined != null ? joined.toString() : text);
      text = null;
      joined = null;
      if (!ended) {
        deliver(item);
      }
    }
    flushText(joined != null ? joined.toString() : text);
    if (!ended) {
      clientFull = observer.writeQueueFull();
      if (!clientFull && providerPaused) {
        providerPaused = false;
        resumeProvider();
      }
    }
  }

  private void flushText(String text) {
    if (text != null && !ended) {
      guarded(() -> observer.onText(text));
    }
  }

  private void deliver(Object item) {
    if (item instanceof StreamEnd end) {
      finish(end);
    } else if (item instanceof Usage usage) {
      guarded(() -> observer.onUsage(usage));
    } else if (item instanceof ToolCalls calls) {
      guarded(() -> observer.onToolCalls(calls.deltas()));
    }
  }

  private void onClientDrained() {
    clientFull = false;
    if (providerPaused && pending.get() < MAX_PENDING) {
      providerPaused = false;
      resumeProvider();
    }
  }

  @Override
  public void cancel() {
    abort(StreamEnd.cancelled());
  }

  /**
   * Ends the stream from the client side with {@code end} and tells the provider to abort. Client context.
   *
   * @param end the terminal event the client receives
   */
  void abort(StreamEnd end) {
    if (ended) {
      return;
    }
    cancelled = true;
    // Queue the provider's cancel before finishing: finishing may complete a shutdown drain that undeploys the
    // provider, and its stop() must come after the cancel.
    provider.runOnContext(v -> {
      if (providerDone) {
        return;
      }
      providerDone = true;
      if (handle != null) {
        try {
          handle.cancel();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "provider failed to cancel stream " + id + ": " + e.getClass().getName());
        }
      }
    });
    finish(end);
  }

  /**
   * Runs {@link #abort} on the client's context, from any thread.
   *
   * @param end the terminal event the client receives
   */
  void abortFromAnyThread(StreamEnd end) {
    client.runOnContext(v -> abort(end));
  }

  private void finish(StreamEnd end) {
    if (ended) {
      return;
    }
    ended = true;
    StreamEnd shown = end.isError() ? StreamEnd.failed(redact(end.error())) : end;
    try {
      observer.onEnd(shown);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "transport failed to end stream " + id, e);
    } finally {
      onEnded.accept(this);
    }
  }

  private ProviderError redact(ProviderError error) {
    return new ProviderError(error.code(), redactor.redact(error.message()), error.httpStatus());
  }

  private void guarded(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "transport failed on stream " + id, e);
      if (!ended) {
        abort(StreamEnd.failed(new ProviderError("internal_error", "the gateway failed to deliver the stream", 500)));
      }
    }
  }

  private record ToolCalls(JsonArray deltas) {
  }
}
