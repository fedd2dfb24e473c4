package io.tokenlane.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.Gateway;
import io.tokenlane.core.GatewayException;
import io.tokenlane.core.GatewayOptions;
import io.tokenlane.core.plugin.PluginCatalog;
import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GatewayTest {

  private static final String SECRET = "sk-test-0123456789";

  private Vertx vertx;
  private Gateway gateway;
  private Context client;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    List<String> problems = new ArrayList<>();
    GatewayOptions options = GatewayOptions.fromJson(new JsonObject()
      .put("providers", new JsonObject().put("scripted", new JsonObject().put("type", "scripted")
        .put("instances", 2).put("config", new JsonObject().put("apiKey", SECRET))))
      .put("models", new JsonObject().put("public-model", new JsonObject()
        .put("provider", "scripted").put("model", "upstream-model"))), problems);
    PluginCatalog catalog = PluginCatalog.load(getClass().getClassLoader(), null);
    problems.addAll(options.validatePlugins(catalog));
    assertTrue(problems.isEmpty(), problems.toString());
    gateway = Gateway.start(vertx, options, catalog).await(10, TimeUnit.SECONDS);
    client = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() throws Exception {
    ScriptedProviderFactory.behaviour = (request, sink) -> () -> { };
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Records what a transport would see, and checks it is called on the opening context. */
  private class Recorder implements StreamObserver {
    final List<String> events = new ArrayList<>();
    final Promise<StreamEnd> end = Promise.promise();
    final List<String> wrongThread = new ArrayList<>();
    volatile boolean full;
    Handler<Void> drain;

    @Override
    public void onText(Buffer text) {
      check("text");
      events.add("text:" + JsonText.decode(text));
    }

    @Override
    public void onToolCalls(JsonArray toolCalls) {
      check("tools");
      events.add("tools:" + toolCalls.encode());
    }

    @Override
    public void onUsage(Usage usage) {
      check("usage");
      events.add("usage:" + usage.totalTokens() + (usage.estimated() ? "~" : ""));
    }

    @Override
    public void onEnd(StreamEnd streamEnd) {
      check("end");
      events.add("end:" + streamEnd.reason().wireName());
      end.complete(streamEnd);
    }

    @Override
    public boolean writeQueueFull() {
      return full;
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
      drain = handler;
    }

    private void check(String what) {
      if (Vertx.currentContext() != client) {
        wrongThread.add(what);
      }
    }
  }

  private JsonObject body(String model) {
    return new JsonObject().put("model", model)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  private ActiveStream open(Recorder recorder) throws Exception {
    Promise<ActiveStream> opened = Promise.promise();
    client.runOnContext(v -> opened.complete(gateway.open(body("public-model"), "s-1", recorder)));
    return opened.future().await(5, TimeUnit.SECONDS);
  }

  @Test
  void chunksReachTheObserverInOrderOnTheOpeningContextWithOneEnd() throws Exception {
    AtomicReference<String> upstreamModel = new AtomicReference<>();
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      upstreamModel.set(request.model());
      sink.text("Hel");
      sink.text("lo");
      sink.toolCalls(new JsonArray().add(new JsonObject().put("index", 0)));
      sink.text(" world");
      sink.usage(new Usage(3, 2));
      sink.end(FinishReason.STOP);
      sink.text("ignored after the end");
      sink.end(FinishReason.LENGTH);
      return () -> { };
    };
    Recorder recorder = new Recorder();
    open(recorder);
    assertEquals(StreamEnd.Reason.STOP, recorder.end.future().await(5, TimeUnit.SECONDS).reason());
    assertEquals(List.of("text:Hello", "tools:[{\"index\":0}]", "text: world", "usage:5", "end:stop"),
      mergeText(recorder.events));
    assertEquals("upstream-model", upstreamModel.get());
    assertTrue(recorder.wrongThread.isEmpty(), recorder.wrongThread.toString());
    waitFor(() -> gateway.activeStreams() == 0);
  }

  @Test
  void cancelEndsTheStreamAtOnceAndAbortsTheProviderOnItsOwnLoop() throws Exception {
    AtomicReference<StreamSink> sinkRef = new AtomicReference<>();
    Promise<Context> cancelledOn = Promise.promise();
    AtomicReference<Context> providerContext = new AtomicReference<>();
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      sinkRef.set(sink);
      providerContext.set(Vertx.currentContext());
      sink.text("first");
      return () -> cancelledOn.complete(Vertx.currentContext());
    };
    Recorder recorder = new Recorder();
    ActiveStream stream = open(recorder);
    waitFor(() -> recorder.events.contains("text:first"));
    client.runOnContext(v -> stream.cancel());
    assertEquals(StreamEnd.Reason.CANCELLED, recorder.end.future().await(5, TimeUnit.SECONDS).reason());
    assertSame(providerContext.get(), cancelledOn.future().await(5, TimeUnit.SECONDS));
    // A late chunk from the provider after the cancel is dropped.
    providerContext.get().runOnContext(v -> sinkRef.get().text("late"));
    settle(providerContext.get());
    // A cancelled stream still ends with its usage: estimated (the prompt's estimate and the one delta), marked so.
    assertEquals(List.of("text:first", "usage:6~", "end:cancelled"), recorder.events);
  }

  @Test
  void aProviderThatThrowsEndsTheStreamWithAnUpstreamError() throws Exception {
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      throw new IllegalStateException("boom with " + SECRET);
    };
    Recorder recorder = new Recorder();
    open(recorder);
    StreamEnd end = recorder.end.future().await(5, TimeUnit.SECONDS);
    assertEquals(ProviderError.UPSTREAM_ERROR, end.error().code());
    assertFalse(end.error().message().contains(SECRET));
  }

  @Test
  void configuredSecretsAreRedactedFromProviderErrors() throws Exception {
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      sink.fail(ProviderError.fromUpstreamStatus(401, "Incorrect API key provided: " + SECRET));
      return () -> { };
    };
    Recorder recorder = new Recorder();
    open(recorder);
    StreamEnd end = recorder.end.future().await(5, TimeUnit.SECONDS);
    assertEquals(ProviderError.UPSTREAM_AUTH, end.error().code());
    assertEquals("Incorrect API key provided: ***", end.error().message());
  }

  @Test
  void aFullClientPausesTheProviderAndItsDrainResumesIt() throws Exception {
    AtomicReference<StreamSink> sinkRef = new AtomicReference<>();
    AtomicBoolean resumed = new AtomicBoolean();
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      sinkRef.set(sink);
      sink.drainHandler(v -> resumed.set(true));
      sink.text("a");
      return () -> { };
    };
    Recorder recorder = new Recorder();
    recorder.full = true;
    open(recorder);
    waitFor(() -> sinkRef.get() != null);
    // The drain that found the client full set the flag the provider reads.
    waitFor(() -> sinkRef.get().writeQueueFull());
    settled();
    assertEquals(List.of(), recorder.events, "nothing is delivered to a full client: it waits in the bridge");
    recorder.full = false;
    client.runOnContext(v -> recorder.drain.handle(null));
    waitFor(() -> recorder.events.contains("text:a"));
    waitFor(resumed::get);
    assertFalse(onProvider(sinkRef, StreamSink::writeQueueFull));
  }

  @Test
  void manyQueuedChunksAskTheProviderToPauseEvenBeforeTheClientIsFull() throws Exception {
    AtomicReference<StreamSink> sinkRef = new AtomicReference<>();
    AtomicReference<Context> providerContext = new AtomicReference<>();
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      sinkRef.set(sink);
      providerContext.set(Vertx.currentContext());
      return () -> { };
    };
    Recorder recorder = new Recorder();
    open(recorder);
    waitFor(() -> sinkRef.get() != null);
    // Hold the client's event loop for a moment so that nothing drains while the provider produces.
    java.util.concurrent.CountDownLatch clientHeld = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    client.runOnContext(v -> {
      clientHeld.countDown();
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(clientHeld.await(5, TimeUnit.SECONDS));
    Promise<Integer> producedBeforeFull = Promise.promise();
    providerContext.get().runOnContext(v -> {
      int produced = 0;
      while (!sinkRef.get().writeQueueFull() && produced < 10 * StreamBridge.MAX_PENDING) {
        sinkRef.get().text("x");
        produced++;
      }
      sinkRef.get().end(FinishReason.STOP);
      producedBeforeFull.complete(produced);
    });
    int produced = producedBeforeFull.future().await(5, TimeUnit.SECONDS);
    release.countDown();
    assertEquals(StreamBridge.MAX_PENDING, produced);
    assertEquals(StreamEnd.Reason.STOP, recorder.end.future().await(5, TimeUnit.SECONDS).reason());
    assertEquals("text:" + "x".repeat(produced), recorder.events.get(0), "queued deltas arrive as one write");
  }

  @Test
  void aTransportThatFailsOnTextStillGetsExactlyOneEndAndNothingAfterIt() throws Exception {
    AtomicReference<Context> providerContext = new AtomicReference<>();
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      providerContext.set(Vertx.currentContext());
      sink.text("boom");
      sink.usage(new Usage(1, 1));
      sink.end(FinishReason.STOP);
      return () -> { };
    };
    Recorder recorder = new Recorder() {
      @Override
      public void onText(Buffer text) {
        super.onText(text);
        throw new IllegalStateException("transport bug");
      }
    };
    open(recorder);
    StreamEnd end = recorder.end.future().await(5, TimeUnit.SECONDS);
    assertEquals("internal_error", end.error().code());
    // The usage and the end the provider sent after the failing text are dropped, not delivered late: the stream
    // ends with the gateway's estimate instead.
    settle(providerContext.get());
    assertEquals(List.of("text:boom", "usage:6~", "end:error"), recorder.events);
    waitFor(() -> gateway.activeStreams() == 0);
  }

  @Test
  void aProviderThatIgnoresBackpressureIsFailedInsteadOfGrowingMemory() throws Exception {
    AtomicReference<StreamSink> sinkRef = new AtomicReference<>();
    AtomicReference<Context> providerContext = new AtomicReference<>();
    AtomicBoolean cancelled = new AtomicBoolean();
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      sinkRef.set(sink);
      providerContext.set(Vertx.currentContext());
      return () -> cancelled.set(true);
    };
    Recorder recorder = new Recorder();
    open(recorder);
    waitFor(() -> sinkRef.get() != null);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    client.runOnContext(v -> {
      held.countDown();
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(held.await(5, TimeUnit.SECONDS));
    Promise<Void> flooded = Promise.promise();
    providerContext.get().runOnContext(v -> {
      for (int i = 0; i < 2 * StreamBridge.HARD_LIMIT; i++) {
        sinkRef.get().text("x");
      }
      flooded.complete();
    });
    flooded.future().await(5, TimeUnit.SECONDS);
    release.countDown();
    StreamEnd end = recorder.end.future().await(5, TimeUnit.SECONDS);
    assertEquals("client_too_slow", end.error().code());
    waitFor(cancelled::get);
  }

  @Test
  void anUnknownModelIsRefusedWith404BeforeAnyProviderRuns() throws Exception {
    Promise<GatewayException> refused = Promise.promise();
    client.runOnContext(v -> refused.complete(assertThrows(GatewayException.class,
      () -> gateway.open(body("nope"), "s-2", new Recorder()))));
    GatewayException e = refused.future().await(5, TimeUnit.SECONDS);
    assertEquals(404, e.status());
    assertEquals("model_not_found", e.code());
  }

  @Test
  void closeRefusesNewStreamsAndEndsOpenOnesWithShuttingDownAfterTheGrace() throws Exception {
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      sink.text("stalled");
      return () -> { };
    };
    Recorder recorder = new Recorder();
    open(recorder);
    waitFor(() -> recorder.events.contains("text:stalled"));
    Future<Void> closed = gateway.close(200);
    assertFalse(gateway.isReady());
    Promise<Integer> refusedStatus = Promise.promise();
    client.runOnContext(v -> {
      try {
        gateway.open(body("public-model"), "s-3", new Recorder());
        refusedStatus.complete(0);
      } catch (GatewayException e) {
        refusedStatus.complete(e.status());
      }
    });
    assertEquals(503, refusedStatus.future().await(5, TimeUnit.SECONDS));
    StreamEnd end = recorder.end.future().await(5, TimeUnit.SECONDS);
    assertEquals("shutting_down", end.error().code());
    closed.await(5, TimeUnit.SECONDS);
    waitFor(() -> gateway.activeStreams() == 0);
  }

  /** Lets the client's event loop run what it has queued. */
  private void settled() throws Exception {
    Promise<Void> done = Promise.promise();
    client.runOnContext(v -> done.complete());
    done.future().await(5, TimeUnit.SECONDS);
  }

  /** Deltas may arrive in one call or several, depending on when the drain runs: compare them merged. */
  private static List<String> mergeText(List<String> events) {
    List<String> merged = new ArrayList<>();
    for (String event : events) {
      int last = merged.size() - 1;
      if (event.startsWith("text:") && last >= 0 && merged.get(last).startsWith("text:")) {
        merged.set(last, merged.get(last) + event.substring(5));
      } else {
        merged.add(event);
      }
    }
    return merged;
  }

  /**
   * Waits until the provider's event loop has run every task queued on it so far, then the client's loop every task
   * queued on it by then: each chunk the provider sent before has been delivered to the observer or dropped (the
   * bridge schedules its drain on the client's loop when the chunk is queued, and event loops run tasks in order).
   */
  private void settle(Context provider) throws Exception {
    Promise<Void> settled = Promise.promise();
    provider.runOnContext(v -> client.runOnContext(x -> settled.complete()));
    settled.future().await(5, TimeUnit.SECONDS);
  }

  private <T> T onProvider(AtomicReference<StreamSink> sink, java.util.function.Function<StreamSink, T> call)
    throws Exception {
    return vertx.executeBlocking(() -> call.apply(sink.get())).await(5, TimeUnit.SECONDS);
  }

  private void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.sleep(5);
    }
  }
}
