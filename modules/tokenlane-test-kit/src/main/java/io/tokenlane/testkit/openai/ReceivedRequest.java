package io.tokenlane.testkit.openai;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * A request {@link FakeOpenAiUpstream} received, as it came off the wire.
 *
 * @param method the HTTP method, such as {@code POST}
 * @param path the path with its query string, such as {@code /v1/chat/completions}
 * @param headers the request headers (case-insensitive names)
 * @param body the body parsed as a JSON object, or {@code null} when it is empty or not a JSON object
 * @param rawBody the body as text, empty when there was none
 * @since 1.0
 */
public record ReceivedRequest(String method, String path, MultiMap headers, JsonObject body, String rawBody) {

  /**
   * One header.
   *
   * @param name the header name, any case
   * @return its first value, or {@code null}
   */
  public String header(String name) {
    return headers.get(name);
  }

  /**
   * Whether this request asked for a stream.
   *
   * @return the body's {@code stream} flag
   */
  public boolean streaming() {
    return body != null && Boolean.TRUE.equals(body.getValue("stream"));
  }
}
