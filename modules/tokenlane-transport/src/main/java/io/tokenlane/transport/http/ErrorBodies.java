package io.tokenlane.transport.http;

import io.tokenlane.transport.anthropic.AnthropicErrors;
import io.tokenlane.transport.openai.OpenAiErrors;
import io.vertx.core.json.JsonObject;

/**
 * The error body for a request refused before it is routed (a body over the limit, a bad head), in the shape of
 * the API the request was for: Anthropic's for the Messages API, OpenAI's for everything else.
 */
public final class ErrorBodies {

  private ErrorBodies() {
  }

  /**
   * @param path the request's path, or {@code null}
   * @param status the HTTP status
   * @param code a stable code, such as {@code request_too_large}
   * @param message the message
   * @return the body
   */
  public static JsonObject forPath(String path, int status, String code, String message) {
    if (path != null && path.endsWith("/v1/messages")) {
      return AnthropicErrors.body(AnthropicErrors.typeOf(status), message);
    }
    return OpenAiErrors.body(message, OpenAiErrors.typeOf(status), null, code);
  }
}
