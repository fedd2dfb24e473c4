package io.tokenlane.provider.mock;

import io.tokenlane.provider.mock.MockOptions.Failure;
import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.Context;
import io.vertx.core.json.JsonArray;
import java.util.function.Consumer;

/**
 * One simulated generation. Lives on the provider verticle's event loop: every method runs there, so the state
 * needs no locks. Each text call carries one token, as a real upstream's stream event does.
 */
final class MockStream implements ProviderStream {

  /** Tokens sent per event-loop turn when unpaced: fast, yet other streams on the loop get a turn in between. */
  static final int BATCH_TOKENS = 64;
  /** The shortest timer period when paced: faster rates send several tokens per tick instead of more timers. */
  static final long MIN_TICK_MS = 4;

  private enum State { WAITING, RUNNING, PAUSED, STALLED, CLOSED }

  private final Context context;
  private final StreamSink sink;
  private final MockOptions options;
  private final Consumer<MockStream> onClosed;
  private final MockText text;
  private final int promptTokens;
  private final int stopAt;
  private final FinishReason finishReason;
  private State state = State.WAITING;
  private int emitted;
  private long timerId = -1;
  private long paceStartNanos;
  private int paceStartCount;

  MockStream(Context context, MockOptions options, ChatRequest request, StreamSink sink,
             Consumer<MockStream> onClosed) {
    this.context = context;
    this.sink = sink;
    this.options = options;
    this.onClosed = onClosed;
    JsonArray messages = request.messages();
    this.text = MockText.answering(options.seed(), messages);
    this.promptTokens = MockText.promptTokens(messages);
    Integer maxTokens = request.maxTokens();
    boolean capped = maxTokens != null && maxTokens < options.length();
    int answerTokens = capped ? Math.max(0, maxTokens) : options.length();
    this.finishReason = capped ? FinishReason.LENGTH : FinishReason.STOP;
    boolean failsMidStream = options.failure() == Failure.ERROR_MID_STREAM || options.failure() == Failure.STALL;
    this.stopAt = failsMidStream ? Math.min(options.failurePoint(), answerTokens) : answerTokens;
  }

  /** Schedules the first token; the caller gets this handle back before any sink call. */
  void start() {
    if (options.ttftMs() > 0) {
      timerId = context.owner().setTimer(options.ttftMs(), id -> firstToken());
    } else {
      context.runOnContext(v -> firstToken());
    }
  }

  @Override
  public void cancel() {
    close();
  }

  /** Fails the stream, if still open, because the provider is being undeployed under it. */
  void providerStopped() {
    if (close()) {
      sink.fail(new ProviderError(ProviderError.UNAVAILABLE, "mock: the provider was stopped", 502));
    }
  }

  private void firstToken() {
    timerId = -1;
    if (state != State.WAITING) {
      return;
    }
    if (options.failure() == Failure.ERROR_BEFORE_FIRST_TOKEN) {
      close();
      sink.fail(ProviderError.upstream("mock: injected failure before the first token"));
      return;
    }
    state = State.RUNNING;
    resume();
  }

  private void resume() {
    if (options.tokensPerSecond() > 0) {
      startPacing();
    } else {
      pump();
    }
  }

  private void pump() {
    emit(BATCH_TOKENS);
    if (state == State.RUNNING) {
      // A new task rather than a loop, so that other streams and I/O on this event loop are not starved.
      context.runOnContext(v -> pump());
    }
  }

  private void startPacing() {
    paceStartNanos = System.nanoTime();
    paceStartCount = emitted;
    emit(1);
    if (state == State.RUNNING) {
      long tickMs = Math.max(MIN_TICK_MS, (long) (1000 / options.tokensPerSecond()));
      timerId = context.owner().setPeriodic(tickMs, id -> emit(dueTokens()));
    }
  }

  // Tokens owed by the clock since pacing (re)started, so the average rate holds whatever the timer jitter. A tick
  // sends at most one batch, for fairness: paced rates above BATCH_TOKENS per MIN_TICK_MS (16,000/s) are capped.
  private int dueTokens() {
    double elapsedSeconds = (System.nanoTime() - paceStartNanos) / 1e9;
    long owed = 1 + (long) (elapsedSeconds * options.tokensPerSecond()) - (emitted - paceStartCount);
    return (int) Math.max(0, Math.min(owed, BATCH_TOKENS));
  }

  private void emit(int budget) {
    for (int i = 0; i < budget && state == State.RUNNING && emitted < stopAt; i++) {
      if (sink.writeQueueFull()) {
        pause();
        return;
      }
      sink.text(text.next());
      emitted++;
    }
    if (state == State.RUNNING && emitted == stopAt) {
      reachStop();
    }
  }

  private void pause() {
    state = State.PAUSED;
    cancelTimer();
    sink.drainHandler(v -> {
      if (state == State.PAUSED) {
        state = State.RUNNING;
        resume();
      }
    });
  }

  private void reachStop() {
    if (options.failure() == Failure.STALL) {
      // Like an upstream that went silent with the connection open: only a cancel or a timeout ends it.
      state = State.STALLED;
      cancelTimer();
      return;
    }
    close();
    sink.usage(new Usage(promptTokens, emitted));
    if (options.failure() == Failure.ERROR_MID_STREAM) {
      sink.fail(ProviderError.upstream("mock: injected failure after " + emitted + " tokens"));
    } else {
      sink.end(finishReason);
    }
  }

  private boolean close() {
    if (state == State.CLOSED) {
      return false;
    }
    state = State.CLOSED;
    cancelTimer();
    onClosed.accept(this);
    return true;
  }

  private void cancelTimer() {
    if (timerId != -1) {
      context.owner().cancelTimer(timerId);
      timerId = -1;
    }
  }
}
