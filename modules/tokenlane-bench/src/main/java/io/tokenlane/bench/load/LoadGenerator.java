package io.tokenlane.bench.load;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.target.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.LongConsumer;

/**
 * The load generator: many concurrent streams on a few event loops (one per core), no thread per stream. Its
 * methods block the calling thread (the runner's) until the run is over.
 */
public final class LoadGenerator implements AutoCloseable {

  /** A stream that has not ended this long after it started is failed and cancelled. */
  private static final long STREAM_TIMEOUT_MS = 120_000;
  /** Clients opening at once per event loop while idle streams are set up. */
  private static final int OPENING_PER_LOOP = 64;

  private final Vertx vertx;
  private final List<Worker> workers = new ArrayList<>();

  /**
   * @param eventLoops event loops (and so workers)
   * @param maxConnections most connections per worker and target
   */
  public LoadGenerator(int eventLoops, int maxConnections) {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
    for (int i = 0; i < eventLoops; i++) {
      workers.add(new Worker(vertx, vertx.getOrCreateContext(), maxConnections));
    }
  }

  /**
   * A closed loop: {@code concurrency} clients, each starting its next stream as soon as the previous ended.
   * Clients connect first (not measured), then start at random moments within {@code ramp}; the window opens
   * after the ramp and lasts {@code window}; streams started in it are measured, and the run waits for them.
   *
   * @param delayNanos the upstream's pause between tokens, for gaps; 0 records none
   * @param windowEdge called on this thread at the window's start and end, with the time
   * @return what was measured
   */
  public LoadResult closedLoop(BenchPath path, Endpoint endpoint, int concurrency, Duration ramp, Duration window,
                               long delayNanos, LongConsumer windowEdge) {
    return closedLoop(List.of(Clients.of(path, endpoint)), concurrency, ramp, window, delayNanos, windowEdge).get(0);
  }

  /**
   * {@link #closedLoop(BenchPath, Endpoint, int, Duration, Duration, long, LongConsumer) A closed loop} of several
   * groups of clients at once, each measured apart: local and cross-member followers of a cluster, in one window.
   *
   * @param groups the kinds of client
   * @param perGroup clients of each kind
   * @return what was measured, per group in order
   */
  public List<LoadResult> closedLoop(List<Clients> groups, int perGroup, Duration ramp, Duration window,
                                     long delayNanos, LongConsumer windowEdge) {
    List<List<StreamClient>> clients = groups.stream().map(kind -> openClients(kind, perGroup)).toList();
    long windowStart = System.nanoTime() + ramp.toNanos();
    long windowEnd = windowStart + window.toNanos();
    workers.forEach(worker -> onLoop(worker, () -> worker.recorders = groups.stream()
      .map(kind -> new Recorder(windowStart, windowEnd)).toList()));
    List<Future<Void>> users = new ArrayList<>();
    for (int group = 0; group < clients.size(); group++) {
      for (int i = 0; i < clients.get(group).size(); i++) {
        users.add(startAtRandom(workers.get(i % workers.size()), clients.get(group).get(i), group, ramp, windowEnd,
          delayNanos));
      }
    }
    sleepUntil(windowStart);
    windowEdge.accept(System.nanoTime());
    sleepUntil(windowEnd);
    windowEdge.accept(System.nanoTime());
    settle(users, STREAM_TIMEOUT_MS + 10_000);
    List<LoadResult> results = new ArrayList<>();
    for (int group = 0; group < groups.size(); group++) {
      Recorder merged = new Recorder(windowStart, windowEnd);
      int index = group;
      workers.forEach(worker -> merged.add(worker.recorders.get(index)));
      results.add(LoadResult.of(merged, window.toNanos() / 1e9));
    }
    return results;
  }

  private Future<Void> startAtRandom(Worker worker, StreamClient client, int group, Duration ramp, long windowEnd,
                                     long delayNanos) {
    long startAt = System.nanoTime() + ThreadLocalRandom.current().nextLong(Math.max(1, ramp.toNanos()));
    return Future.future(done -> worker.context.runOnContext(v ->
      vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(startAt - System.nanoTime())),
        t -> next(worker, client, group, windowEnd, delayNanos, done))));
  }

  private void next(Worker worker, StreamClient client, int group, long stopAt, long delayNanos, Promise<Void> done) {
    if (System.nanoTime() >= stopAt) {
      client.close();
      done.complete();
      return;
    }
    RunningStream run = client.start(new StreamProbe(worker.recorders.get(group), delayNanos));
    long timeout = vertx.setTimer(STREAM_TIMEOUT_MS, t -> {
      run.fail("no end within " + STREAM_TIMEOUT_MS + " ms");
      run.cancel();
    });
    run.done().onComplete(ended -> {
      vertx.cancelTimer(timeout);
      if (ended.succeeded()) {
        next(worker, client, group, stopAt, delayNanos, done);
      } else {
        // A failing path must not spin: a short pause before the next try.
        vertx.setTimer(20, t -> next(worker, client, group, stopAt, delayNanos, done));
      }
    });
  }

  /** Opens {@code count} clients (sessions, WebSockets), spread over the workers; failures are dropped. */
  private List<StreamClient> openClients(Clients kind, int count) {
    List<Future<StreamClient>> opening = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Worker worker = workers.get(i % workers.size());
      opening.add(Future.<StreamClient>future(promise -> worker.context.runOnContext(v -> {
        StreamClient client = worker.client(kind);
        client.open().map(client).onComplete(promise);
      })));
    }
    settle(opening, 120_000);
    List<StreamClient> clients = new ArrayList<>();
    String failure = null;
    for (Future<StreamClient> future : opening) {
      if (future.succeeded()) {
        clients.add(future.result());
      } else {
        failure = String.valueOf(future.cause() == null ? "timeout" : future.cause().getMessage());
      }
    }
    if (clients.isEmpty()) {
      throw new IllegalStateException("no client could connect: " + failure);
    }
    return clients;
  }

  /**
   * Opens {@code count} streams and waits until each received its first token (the upstream script should then
   * stall). Opening is paced ({@value #OPENING_PER_LOOP} at a time per event loop) so that connects do not storm.
   *
   * @return the streams that got their first token in time
   */
  public List<HeldStream> hold(BenchPath path, Endpoint endpoint, int count, Duration timeout) {
    return hold(Clients.of(path, endpoint), count, timeout);
  }

  /** {@link #hold(BenchPath, Endpoint, int, Duration)} with clients of {@code kind} (a cross-member follower). */
  public List<HeldStream> hold(Clients kind, int count, Duration timeout) {
    AtomicInteger next = new AtomicInteger();
    List<Future<List<HeldStream>>> openers = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Worker worker : workers) {
      for (int i = 0; i < OPENING_PER_LOOP; i++) {
        openers.add(Future.future(promise -> worker.context.runOnContext(v ->
          openNext(worker, kind, next, count, deadline, new ArrayList<>(), promise))));
      }
    }
    settle(openers, timeout.toMillis() + 10_000);
    List<HeldStream> held = new ArrayList<>();
    openers.stream().filter(Future::succeeded).forEach(opener -> held.addAll(opener.result()));
    return held;
  }

  private void openNext(Worker worker, Clients kind, AtomicInteger next, int count, long deadline,
                        List<HeldStream> held, Promise<List<HeldStream>> done) {
    if (next.getAndIncrement() >= count || System.nanoTime() > deadline) {
      done.complete(held);
      return;
    }
    StreamClient client = worker.client(kind);
    client.open()
      .compose(v -> {
        RunningStream run = client.start(new StreamProbe(new Recorder(0, 0), 0));
        return run.firstToken().map(first -> new HeldStream(worker, client, run));
      })
      .onComplete(opened -> {
        if (opened.succeeded()) {
          held.add(opened.result());
        } else {
          client.close();
        }
        // Through the event loop: a target that refuses at once must not grow the stack by one frame per stream.
        worker.context.runOnContext(v -> openNext(worker, kind, next, count, deadline, held, done));
      });
  }

  /**
   * Starts {@code count} streams for a fan-out, each by a new session's {@code POST streams}, with no reader yet
   * (they run on for {@code streams.detachGraceMs}). Paced like {@link #hold}.
   *
   * @return the streams that started
   */
  public FanOut startStreams(Endpoint endpoint, int count, Duration timeout) {
    FanOut fanOut = new FanOut(endpoint);
    paced(count, timeout, (worker, index) -> {
      Sessions sessions = new Sessions(worker.http, endpoint);
      return sessions.create().compose(token -> sessions.startStream(token)
        .map(id -> new FanOut.Source(worker, sessions, token, id)))
        .onFailure(e -> fanOut.failed("stream: " + e.getMessage()));
    }).forEach(fanOut.sources::add);
    return fanOut;
  }

  /**
   * Adds {@code perStream} native SSE followers to every stream of {@code fanOut}, spread over the event loops, and
   * waits until each received a token event (or failed).
   *
   * @return followers attached by this call
   */
  public int follow(FanOut fanOut, int perStream, Duration timeout) {
    int streams = fanOut.sources.size();
    return paced(streams * perStream, timeout, (worker, index) ->
      fanOut.follow(worker, fanOut.sources.get(index % streams), timeout.toMillis())).size();
  }

  /** Cancels every stream of {@code fanOut} ({@code DELETE streams/{id}}) and closes its followers' connections. */
  public void close(FanOut fanOut) {
    List<Future<Void>> closing = new ArrayList<>();
    for (FanOut.Source source : fanOut.sources) {
      closing.add(Future.future(promise -> source.worker().context.runOnContext(v ->
        source.sessions().cancel(source.token(), source.id()).onComplete(promise))));
    }
    settle(closing, 30_000);
    // One hop per event loop, not per follower: thousands of them close at once.
    for (Worker worker : workers) {
      onLoop(worker, () -> fanOut.followers.stream().filter(follower -> follower.worker == worker)
        .forEach(FanOut.Follower::close));
    }
  }

  /**
   * Runs {@code count} tasks, {@value #OPENING_PER_LOOP} at a time per event loop, each on its loop, until all ran
   * or the time is up.
   *
   * @return the results of the tasks that succeeded
   */
  private <T> List<T> paced(int count, Duration timeout, BiFunction<Worker, Integer, Future<T>> task) {
    AtomicInteger next = new AtomicInteger();
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Future<List<T>>> lanes = new ArrayList<>();
    for (Worker worker : workers) {
      for (int i = 0; i < OPENING_PER_LOOP; i++) {
        lanes.add(Future.future(promise -> worker.context.runOnContext(v ->
          lane(worker, task, next, count, deadline, new ArrayList<>(), promise))));
      }
    }
    settle(lanes, timeout.toMillis() + 10_000);
    List<T> results = new ArrayList<>();
    lanes.stream().filter(Future::succeeded).forEach(lane -> results.addAll(lane.result()));
    return results;
  }

  private <T> void lane(Worker worker, BiFunction<Worker, Integer, Future<T>> task,
                        AtomicInteger next, int count, long deadline, List<T> results, Promise<List<T>> done) {
    int index = next.getAndIncrement();
    if (index >= count || System.nanoTime() > deadline) {
      done.complete(results);
      return;
    }
    task.apply(worker, index).onComplete(result -> {
      if (result.succeeded()) {
        results.add(result.result());
      }
      worker.context.runOnContext(v -> lane(worker, task, next, count, deadline, results, done));
    });
  }

  /** Waits until every future completed (or the time is up); failures are read from each future after. */
  private static void settle(List<? extends Future<?>> futures, long timeoutMs) {
    try {
      Future.join(futures).await(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // Some failed or did not complete: the caller looks at each one.
    }
  }

  /** Runs {@code action} on the worker's event loop and waits for it. */
  private static void onLoop(Worker worker, Runnable action) {
    Future.<Void>future(promise -> worker.context.runOnContext(v -> {
      action.run();
      promise.complete();
    })).await();
  }

  private static void sleepUntil(long nanos) {
    long left;
    while ((left = nanos - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Exiting anyway.
    }
  }
}
