package io.tokenlane.provider.ollama;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.tokenlane.spi.Watchdog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import java.util.function.Consumer;

/**
 * One streaming chat against Ollama: sends the request, reads the NDJSON response line by line into the sink,
 * watches the timeouts, follows the sink's backpressure, and aborts on cancel.
 *
 * <p>Everything runs on the provider verticle's event loop. {@link #done} is set by the first terminal outcome or
 * by {@link #cancel()}; after that no sink method is called, whatever the network still delivers.
 */
final class OllamaStream implements ProviderStream {

  /** Enough for any Ollama error JSON; more is a proxy page we only quote the start of. */
  private static final int ERROR_BODY_LIMIT = 64 * 1024;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final OllamaConfig config;
  private final StreamSink sink;
  private final LineBuffer lines;
  private final LineDecoder decoder = new LineDecoder();
  private final Watchdog watchdog;
  private final Consumer<OllamaStream> onDone;
  private HttpClientRequest request;
  private HttpClientResponse response;
  private boolean paused;
  private boolean done;
  private boolean bodyEnded;
  private long lingerTimer = -1;

  /**
   * @param onDone called once, when the stream ended, failed or was cancelled
   */
  OllamaStream(Vertx vertx, HttpClientAgent client, OllamaConfig config, StreamSink sink, Consumer<OllamaStream> onDone) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
    this.sink = sink;
    this.onDone = onDone;
    this.lines = new LineBuffer(config.maxLineBytes());
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

  /** The request could not be translated: fails at once, nothing is sent. */
  void reject(String message) {
    finish(Outcome.fail(new ProviderError(ProviderError.INVALID_REQUEST, message, 400)));
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
    finish(Outcome.fail(ProviderError.unavailable(message)));
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
      readError(received, status, received.getHeader("retry-after"));
    } else if (isMediaType(contentType, "application/x-ndjson") || isMediaType(contentType, "application/json")) {
      watchdog.watch(config.idleTimeoutMs(), "upstream sent nothing for " + config.idleTimeoutMs() + " ms");
      received.endHandler(v -> onBodyEnded());
      received.handler(this::onData);
    } else {
      finish(Outcome.fail(ProviderError.badResponse("upstream answered HTTP " + status + " with content type "
        + describe(contentType) + " instead of application/x-ndjson")));
    }
  }

  private void onData(Buffer chunk) {
    if (done) {
      return;
    }
    watchdog.activity();
    lines.append(chunk);
    drainLines();
  }

  /** Hands over whole lines until the body's lines run out, the stream ends, or the client's queue fills. */
  private void drainLines() {
    while (!done && !paused) {
      if (!lines.nextLine()) {
        if (lines.pendingTooLong()) {
          finish(Outcome.fail(tooLong()));
        }
        return;
      }
      if (lines.lineTooLong()) {
        finish(Outcome.fail(tooLong()));
        return;
      }
      line(lines.bytes(), lines.lineFrom(), lines.lineTo());
      if (!done && sink.writeQueueFull()) {
        paused = true;
        watchdog.pause();
        response.pause();
      }
    }
  }

  private ProviderError tooLong() {
    return ProviderError.badResponse("upstream sent a line longer than " + config.maxLineBytes() + " bytes");
  }

  /** Lines already read go first; only then is the network read again. */
  private void resumeReading() {
    if (done || !paused) {
      return;
    }
    paused = false;
    watchdog.resume();
    if (bodyEnded) {
      afterLastLine();
      return;
    }
    drainLines();
    if (!done && !paused) {
      response.resume();
    }
  }

  /** One NDJSON line: one chat response object. Blank lines are skipped, as NDJSON readers do. */
  private void line(byte[] bytes, int from, int to) {
    if (isBlank(bytes, from, to)) {
      return;
    }
    try {
      decoder.decode(bytes, from, to);
    } catch (LineDecoder.Malformed e) {
      finish(Outcome.fail(ProviderError.badResponse("upstream sent " + e.getMessage() + " in its NDJSON stream")));
      return;
    }
    if (decoder.error != null) {
      finish(Outcome.fail(UpstreamErrors.fromErrorLine(decoder.error, config)));
      return;
    }
    report(decoder.thinking, decoder.content);
    if (decoder.toolCalls != null && !done) {
      sink.toolCalls(decoder.toolCalls);
    }
    if (decoder.done && !done) {
      finishLine();
    }
  }

  /** A cancel can come from inside a sink call, so each call checks that the stream still runs. */
  private void report(String thinking, String content) {
    if (thinking != null && !thinking.isEmpty() && !done) {
      sink.reasoning(thinking);
    }
    if (content != null && !content.isEmpty() && !done) {
      sink.text(content);
    }
  }

  /**
   * The {@code done: true} line. {@code load} and {@code unload} answer a request without messages: for a chat
   * they mean no completion happened, which is not a clean end. Ollama says {@code stop} after tool calls too.
   */
  private void finishLine() {
    String reason = decoder.doneReason;
    if ("load".equals(reason) || "unload".equals(reason)) {
      finish(Outcome.fail(ProviderError.badResponse("upstream answered with done_reason \"" + reason
        + "\" (a model " + reason + ", not a completion)")));
      return;
    }
    if (decoder.promptEvalCount >= 0 || decoder.evalCount >= 0) {
      sink.usage(new Usage(Math.max(0, decoder.promptEvalCount), Math.max(0, decoder.evalCount)));
    }
    if ("length".equals(reason)) {
      finish(Outcome.end(FinishReason.LENGTH));
    } else {
      finish(Outcome.end(decoder.toolCallCount() > 0 ? FinishReason.TOOL_CALLS : FinishReason.STOP));
    }
  }

  private void onBodyEnded() {
    bodyEnded = true;
    if (lingerTimer >= 0) {
      vertx.cancelTimer(lingerTimer);
    }
    if (!done) {
      afterLastLine();
    }
  }

  /**
   * The body ended: the whole lines still buffered go first (unless the client's queue fills again), then a last
   * line without its newline still counts, then a body without a done line is a failure, never a clean end.
   */
  private void afterLastLine() {
    drainLines();
    if (done || paused) {
      return;
    }
    if (lines.remainder()) {
      if (lines.lineTooLong()) {
        finish(Outcome.fail(tooLong()));
        return;
      }
      line(lines.bytes(), lines.lineFrom(), lines.lineTo());
    }
    if (!done) {
      finish(Outcome.fail(ProviderError.upstream("upstream closed the stream before its done line")));
    }
  }

  private void onFailure(Throwable failure) {
    if (!done) {
      finish(Outcome.fail(UpstreamErrors.fromFailure(failure, config)));
    }
  }

  private void timedOut(String message) {
    if (!done) {
      finish(Outcome.fail(ProviderError.timeout(message)));
    }
  }

  /**
   * Reads a bounded error body, then fails. Past the limit the rest is not worth waiting for: the exchange is
   * aborted and the start of the body is judged as it is.
   */
  private void readError(HttpClientResponse received, int status, String retryAfter) {
    Buffer body = Buffer.buffer();
    watchdog.watch(config.idleTimeoutMs(), "upstream sent nothing for " + config.idleTimeoutMs() + " ms");
    received.endHandler(v -> {
      bodyEnded = true;
      failWith(status, body, retryAfter);
    });
    received.handler(chunk -> {
      if (done) {
        return;
      }
      watchdog.activity();
      body.appendBuffer(chunk, 0, Math.min(ERROR_BODY_LIMIT - body.length(), chunk.length()));
      if (body.length() >= ERROR_BODY_LIMIT) {
        failWith(status, body, retryAfter);
      }
    });
  }

  private void failWith(int status, Buffer body, String retryAfter) {
    if (!done) {
      finish(Outcome.fail(UpstreamErrors.fromStatus(status, body.toString(), retryAfter, config)));
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
   * After the done line the body normally ends at once and the connection goes back to the pool. An upstream that
   * keeps the body open would hold the connection forever: it gets the idle timeout, then the exchange is closed.
   */
  private void lingerThenAbort() {
    if (response != null && !bodyEnded) {
      // Read (and drop) the rest, so a body that ends returns its connection to the pool.
      response.resume();
      lingerTimer = vertx.setTimer(config.idleTimeoutMs(), t -> {
        if (!bodyEnded) {
          abort();
        }
      });
    }
  }

  /**
   * Closes the upstream exchange. On HTTP/1.1 Vert.x closes the connection of a request whose response is still
   * coming, which is what tells Ollama to stop generating; a finished exchange is left alone.
   */
  private void abort() {
    if (request != null) {
      request.reset();
    }
  }

  private static boolean isBlank(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      byte b = bytes[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
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
    return "OllamaStream[" + config.target() + (done ? ", done" : "") + "]";
  }
}
