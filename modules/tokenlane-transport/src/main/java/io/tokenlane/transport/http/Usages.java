package io.tokenlane.transport.http;

import io.tokenlane.core.auth.Admissions;
import io.tokenlane.spi.Usage;
import io.vertx.core.json.JsonObject;

/**
 * Token usage for APIs whose answers always carry it: the upstream's when it reported usage (the gateway reports an
 * estimate of its own before every end when the upstream did not), else the same estimate made here: the prompt as
 * {@link Admissions#estimatePromptTokens} counts it, the output at about four bytes a token, marked estimated. What
 * needs it before the end is Anthropic's {@code message_start}, which carries the prompt's count.
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
    int prompt = (int) Math.min(Integer.MAX_VALUE, Admissions.estimatePromptTokens(chat));
    return new Usage(prompt, tokens(outputBytes), true);
  }

  private static int tokens(int bytes) {
    return (bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
  }
}
