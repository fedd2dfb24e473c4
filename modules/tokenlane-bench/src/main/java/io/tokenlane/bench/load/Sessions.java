package io.tokenlane.bench.load;

import io.tokenlane.bench.target.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/** The native protocol's HTTP calls: sessions, starting and cancelling streams. */
final class Sessions {

  private final HttpClient client;
  private final Endpoint endpoint;

  Sessions(HttpClient client, Endpoint endpoint) {
    this.client = client;
    this.endpoint = endpoint;
  }

  /** @return a new session's token */
  Future<String> create() {
    return call(HttpMethod.POST, "sessions", null)
      .compose(response -> expect(response, 201))
      .map(body -> body.getString("token"));
  }

  /** @return the new stream's id */
  Future<String> startStream(String token) {
    return call(HttpMethod.POST, "streams", token)
      .compose(response -> expect(response, 201))
      .map(body -> body.getString("streamId"));
  }

  /** {@code DELETE streams/{id}}. */
  Future<Void> cancel(String token, String streamId) {
    return call(HttpMethod.DELETE, "streams/" + streamId, token)
      .compose(response -> expect(response, 200))
      .mapEmpty();
  }

  RequestOptions options(HttpMethod method, String path, String token) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost(endpoint.host()).setPort(endpoint.port())
      .setURI(endpoint.apiRoot() + path);
    if (token != null) {
      options.putHeader("authorization", "Bearer " + token);
    }
    return options;
  }

  private Future<HttpClientResponse> call(HttpMethod method, String path, String token) {
    RequestOptions options = options(method, path, token);
    return client.request(options).compose(request -> method == HttpMethod.POST && path.equals("streams")
      ? request.putHeader("content-type", "application/json").send(Prompt.NATIVE)
      : request.send());
  }

  static Future<JsonObject> expect(HttpClientResponse response, int status) {
    return response.body().compose(body -> response.statusCode() == status
      ? Future.succeededFuture(body.toJsonObject())
      : Future.failedFuture("HTTP " + response.statusCode() + " " + body.toString()
        .substring(0, Math.min(160, body.length()))));
  }
}
