package io.tokenlane.bench.target;

import java.util.Map;

/**
 * Where the load generator sends its requests for one path.
 *
 * @param host the host
 * @param port the port
 * @param chatPath the OpenAI chat-completions path
 * @param apiRoot the native protocol's root ({@code /v1/}), or {@code null} when the target has none
 * @param headers extra headers on every chat request (Portkey's routing headers)
 */
public record Endpoint(String host, int port, String chatPath, String apiRoot, Map<String, String> headers) {

  /** @return an OpenAI-compatible server at {@code 127.0.0.1:port/v1} */
  static Endpoint openAi(int port, Map<String, String> headers) {
    return new Endpoint("127.0.0.1", port, "/v1/chat/completions", null, headers);
  }
}
