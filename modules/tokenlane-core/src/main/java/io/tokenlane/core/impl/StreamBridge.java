package io.tokenlane.core.impl;

import io.tokenlane.core.metrics.Meters;
import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.OpenAiChunk;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import java.util.function.Consumer;

/**
 * Carries one stream from a provider's sink calls to the transport observing it, on the client connection's event
 * loop.
 *
 * <p>Sink calls append to a {@link Handoff}; the first append after a drain schedules a drain on the client's
 * context, so everything a provider reports in one event-loop turn (one upstream read) reaches the transport as
 * one batch: consecutive text deltas as one {@code onText}, then {@code flush()}, which a transport turns into one
 * write. When the provider runs on the client's event loop (the usual case: one provider verticle per event loop)
 * the drain is a task on the same thread and no thread is crossed; otherwise the handoff is lock-free and the
 * drain crosses once per batch. No event-bus serialization either way. Backpressure crosses the same way: the
 * provider is asked to pause while the client's connection or the handoff is full, and is resumed on drain.
 *
 * <p>Threads: fields marked "provider" are touched only on the provider's thread, "client" only on the client's;
 * the rest are volatile or in the handoff.
 */
final class StreamBridge implements StreamSink, ActiveStream {

  /** Chunks queued between provider and client before the provider is asked to pause. */
  static final int MAX_PENDING = 512;
  /** Chunks queued before a provider that ignores backpressure gets its stream failed: memory stays bounded. */
  static final int HARD_LIMIT = 8 * MAX_PENDING;

  private static final System.Logger LOG = System.getLogger(StreamBridge.class.getName());

  /** The end-of-stream lines. */
  private static final System.Logger STREAMS = System.getLogger("io.tokenlane.streams");
  private final String id;
  private String model = "-";
  private String providerName = "-";
  private io.tokenlane.core.Gateway.StreamLabels labels = io.tokenlane.core.Gateway.StreamLabels.NONE;
  private final Context client;
  private final Context provider;
  private final StreamObserver observer;
  private final boolean forwardsChunks;
  private final SecretRedactor redactor;
  private final Consumer<StreamBridge> onEnded;
  private final Meters.StreamMeter meter;
  private final Handoff handoff;
  private final Handler<Void> drainTask = v -> drain();
  private volatile boolean cancelled;
  private volatile boolean clientFull;
  private volatile boolean providerPaused;
  /** A routed model's attempt: told of the first output, asked on a failure; {@code null} for one provider. */
  private Failover failover;
  private int attempt;
  // provider
  private ProviderStream handle;
  private boolean providerDone;
  private Handler<Void> providerDrain;
  // client
  private boolean ended;
  // The last usage delivered: the upstream's, or the estimate the stream ended with.
  private Usage lastUsage;
  private int promptEstimate;
  private boolean output;

  StreamBridge(String id, Context client, Context provider, boolean sameThread, StreamObserver observer,
               SecretRedactor redactor, Consumer<StreamBridge> onEnded, Meters.StreamMeter meter) {
    this.id = id;
    this.client = client;
    this.provider = provider;
    this.observer = observer;
    this.forwardsChunks = observer.acceptsOpenAiChunks();
    this.redactor = redactor;
    this.onEnded = onEnded;
    this.meter = meter;
    this.handoff = sameThread ? Handoff.sameThread() : Handoff.crossThread();
  }

  /**
   * The prompt's estimated tokens: the usage a stream ends with when its upstream reported none.
   *
   * @param tokens the estimate
   */
  void promptEstimate(long tokens) {
    this.promptEstimate = (int) Math.min(Integer.MAX_VALUE, tokens);
  }

  /** What the end-of-stream log line names. */
  void labels(String model, String provider, io.tokenlane.core.Gateway.StreamLabels labels) {
    this.model = model;
    this.providerName = provider;
    this.labels = labels;
  }

  /**
   * What a routed stream learns from this attempt, on the client's context. Not set for a model served by one
   * provider: then nothing is asked and nothing is wrapped.
   */
  interface Failover {
    /** The first text, tool call or reasoning is being delivered: from now on the stream is this target's. */
    void firstOutput();

    /**
     * The provider ended the stream with an error (not a cancel or an abort by the gateway).
     *
     * @return whether another target took the stream over: then this attempt ends without telling the observer
     */
    boolean failed(ProviderError error);

    /** The stream ended for the client with this attempt. */
    void ended(StreamEnd end);
  }

  /** Makes this stream an attempt of a routed model; the end line names the attempt. */
  void failover(Failover failover, int attempt) {
    this.failover = failover;
    this.attempt = attempt;
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
  public void chunk(OpenAiChunk chunk) {
    if (chunk != null && (forwardsChunks || chunk.hasText() || chunk.hasReasoning() || chunk.hasToolCalls()
      || chunk.hasUsage())) {
      offer(chunk);
    }
  }

  @Override
  public void reasoning(String delta) {
    if (delta != null && !delta.isEmpty()) {
      offer(new Reasoning(delta));
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
    return clientFull || handoff.pending() >= MAX_PENDING;
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
    boolean schedule = handoff.offer(item);
    if (handoff.pending() > HARD_LIMIT) {
      LOG.log(System.Logger.Level.WARNING, "stream " + id + ": provider ignored backpressure, " + HARD_LIMIT
        + " chunks queued; failing the stream");
      cancelled = true;
      abortFromAnyThread(StreamEnd.failed(new ProviderError("client_too_slow",
        "the client reads slower than the upstream produces and the provider did not pause", 503)));
      return;
    }
    if (schedule) {
      client.runOnContext(drainTask);
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

  /**
   * Delivers what is queued, as runs: consecutive text joins into one {@code onText}. While the observer is full
   * nothing more is delivered (a run started goes out whole): the rest waits here, the provider is paused, and the
   * observer's drain resumes both. So a transport that stays full holds at most one run more than its own buffer.
   */
  private void drain() {
    handoff.draining();
    Buffer text = null;
    boolean sentText = false;
    while (!ended) {
      Object item = handoff.peek();
      if (item == null) {
        break;
      }
      boolean isText = item instanceof String || item instanceof OpenAiChunk && !forwardsChunks;
      if (text != null && !isText) {
        flushText(text);
        text = null;
        continue;
      }
      if (text == null && !(item instanceof StreamEnd) && observer.writeQueueFull()) {
        break;
      }
      handoff.poll();
      if (failover != null && !output && isOutput(item)) {
        output = true;
        failover.firstOutput();
      }
      if (item instanceof String delta) {
        meter.token();
        sentText = true;
        text = text == null ? JsonText.escape(delta) : JsonText.appendEscaped(text, delta);
      } else if (isText) {
        OpenAiChunk chunk = (OpenAiChunk) item;
        if (chunk.hasText() || chunk.hasReasoning()) {
          meter.token();
          sentText = true;
        }
        text = unpack(chunk, text);
      } else {
        if (item instanceof OpenAiChunk chunk && (chunk.hasText() || chunk.hasReasoning())
          || item instanceof Reasoning) {
          // Reasoning is generated text too: it counts as tokens and its first delta is the first token seen.
          meter.token();
          sentText = true;
        }
        if (item instanceof StreamEnd && sentText) {
          // The batch's text reaches the client before its end: timed now, so that the end's figures include it.
          meter.delivered();
          sentText = false;
        }
        deliver(item);
      }
    }
    if (sentText) {
      // Once per batch, not per token: tokens of one upstream read reach the client together.
      meter.delivered();
    }
    flushText(text);
    if (ended) {
      while (handoff.poll() != null) {
        // dropped: nothing follows the end
      }
      return;
    }
    guarded(observer::flush);
    if (!ended) {
      clientFull = observer.writeQueueFull();
      if (!clientFull && providerPaused) {
        providerPaused = false;
        resumeProvider();
      }
    }
  }

  /** A chunk for an observer that takes no chunks: its text joins the run, its tool calls and usage follow. */
  private Buffer unpack(OpenAiChunk chunk, Buffer text) {
    Buffer run = text;
    if (chunk.hasReasoning()) {
      // Reasoning goes out apart, in its place: the text run so far first.
      flushText(run);
      run = null;
      Buffer reasoning = chunk.appendReasoningJson(Buffer.buffer(64));
      if (!ended) {
        guarded(() -> observer.onReasoning(reasoning));
      }
    }
    if (chunk.hasText()) {
      run = chunk.appendTextJson(run == null ? Buffer.buffer(64) : run);
    }
    JsonArray calls = chunk.hasToolCalls() ? chunk.toolCalls() : null;
    Usage usage = chunk.usage();
    if (calls == null && usage == null) {
      return run;
    }
    flushText(run);
    if (calls != null && !ended) {
      guarded(() -> observer.onToolCalls(calls));
    }
    if (usage != null) {
      meter.usage(usage.completionTokens());
      lastUsage = usage;
    }
    if (usage != null && !ended) {
      guarded(() -> observer.onUsage(usage));
    }
    return null;
  }

  private void flushText(Buffer text) {
    if (text != null && text.length() > 0 && !ended) {
      guarded(() -> observer.onText(text));
    }
  }

  /** Text, tool calls or reasoning: once one reached the client, a failure is the client's to see. */
  private static boolean isOutput(Object item) {
    return item instanceof String || item instanceof ToolCalls || item instanceof Reasoning
      || item instanceof OpenAiChunk chunk && (chunk.hasText() || chunk.hasReasoning() || chunk.hasToolCalls());
  }

  private void deliver(Object item) {
    if (item instanceof StreamEnd end) {
      if (failover != null && end.isError() && failover.failed(end.error())) {
        // Another target carries on: this attempt ends quietly, the client sees one stream.
        ended = true;
        onEnded.accept(this);
        return;
      }
      finish(end);
    } else if (item instanceof OpenAiChunk chunk) {
      if (chunk.hasUsage()) {
        meter.usage(chunk.usage().completionTokens());
        lastUsage = chunk.usage();
      }
      guarded(() -> observer.onChunk(chunk));
    } else if (item instanceof Usage usage) {
      meter.usage(usage.completionTokens());
      lastUsage = usage;
      guarded(() -> observer.onUsage(usage));
    } else if (item instanceof ToolCalls calls) {
      guarded(() -> observer.onToolCalls(calls.deltas()));
    } else if (item instanceof Reasoning reasoning) {
      guarded(() -> observer.onReasoning(JsonText.escape(reasoning.delta())));
    }
  }

  private void onClientDrained() {
    clientFull = false;
    if (handoff.pending() > 0) {
      // What waited while the client was full goes out now; the drain resumes the provider once it is all out.
      client.runOnContext(drainTask);
    } else if (providerPaused) {
      providerPaused = false;
      resumeProvider();
    }
  }

  @Override
  public void cancel() {
    if (!ended) {
      meter.cancelled();
    }
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
    if (lastUsage == null) {
      // Every stream ends with usage, cancelled and failed ones too: the upstream's, else the gateway's estimate
      // (the prompt's estimate, and the deltas delivered), marked as such.
      Usage estimate = new Usage(promptEstimate, (int) Math.min(Integer.MAX_VALUE, meter.tokens()), true);
      lastUsage = estimate;
      guarded(() -> observer.onUsage(estimate));
    }
    ended = true;
    StreamEnd shown = end.isError() ? StreamEnd.failed(redact(end.error())) : end;
    meter.ended(shown);
    if (STREAMS.isLoggable(System.Logger.Level.INFO)) {
      STREAMS.log(System.Logger.Level.INFO, endLine(shown));
    }
    if (failover != null) {
      failover.ended(shown);
    }
    try {
      observer.onEnd(shown);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "transport failed to end stream " + id, e);
    } finally {
      onEnded.accept(this);
    }
  }

  /**
   * One line per stream end, logger {@code io.tokenlane.streams}: ids, model, provider, transport, tokens, time to first
   * token, duration and reason. Never the prompt or the answer.
   */
  private String endLine(StreamEnd end) {
    long ttft = meter.timeToFirstTokenMillis();
    return "stream " + id + " requestId=" + (labels.requestId() == null ? "-" : labels.requestId())
      + " session=" + (labels.sessionId() == null ? "-" : labels.sessionId())
      + " model=" + model + " provider=" + providerName + (attempt > 0 ? " attempt=" + attempt : "")
      + " transport=" + labels.transport()
      + " tokens=" + meter.tokens() + " promptTokens=" + (lastUsage == null ? promptEstimate : lastUsage.promptTokens())
      + " usage=" + (lastUsage == null || lastUsage.estimated() ? "estimated" : "upstream")
      + " ttftMs=" + (ttft < 0 ? "-" : Long.toString(ttft))
      + " durationMs=" + meter.durationMillis() + " reason=" + end.reason().wireName()
      + (end.isError() ? " error=" + end.error().code() : "");
  }

  private ProviderError redact(ProviderError error) {
    return new ProviderError(error.code(), redactor.redact(error.message()), error.httpStatus(), error.retryAfterMs());
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

  /** A reasoning delta: never joined with the answer's text runs. */
  private record Reasoning(String delta) {
  }
}
