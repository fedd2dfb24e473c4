package io.tokenlane.bench.upstream;

import io.tokenlane.testkit.openai.Script;
import java.time.Duration;
import java.util.Collections;

/**
 * What the fake upstream answers: {@code tokens} tokens of {@link #TOKEN} each, {@code delayMs} apart (the first
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

  /** @return the kit's script for this spec */
  Script toScript() {
    Script script = Script.tokens(Collections.nCopies(tokens, TOKEN).toArray(String[]::new));
    if (delayMs > 0) {
      script.delay(Duration.ofMillis(delayMs));
    }
    if (stallAfter >= 0) {
      script.stallAfter(stallAfter);
    }
    return script;
  }
}
