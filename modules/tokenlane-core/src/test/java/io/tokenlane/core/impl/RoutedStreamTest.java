package io.tokenlane.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenlane.core.Gateway;
import io.tokenlane.core.GatewayOptions;
import io.tokenlane.core.metrics.Meters;
import io.tokenlane.core.plugin.PluginCatalog;
import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A routed model's stream inside the core: what the observer sees across attempts, and what the meters count.
 * Two scripted providers, told apart by the upstream model name each target sends.
 */
class RoutedStreamTest {

  private Vertx vertx;
  private Gateway gateway;
  private Context client;
  private SimpleMeterRegistry registry;
  private final List<String> calls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    List<String> problems = new ArrayList<>();
    GatewayOptions options = GatewayOptions.fromJson(new JsonObject()
      .put("providers", new JsonObject()
        .put("first", new JsonObject().put("type", "scripted"))
        .put("second", new JsonObject().put("type", "scripted")))
      .put("models", new JsonObject().put("smart", new JsonObject().put("strategy", "ordered")
        .put("targets", new JsonArray()
          .add(new JsonObject().put("provider", "first").put("model", "one"))
          .add(new JsonObject().put("provider", "second").put("model", "two"))))), problems);
    PluginCatalog catalog = PluginCatalog.load(getClass().getClassLoader(), null);
    problems.addAll(options.validatePlugins(catalog));
    assertTrue(problems.isEmpty(), problems.toString());
    registry = new SimpleMeterRegistry();
    gateway = Gateway.start(vertx, options, catalog, new Meters(registry)).await(10, TimeUnit.SECONDS);
    client = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() throws Exception {
    ScriptedProviderFactory.behaviour = (request, sink) -> () -> { };
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** What a transport would see. */
  private static final class Recorder implements StreamObserver {
    final List<String> events = new CopyOnWriteArrayList<>();
    final Promise<StreamEnd> end = Promise.promise();

    @Override
    public void onText(Buffer text) {
      events.add("text:" + JsonText.decode(text));
    }

    @Override
    public void onReasoning(Buffer text) {
      events.add("reasoning:" + JsonText.decode(text));
    }

    @Override
    public void onEnd(StreamEnd streamEnd) {
      events.add("end:" + streamEnd.reason().wireName()
        + (streamEnd.isError() ? ":" + streamEnd.error().code() : ""));
      end.complete(streamEnd);
    }
  }

  private Recorder run() throws Exception {
    Recorder recorder = new Recorder();
    Promise<ActiveStream> opened = Promise.promise();
    client.runOnContext(v -> opened.complete(gateway.open(new JsonObject().put("model", "smart")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))),
      "s-1", recorder)));
    opened.future().await(5, TimeUnit.SECONDS);
    recorder.end.future().await(5, TimeUnit.SECONDS);
    return recorder;
  }

  private double counter(String name, String... tags) {
    var counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aFailureBeforeAnyOutputHandsTheStreamToTheNextTargetAndCountsOneClientStream() throws Exception {
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      calls.add(request.model());
      if (request.model().equals("one")) {
        sink.fail(ProviderError.fromUpstreamStatus(503, "overloaded"));
      } else {
        sink.text("from two");
        sink.end(FinishReason.STOP);
      }
      return () -> { };
    };
    Recorder recorder = run();
    assertEquals(List.of("text:from two", "end:stop"), recorder.events.stream()
      .filter(e -> !e.startsWith("usage")).toList());
    assertEquals(List.of("one", "two"), calls);
    assertEquals(1, counter(Meters.STREAMS_STARTED, Meters.MODEL, "smart"));
    assertEquals(1, counter(Meters.STREAMS_ENDED, Meters.MODEL, "smart", Meters.REASON, "stop"));
    assertEquals(0, counter(Meters.STREAMS_ENDED, Meters.MODEL, "smart", Meters.REASON, "error"));
    assertEquals(1, counter(Meters.UPSTREAM_REQUESTS, Meters.PROVIDER, "first"));
    assertEquals(1, counter(Meters.UPSTREAM_ERRORS, Meters.PROVIDER, "first"));
    assertEquals(1, counter(Meters.UPSTREAM_REQUESTS, Meters.PROVIDER, "second"));
    assertEquals(0, counter(Meters.UPSTREAM_ERRORS, Meters.PROVIDER, "second"));
    // The gateway forgets the stream on its event loop right after the client's end: wait for it, not assume it.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (gateway.activeStreams() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
    assertEquals(0, gateway.activeStreams());
  }

  @Test
  void afterReasoningReachedTheClientAFailureEndsTheStream() throws Exception {
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      calls.add(request.model());
      sink.reasoning("thinking");
      sink.fail(ProviderError.upstream("broken"));
      return () -> { };
    };
    Recorder recorder = run();
    assertTrue(recorder.events.contains("reasoning:thinking"), recorder.events.toString());
    assertEquals("end:error:upstream_error", recorder.events.get(recorder.events.size() - 1));
    assertEquals(List.of("one"), calls);
    assertEquals(1, counter(Meters.UPSTREAM_ERRORS, Meters.PROVIDER, "first"));
  }

  @Test
  void aProviderThatThrowsWhileStartingIsFailedOver() throws Exception {
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      calls.add(request.model());
      if (request.model().equals("one")) {
        throw new IllegalStateException("cannot start");
      }
      sink.text("ok");
      sink.end(FinishReason.STOP);
      return () -> { };
    };
    Recorder recorder = run();
    assertTrue(recorder.events.contains("text:ok"), recorder.events.toString());
    assertEquals(List.of("one", "two"), calls);
  }

  @Test
  void whenEveryTargetFailsTheClientGetsTheLastErrorOnce() throws Exception {
    ScriptedProviderFactory.behaviour = (request, sink) -> {
      calls.add(request.model());
      sink.fail(request.model().equals("one") ? ProviderError.upstream("first down")
        : ProviderError.fromUpstreamStatus(429, "slow down").withRetryAfter(7_000));
      return () -> { };
    };
    Recorder recorder = run();
    StreamEnd end = recorder.end.future().result();
    assertEquals("rate_limited", end.error().code());
    assertEquals(7_000, end.error().retryAfterMs());
    assertEquals(1, recorder.events.stream().filter(e -> e.startsWith("end:")).count());
    assertEquals(List.of("one", "two"), calls);
    assertEquals(1, counter(Meters.STREAMS_ENDED, Meters.MODEL, "smart", Meters.REASON, "error"));
  }
}
