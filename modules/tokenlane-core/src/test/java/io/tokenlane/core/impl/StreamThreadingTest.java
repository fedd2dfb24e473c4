package io.tokenlane.core.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.core.Gateway;
import io.tokenlane.core.GatewayOptions;
import io.tokenlane.core.plugin.PluginCatalog;
import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Streams opened from several client event loops at once, with providers on the same loop as their client (one
 * provider verticle per loop), on other loops, and on worker threads: order, exactly one end, cancel, backpressure
 * and no mixing between streams, whichever way each stream went.
 */
class StreamThreadingTest {

  private static final int LOOPS = 4;

  private Vertx vertx;
  private Gateway gateway;
  private final List<Context> clients = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    CountingProviderFactory.RECORDS.clear();
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** A gateway with one model on the given plugin, and one client context on each event loop. */
  private void start(String type, int instances, int tokens) throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(LOOPS));
    List<String> problems = new ArrayList<>();
    GatewayOptions options = GatewayOptions.fromJson(new JsonObject()
      .put("providers", new JsonObject().put("p", new JsonObject().put("type", type).put("instances", instances)
        .put("config", new JsonObject().put("tokens", tokens))))
      .put("models", new JsonObject().put("m", new JsonObject().put("provider", "p"))), problems);
    PluginCatalog catalog = PluginCatalog.load(getClass().getClassLoader(), null);
    problems.addAll(options.validatePlugins(catalog));
    assertTrue(problems.isEmpty(), problems.toString());
    gateway = Gateway.start(vertx, options, catalog).await(10, TimeUnit.SECONDS);
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        clients.add(context);
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setInstances(LOOPS)).await(10, TimeUnit.SECONDS);
    Set<Thread> threads = new HashSet<>();
    for (Context client : clients) {
      threads.add(threadOf(client));
    }
    assertEquals(LOOPS, threads.size(), "one client context per event loop");
  }

  private static Thread threadOf(Context context) throws Exception {
    Promise<Thread> thread = Promise.promise();
    context.runOnContext(v -> thread.complete(Thread.currentThread()));
    return thread.future().await(5, TimeUnit.SECONDS);
  }

  /** One stream as its transport sees it: every call checked against the opening context. */
  private static final class Observed implements StreamObserver {
    final String tag;
    final Context client;
    final StringBuilder text = new StringBuilder();
    final List<String> problems = new CopyOnWriteArrayList<>();
    final Promise<StreamEnd> end = Promise.promise();
    final CompletableFuture<Void> hundredChars = new CompletableFuture<>();
    volatile Thread clientThread;
    volatile boolean full;
    volatile int ends;
    Handler<Void> drain;
    ActiveStream active;

    Observed(String tag, Context client) {
      this.tag = tag;
      this.client = client;
    }

    @Override
    public synchronized void onText(Buffer delta) {
      check("text");
      if (ends > 0) {
        problems.add("text after the end");
      }
      text.append(JsonText.decode(delta));
      if (text.length() > 100) {
        hundredChars.complete(null);
      }
    }

    @Override
    public void onEnd(StreamEnd streamEnd) {
      check("end");
      if (++ends > 1) {
        problems.add("a second end");
      }
      end.tryComplete(streamEnd);
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
        problems.add(what + " on " + Vertx.currentContext() + " instead of the opening context");
      }
    }

    synchronized String textSoFar() {
      return text.toString();
    }
  }

  private Observed open(String tag, Context client) throws Exception {
    return open(new Observed(tag, client));
  }

  private Observed open(Observed observed) throws Exception {
    String tag = observed.tag;
    Context client = observed.client;
    Promise<Void> opened = Promise.promise();
    client.runOnContext(v -> {
      observed.clientThread = Thread.currentThread();
      JsonObject body = new JsonObject().put("model", "m")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", tag)));
      observed.active = gateway.open(body, "s-" + tag, observed);
      opened.complete();
    });
    opened.future().await(5, TimeUnit.SECONDS);
    return observed;
  }

  /** Three streams from each event loop, all at once. */
  private List<Observed> openFromEveryLoop() throws Exception {
    List<Observed> streams = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (int loop = 0; loop < LOOPS; loop++) {
        streams.add(open("L" + loop + "R" + round, clients.get(loop)));
      }
    }
    return streams;
  }

  private static String expected(String tag, int tokens) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < tokens; i++) {
      text.append(tag).append(':').append(i).append(',');
    }
    return text.toString();
  }

  private static void assertComplete(Observed stream, int tokens) throws Exception {
    StreamEnd end = stream.end.future().await(20, TimeUnit.SECONDS);
    assertEquals(StreamEnd.Reason.STOP, end.reason(), stream.tag);
    assertEquals(expected(stream.tag, tokens), stream.textSoFar(), "every token in order, none of another stream's");
    assertEquals(List.of(), stream.problems, stream.tag);
    assertEquals(1, stream.ends);
  }

  @Test
  void withAProviderVerticleOnEveryLoopEachStreamStaysOnItsClientsLoop() throws Exception {
    start("counting", 0, 300);
    List<Observed> streams = openFromEveryLoop();
    for (Observed stream : streams) {
      assertComplete(stream, 300);
      assertSame(stream.clientThread, CountingProviderFactory.RECORDS.get(stream.tag).streamThread,
        "the provider ran on the client's own event loop");
    }
  }

  @Test
  void streamsCrossingToAProviderOnAnotherLoopKeepTheirOrderAndNeverMix() throws Exception {
    start("counting", 1, 300);
    List<Observed> streams = openFromEveryLoop();
    Set<Thread> providerThreads = new HashSet<>();
    int crossed = 0;
    for (Observed stream : streams) {
      assertComplete(stream, 300);
      Thread provider = CountingProviderFactory.RECORDS.get(stream.tag).streamThread;
      providerThreads.add(provider);
      crossed += provider == stream.clientThread ? 0 : 1;
    }
    assertEquals(1, providerThreads.size(), "one provider verticle");
    assertTrue(crossed >= 9, "streams from the other three loops crossed to the provider's: " + crossed);
  }

  @Test
  void aCancelFromEveryLoopEndsEachStreamOnceAndReachesItsProviderOnItsOwnThread() throws Exception {
    start("counting", 2, 10_000_000);
    List<Observed> streams = openFromEveryLoop();
    for (Observed stream : streams) {
      stream.hundredChars.get(10, TimeUnit.SECONDS);
    }
    for (Observed stream : streams) {
      stream.client.runOnContext(v -> stream.active.cancel());
    }
    for (Observed stream : streams) {
      assertEquals(StreamEnd.Reason.CANCELLED, stream.end.future().await(10, TimeUnit.SECONDS).reason());
      CountingProviderFactory.Record record = CountingProviderFactory.RECORDS.get(stream.tag);
      assertSame(record.streamThread, record.cancelledOn.get(10, TimeUnit.SECONDS), "cancel runs on the provider's thread");
      String text = stream.textSoFar();
      assertTrue(expected(stream.tag, record.produced.get()).startsWith(text), "a prefix of its own tokens");
    }
    settle();
    for (Observed stream : streams) {
      assertEquals(List.of(), stream.problems, stream.tag);
      assertEquals(1, stream.ends);
    }
    // Each stream leaves the gateway right after its end, on its client's loop: settled, none is left.
    assertEquals(0, gateway.activeStreams());
  }

  @Test
  void aFullClientPausesAProviderOnItsOwnLoopAndTheDrainResumesIt() throws Exception {
    start("counting", 0, 20_000);
    Observed full = new Observed("slow", clients.get(1));
    full.full = true;
    Observed stream = open(full);
    CountingProviderFactory.Record record = CountingProviderFactory.RECORDS.computeIfAbsent("slow",
      t -> new CountingProviderFactory.Record());
    record.firstToken.get(10, TimeUnit.SECONDS);
    settle();
    int paused = record.produced.get();
    settle();
    assertEquals(paused, record.produced.get(), "the provider is paused");
    assertTrue(paused < 32, "paused at the first drain that found the client full: " + paused);
    assertEquals("", stream.textSoFar(), "nothing is delivered to a full client");
    assertSame(stream.clientThread, record.streamThread);
    stream.client.runOnContext(v -> {
      stream.full = false;
      stream.drain.handle(null);
    });
    assertComplete(stream, 20_000);
  }

  @Test
  void aBlockingPluginOnWorkerThreadsReachesClientsOnEveryLoopThroughTheBridge() throws Exception {
    start("counting-blocking", 0, 200);
    List<Observed> streams = openFromEveryLoop();
    for (Observed stream : streams) {
      assertComplete(stream, 200);
      Thread provider = CountingProviderFactory.RECORDS.get(stream.tag).streamThread;
      assertNotNull(provider);
      assertNotEquals(stream.clientThread, provider);
      assertTrue(provider.getName().contains("worker"), "a worker thread: " + provider.getName());
    }
  }

  /** Lets every event loop finish what it has queued (two rounds through each), so late calls would show. */
  private void settle() throws Exception {
    for (int round = 0; round < 2; round++) {
      for (Context client : clients) {
        threadOf(client);
      }
    }
  }
}
