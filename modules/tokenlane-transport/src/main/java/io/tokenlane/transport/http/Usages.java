package io.tokenlane.transport.http;

import io.tokenlane.spi.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Token usage for APIs whose answers always carry it: the upstream's when it reported usage, else an estimate of
 * about four bytes of text a token, as the providers' own rules of thumb say (docs/apis.md says so too).
 */
public final class Usages {

  private static final int BYTES_PER_TOKEN = 4;

  private Usages() {
  }

  /**
   * @param reported the upstream's usage, or {@code null}
   * @param chat the chat-completions body (its messages estimate the prompt)
   * @param outputBytes bytes of generated text (escaped), reasoning and tool arguments
   * @return the usage to report
   */
  public static Usage orEstimate(Usage reported, JsonObject chat, int outputBytes) {
    if (reported != null) {
      return reported;
    }
    JsonArray messages = chat.getJsonArray("messages", new JsonArray());
    return new Usage(tokens(messages.encode().length()), tokens(outputBytes));
  }

  private static int tokens(int bytes) {
    return (bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
  }
}
