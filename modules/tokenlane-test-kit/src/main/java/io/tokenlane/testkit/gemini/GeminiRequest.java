package io.tokenlane.testkit.gemini;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * A request {@link FakeGeminiUpstream} received, as it came off the wire.
 *
 * @param method the HTTP method, such as {@code POST}
 * @param path the path without its query string, such as {@code /v1beta/models/gemini-2.5-flash:streamGenerateContent}
 * @param query the query string without {@code ?}, such as {@code alt=sse}, or {@code null}
 * @param headers the request headers (case-insensitive names)
 * @param body the body parsed as a JSON object, or {@code null} when it is empty or not a JSON object
 * @param rawBody the body as text, empty when there was none
 * @since 1.2
 */
public record GeminiRequest(String method, String path, String query, MultiMap headers, JsonObject body, String rawBody) {

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
   * The model named in the path.
   *
   * @return such as {@code gemini-2.5-flash}, or {@code null} when the path names none
   */
  public String model() {
    int start = path.indexOf("/models/");
    int end = path.lastIndexOf(':');
    return start < 0 || end < start ? null : path.substring(start + "/models/".length(), end);
  }
}
