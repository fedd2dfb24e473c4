package io.tokenlane.bench.load;

import io.tokenlane.bench.target.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Streams with many readers each (issue 10's fan-out): streams each started by a session of its own with
 * {@code POST streams} and no reader, then native SSE followers per stream, {@code GET streams/{id}/events} with
 * the session's token in {@code Authorization: Bearer} (the tabs and devices of one user). Counts the token events
 * delivered to all followers, from any event loop. Made by {@link LoadGenerator#startStreams}, followed through
 * {@link LoadGenerator#follow}, ended by {@link LoadGenerator#close(FanOut)}.
 */
public final class FanOut {

  /** One stream: the session that started it, on the worker that started it. */
  record Source(Worker worker, Sessions sessions, String token, String id) {
  }

  /** One follower's connection, on the worker that opened it. */
  static final class Follower {

    final Worker worker;
    HttpClientRequest request;
    boolean closed;

    Follower(Worker worker) {
      this.worker = worker;
    }

    /** Closes the connection (an HTTP/1.1 reset closes it). On the worker's event loop. */
    void close() {
      closed = true;
      if (request != null) {
        request.reset();
      }
    }
  }

  final Endpoint endpoint;
  /** Filled before any follower opens, read after. */
  final List<Source> sources = new java.util.concurrent.CopyOnWriteArrayList<>();
  final List<Follower> followers = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final LongAdder events = new LongAdder();
  private final LongAdder tokens = new LongAdder();
  private final LongAdder ends = new LongAdder();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();

  FanOut(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** @return streams started */
  public int streams() {
    return sources.size();
  }

  /** @return followers that received a token event */
  public int followers() {
    return followers.size();
  }

  /** @return token events delivered to every follower so far */
  public long events() {
    return events.sum();
  }

  /** @return tokens in those events (an event may carry several) */
  public long tokens() {
    return tokens.sum();
  }

  /** @return {@code end} events delivered to followers so far */
  public long ends() {
    return ends.sum();
  }

  /** @return what failed (starting a stream, a follower's request), and how often */
  public Map<String, Integer> failures() {
    return Map.copyOf(failures);
  }

  void failed(String message) {
    failures.merge(message, 1, Integer::sum);
  }

  /**
   * Opens one follower of {@code source} on {@code worker}'s event loop.
   *
   * @return completes with the follower at its first token event, fails when it gets none within {@code timeoutMs}
   */
  Future<Follower> follow(Worker worker, Source source, long timeoutMs) {
    Follower follower = new Follower(worker);
    Promise<Follower> attached = Promise.promise();
    long timer = worker.context.owner().setTimer(timeoutMs, t -> {
      if (attached.tryFail("no token within " + timeoutMs + " ms")) {
        failed("follower: no token within " + timeoutMs + " ms");
        follower.close();
      }
    });
    Sessions reads = new Sessions(worker.followers, endpoint);
    worker.followers.request(reads.options(HttpMethod.GET, "streams/" + source.id() + "/events", source.token()))
      .compose(request -> {
        follower.request = request;
        return request.putHeader("accept", "text/event-stream").send();
      })
      .onSuccess(response -> read(response, follower, attached))
      .onFailure(e -> {
        if (attached.tryFail(e) && !follower.closed) {
          failed("follower: " + e.getMessage());
        }
      });
    return attached.future().onComplete(done -> worker.context.owner().cancelTimer(timer));
  }

  private void read(HttpClientResponse response, Follower follower, Promise<Follower> attached) {
    if (response.statusCode() != 200) {
      failed("follower: HTTP " + response.statusCode());
      attached.tryFail("HTTP " + response.statusCode());
      follower.close();
      return;
    }
    SseLines lines = new SseLines();
    response.handler(buffer -> lines.feed(buffer, (text, start, end) -> {
      int count = Payloads.nativeTokens(text, start, end);
      if (count > 0) {
        events.increment();
        tokens.add(count);
        if (attached.tryComplete(follower)) {
          followers.add(follower);
        }
      } else if ("end".equals(Payloads.nativeType(text, start, end))) {
        ends.increment();
      }
    }));
    response.exceptionHandler(e -> {
      if (!follower.closed) {
        failed("follower: " + e.getMessage());
      }
    });
  }
}
