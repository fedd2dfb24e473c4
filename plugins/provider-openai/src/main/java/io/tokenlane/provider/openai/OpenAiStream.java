package io.tokenlane.provider.openai;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.SseParser;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Watchdog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One streaming chat completion against the upstream: sends the request, reads the event stream into the sink,
 * watches the timeouts, follows the sink's backpressure, and aborts on cancel.
 *
 * <p>Everything runs on the provider verticle's event loop. {@link #done} is set by the first terminal outcome or
 * by {@link #cancel()}; after that no sink method is called, whatever the network still delivers.
 */
final class OpenAiStream implements ProviderStream, SseParser.Listener {

  /** Enough for any OpenAI error JSON; more is a proxy page we only quote the start of. */
  private static final int ERROR_BODY_LIMIT = 64 * 1024;
  /** A whole non-streamed completion, for servers that ignore {@code stream: true}. */
  private static final int COMPLETION_BODY_LIMIT = 16 * 1024 * 1024;
  /** One event: a chunk is a few hundred bytes; megabytes without an event boundary is not an event stream. */
  private static final int EVENT_LIMIT = 4 * 1024 * 1024;

  private final HttpClientAgent client;
  private final OpenAiConfig config;
  private final StreamSink sink;
  private final ChunkDecoder decoder;
  private final SseParser parser = new SseParser(this);
  private final Watchdog watchdog;
  private final Consumer<OpenAiStream> onDone;
  private HttpClientRequest request;
  private final Vertx vertx;
  private HttpClientResponse response;
  private boolean paused;
  private boolean done;
  private boolean bodyEnded;
  private long lingerTimer = -1;

  /**
   * @param onDone called once, when the stream ended, failed or was cancelled
   */
  OpenAiStream(Vertx vertx, HttpClientAgent client, OpenAiConfig config, StreamSink sink, Consumer<OpenAiStream> onDone) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
    this.sink = sink;
    this.onDone = onDone;
    this.decoder = new ChunkDecoder(sink, () -> done, config::redact);
    this.watchdog = new Watchdog(vertx, this::timedOut);
  }

  /** Sends the request; everything after happens in callbacks on this event loop. */
  void start(String requestId, Buffer body) {
    sink.drainHandler(v -> resumeReading());
    watchdog.watch(config.responseTimeoutMs(), "upstream sent no response within " + config.responseTimeoutMs() + " ms");
    client.request(config.chatRequest(requestId))
      .compose(created -> send(created, body))
      .onSuccess(this::onResponse)
      .onFailure(this::onFailure);
  }

  private Future<HttpClientResponse> send(HttpClientRequest created, Buffer body) {
    request = created;
    // Failures also fail the response future; the handler keeps Vert.x from logging them as unhandled.
    created.exceptionHandler(this::onFailure);
    if (done) {
      // Cancelled while waiting for a connection: never send the prompt.
      created.reset();
      return Future.failedFuture("cancelled");
    }
    return created.send(body);
  }

  @Override
  public void cancel() {
    if (done) {
      return;
    }
    done = true;
    watchdog.stop();
    abort();
    onDone.accept(this);
  }

  /** The verticle is stopping under an open stream: fail it, so the client is not left waiting. */
  void shutdown(String message) {
    finish(Outcome.fail(new ProviderError(ProviderError.UNAVAILABLE, message, 502)));
  }

  private void onResponse(HttpClientResponse received) {
    response = received;
    received.exceptionHandler(this::onFailure);
    if (done) {
      return;
    }
    int status = received.statusCode();
    String contentType = received.getHeader(HttpHeaders.CONTENT_TYPE);
    if (status < 200 || status > 299) {
      String retryAfter = received.getHeader("retry-after");
      readWhole(received, ERROR_BODY_LIMIT, body -> Outcome.fail(UpstreamErrors.fromStatus(status, body, retryAfter, config)));
    } else if (isMediaType(contentType, "text/event-stream")) {
      readEvents(received);
    } else if (isMediaType(contentType, "application/json")) {
      readWhole(received, COMPLETION_BODY_LIMIT, decoder::completion);
    } else {
      finish(Outcome.fail(ProviderError.badResponse("upstream answered HTTP " + status + " with content type "
        + describe(contentType) + " instead of text/event-stream")));
    }
  }

  private void readEvents(HttpClientResponse received) {
    watchdog.watch(config.idleTimeoutMs(), "upstream sent nothing for " + config.idleTimeoutMs() + " ms");
    received.endHandler(v -> onBodyEnded());
    received.handler(this::onData);
  }

  private void onData(Buffer chunk) {
    if (done) {
      return;
    }
    watchdog.activity();
    // Each buffer a response handler gets is a fresh one, never written again: no copy of it is needed.
    parser.feedOwned(chunk);
    if (!done && parser.bufferedSize() > EVENT_LIMIT) {
      finish(Outcome.fail(ProviderError.badResponse("upstream sent more than " + EVENT_LIMIT + " bytes without ending an event")));
    }
    if (!done && sink.writeQueueFull()) {
      paused = true;
      watchdog.pause();
      response.pause();
    }
  }

  private void resumeReading() {
    if (done || !paused) {
      return;
    }
    paused = false;
    watchdog.resume();
    response.resume();
  }

  @Override
  public void onEvent(String type, byte[] data, int from, int to) {
    if (!done) {
      finish(decoder.event(type, data, from, to));
    }
  }

  @Override
  public void onForeignLine(String line) {
    if (!done) {
      finish(decoder.foreignLine(line));
    }
  }

  private void onBodyEnded() {
    bodyEnded = true;
    if (lingerTimer >= 0) {
      vertx.cancelTimer(lingerTimer);
    }
    if (done) {
      return;
    }
    parser.end();
    if (!done) {
      finish(decoder.bodyEnded());
    }
  }

  private void onFailure(Throwable failure) {
    if (!done) {
      finish(decoder.interrupted(UpstreamErrors.fromFailure(failure, config)));
    }
  }

  private void timedOut(String message) {
    if (!done) {
      finish(Outcome.fail(ProviderError.timeout(message)));
    }
  }

  /**
   * Reads a bounded body, then decides. Past the limit the rest is not worth waiting for: the exchange is aborted
   * and the start of the body is judged as it is.
   */
  private void readWhole(HttpClientResponse received, int limit, Function<String, Outcome> judge) {
    Buffer body = Buffer.buffer();
    watchdog.watch(config.idleTimeoutMs(), "upstream sent nothing for " + config.idleTimeoutMs() + " ms");
    received.endHandler(v -> {
      bodyEnded = true;
      judge(judge, body);
    });
    received.handler(chunk -> {
      if (done) {
        return;
      }
      watchdog.activity();
      body.appendBuffer(chunk, 0, Math.min(limit - body.length(), chunk.length()));
      if (body.length() >= limit) {
        judge(judge, body);
      }
    });
  }

  private void judge(Function<String, Outcome> judge, Buffer body) {
    if (!done) {
      finish(judge.apply(body.toString()));
    }
  }

  /** The one place a terminal call is made. A failure also aborts the exchange, so the upstream stops working. */
  private void finish(Outcome outcome) {
    if (outcome == null || done) {
      return;
    }
    done = true;
    watchdog.stop();
    onDone.accept(this);
    if (outcome.failed()) {
      abort();
      ProviderError error = outcome.error();
      sink.fail(new ProviderError(error.code(), config.redact(error.message()), error.httpStatus(), error.retryAfterMs()));
    } else {
      sink.end(outcome.reason());
      lingerThenAbort();
    }
  }

  /**
   * After {@code [DONE]} the body normally ends at once and the connection goes back to the pool. An upstream that
   * keeps the body open (more keep-alives, a proxy that holds it) would hold the connection forever: it gets the
   * idle timeout, then the exchange is closed.
   */
  private void lingerThenAbort() {
    if (response != null && !bodyEnded) {
      lingerTimer = vertx.setTimer(config.idleTimeoutMs(), t -> {
        if (!bodyEnded) {
          abort();
        }
      });
    }
  }

  /**
   * Closes the upstream exchange, which is what tells the upstream to stop generating: on HTTP/1.1 Vert.x closes the
   * connection of a request whose response is still coming; on HTTP/2 it resets the stream (RST_STREAM) and the
   * connection carries on with the others. A finished exchange is left alone.
   */
  private void abort() {
    if (request != null) {
      request.reset();
    }
  }

  private static String describe(String contentType) {
    if (contentType == null) {
      return "(none)";
    }
    return contentType.length() <= 100 ? contentType : contentType.substring(0, 100) + "...";
  }

  private static boolean isMediaType(String contentType, String expected) {
    return contentType != null && contentType.regionMatches(true, 0, expected, 0, expected.length());
  }

  @Override
  public String toString() {
    return "OpenAiStream[" + config.target() + (done ? ", done" : "") + "]";
  }
}
