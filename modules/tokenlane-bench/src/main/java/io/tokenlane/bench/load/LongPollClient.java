package io.tokenlane.bench.load;

import io.tokenlane.bench.target.Endpoint;
import io.tokenlane.bench.upstream.ScriptSpec;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The native protocol over long-polling: {@code POST streams}, then {@code GET streams/{id}/poll?after=N} again
 * as soon as each answer arrives; cancel is {@code DELETE streams/{id}}.
 */
final class LongPollClient implements StreamClient {

  /** Longest wait per poll, the server's default maximum. */
  static final long WAIT_MS = 30_000;

  private final HttpClient client;
  private final Sessions sessions;
  private String token;

  LongPollClient(HttpClient client, Endpoint endpoint) {
    this.client = client;
    this.sessions = new Sessions(client, endpoint);
  }

  @Override
  public Future<Void> open() {
    return sessions.create().onSuccess(created -> token = created).mapEmpty();
  }

  @Override
  public RunningStream start(StreamProbe probe) {
    RunningStream run = new RunningStream(probe);
    sessions.startStream(token)
      .onSuccess(id -> {
        run.onCancel(() -> sessions.cancel(token, id));
        poll(run, id, 0);
      })
      .onFailure(e -> run.fail("request: " + e.getMessage()));
    return run;
  }

  private void poll(RunningStream run, String id, long after) {
    client.request(sessions.options(HttpMethod.GET, "streams/" + id + "/poll?after=" + after + "&waitMs=" + WAIT_MS, token))
      .compose(request -> request.send())
      .compose(response -> Sessions.expect(response, 200))
      .onSuccess(answer -> answered(run, id, answer))
      .onFailure(e -> run.fail("poll: " + e.getMessage()));
  }

  private void answered(RunningStream run, String id, JsonObject answer) {
    long now = System.nanoTime();
    JsonArray events = answer.getJsonArray("events");
    String endReason = null;
    for (int i = 0; i < events.size(); i++) {
      JsonObject event = events.getJsonObject(i);
      String type = event.getString("type");
      if ("token".equals(type)) {
        run.tokens(event.getString("text").length() / ScriptSpec.TOKEN.length(), now);
      } else if ("end".equals(type)) {
        endReason = event.getString("reason");
      }
    }
    if (!events.isEmpty()) {
      run.probe().polled(events.size());
    }
    if (answer.getBoolean("ended", false)) {
      NativeEnds.finish(run, endReason);
    } else if (!run.isDone()) {
      poll(run, id, answer.getLong("nextCursor"));
    }
  }
}
