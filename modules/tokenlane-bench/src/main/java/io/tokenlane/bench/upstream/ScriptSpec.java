package io.tokenlane.bench.upstream;

import io.tokenlane.testkit.openai.Script;
import java.time.Duration;
import java.util.Collections;

/**
 * What the fake upstreams answer: {@code tokens} tokens of {@link #TOKEN} each, {@code delayMs} apart (the first
 * one too, after the role chunk), and when {@code stallAfter} is 0 or more, silence after that many tokens until
 * the client goes away (an idle open stream).
 *
 * @param tokens tokens per answer
 * @param delayMs pause before each event after the first
 * @param stallAfter tokens before stalling, or -1 to end normally
 */
public record ScriptSpec(int tokens, long delayMs, int stallAfter) {

  /** Every token: 4 bytes, so a client counts tokens in an event that carries several by its length. */
  public static final String TOKEN = " tok";

  /** @return the OpenAI fake's script for this spec */
  Script toScript() {
    Script script = Script.tokens(tokenTexts());
    if (delayMs > 0) {
      script.delay(Duration.ofMillis(delayMs));
    }
    if (stallAfter >= 0) {
      script.stallAfter(stallAfter);
    }
    return script;
  }

  /**
   * The Anthropic fake's script for this spec: one text block of the same tokens, one {@code text_delta} event each,
   * with the same pause before every event after {@code message_start} (the kit paces its framing events
   * {@code content_block_start} and {@code ping} like tokens).
   */
  io.tokenlane.testkit.anthropic.Script toAnthropicScript() {
    io.tokenlane.testkit.anthropic.Script script = io.tokenlane.testkit.anthropic.Script.tokens(tokenTexts());
    if (delayMs > 0) {
      script.delay(Duration.ofMillis(delayMs));
    }
    if (stallAfter >= 0) {
      script.stallAfter(stallAfter);
    }
    return script;
  }

  private String[] tokenTexts() {
    return Collections.nCopies(tokens, TOKEN).toArray(String[]::new);
  }
}
