package io.tokenlane.bench.load;

import io.tokenlane.bench.target.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;

/**
 * The native protocol over Server-Sent Events: {@code POST streams}, then {@code GET streams/{id}/events};
 * cancel is {@code DELETE streams/{id}}. One session per client, as a browser tab has. On a cluster the prompt may
 * go to one member and the read and cancel to another: a session token works on every member.
 */
final class NativeSseClient implements StreamClient {

  private final HttpClient client;
  private final Sessions sessions;
  private final Sessions reads;
  private String token;

  /**
   * @param prompts where the session is created and the prompt sent
   * @param reads where the stream is read and cancelled
   */
  NativeSseClient(HttpClient client, Endpoint prompts, Endpoint reads) {
    this.client = client;
    this.sessions = new Sessions(client, prompts);
    this.reads = new Sessions(client, reads);
  }

  @Override
  public Future<Void> open() {
    return sessions.create().onSuccess(created -> token = created).mapEmpty();
  }

  @Override
  public RunningStream start(StreamProbe probe) {
    RunningStream run = new RunningStream(probe);
    sessions.startStream(token)
      .compose(id -> {
        run.onCancel(() -> reads.cancel(token, id));
        return client.request(reads.options(HttpMethod.GET, "streams/" + id + "/events", token))
          .compose(request -> request.putHeader("accept", "text/event-stream").send());
      })
      .onSuccess(response -> read(response, run))
      .onFailure(e -> run.fail("request: " + e.getMessage()));
    return run;
  }

  private static void read(HttpClientResponse response, RunningStream run) {
    if (response.statusCode() != 200) {
      run.fail("events: HTTP " + response.statusCode());
      return;
    }
    SseLines lines = new SseLines();
    String[] endReason = {null};
    response.handler(buffer -> {
      long now = System.nanoTime();
      lines.feed(buffer, (text, start, end) -> {
        int tokens = Payloads.nativeTokens(text, start, end);
        if (tokens > 0) {
          run.tokens(tokens, now);
        } else if ("end".equals(Payloads.nativeType(text, start, end))) {
          endReason[0] = Payloads.stringValue(text, start, end, "\"reason\":");
          run.endEvent(now, Payloads.stringValue(text, start, end, "\"code\":"));
        }
      });
    });
    response.exceptionHandler(e -> run.fail("events: " + e.getMessage()));
    response.endHandler(v -> NativeEnds.finish(run, endReason[0]));
  }
}
