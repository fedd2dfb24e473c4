package io.tokenlane.bench.load;

import io.tokenlane.bench.target.Endpoint;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * {@code POST /v1/chat/completions} with {@code stream: true}, read as OpenAI's event stream; cancel closes the
 * connection, as the OpenAI SDKs do. Used for direct, nginx, Tokenlane's OpenAI API (from either upstream format)
 * and Portkey.
 */
final class OpenAiSseClient implements StreamClient {

  private final HttpClient client;
  private final RequestOptions options;
  private final Buffer body;

  /** @param body the chat request, {@link Prompt#openAi(io.tokenlane.bench.BenchPath)} */
  OpenAiSseClient(HttpClient client, Endpoint endpoint, Buffer body) {
    this.client = client;
    this.body = body;
    this.options = new RequestOptions().setMethod(HttpMethod.POST).setHost(endpoint.host()).setPort(endpoint.port())
      .setURI(endpoint.chatPath()).putHeader("content-type", "application/json").putHeader("accept", "text/event-stream");
    endpoint.headers().forEach(options::putHeader);
  }

  @Override
  public RunningStream start(StreamProbe probe) {
    RunningStream run = new RunningStream(probe);
    client.request(options)
      .compose(request -> {
        run.onCancel(() -> request.reset());
        return request.send(body);
      })
      .onSuccess(response -> read(response, run))
      .onFailure(e -> run.fail("request: " + e.getMessage()));
    return run;
  }

  private static void read(HttpClientResponse response, RunningStream run) {
    if (response.statusCode() != 200) {
      response.body().onComplete(body -> run.fail("HTTP " + response.statusCode() + " "
        + (body.succeeded() ? body.result().toString().substring(0, Math.min(120, body.result().length())) : "")));
      return;
    }
    SseLines lines = new SseLines();
    boolean[] done = {false};
    response.handler(buffer -> {
      long now = System.nanoTime();
      lines.feed(buffer, (text, start, end) -> {
        if (Payloads.isDone(text, start, end)) {
          done[0] = true;
        } else if (Payloads.isOpenAiError(text, start)) {
          run.fail("error event: " + text.substring(start, Math.min(end, start + 120)));
        } else {
          run.tokens(Payloads.openAiTokens(text, start, end), now);
        }
      });
    });
    response.exceptionHandler(e -> run.fail("response: " + e.getMessage()));
    response.endHandler(v -> {
      if (done[0]) {
        run.complete();
      } else {
        run.fail("stream ended without [DONE]");
      }
    });
  }
}
