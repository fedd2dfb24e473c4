package io.tokenlane.provider.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.SplittableRandom;

/**
 * The mock's answer, one token at a time: English-looking words in sentences, the same for the same seed and
 * prompt. A token is one word with its leading space and trailing punctuation, so tokens can be counted as words.
 */
final class MockText {

  private static final String[] WORDS = {
    "the", "a", "model", "token", "stream", "answer", "question", "gateway", "client", "server", "request",
    "time", "data", "light", "river", "mountain", "city", "garden", "window", "story", "idea", "system",
    "is", "was", "can", "will", "should", "might", "makes", "finds", "reads", "writes", "sends", "keeps",
    "brings", "shows", "takes", "gives", "moves", "builds", "learns", "waits", "runs", "turns", "holds",
    "quick", "quiet", "bright", "small", "large", "early", "late", "simple", "careful", "steady", "open",
    "every", "some", "many", "few", "other", "each", "this", "that", "its", "our", "their", "new", "old",
    "and", "but", "or", "so", "then", "when", "while", "because", "after", "before", "with", "without",
    "in", "on", "at", "from", "into", "over", "under", "between", "through", "about", "along", "near",
    "again", "always", "often", "never", "soon", "here", "there", "now", "still", "only", "also", "well"
  };
  private static final int MIN_SENTENCE_WORDS = 4;
  private static final int MAX_SENTENCE_WORDS = 16;
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private final SplittableRandom random;
  private boolean first = true;
  private int wordsLeftInSentence;

  private MockText(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /**
   * The answer to a prompt.
   *
   * @param seed the configured seed
   * @param messages the prompt's messages
   * @return a generator positioned before the first token
   */
  static MockText answering(long seed, JsonArray messages) {
    return new MockText(seed ^ digest(messages));
  }

  /**
   * Estimates the prompt's tokens as its text's characters divided by four, rounded up: the usual rule of thumb
   * for English with OpenAI-style tokenizers.
   *
   * @param messages the prompt's messages
   * @return at least 1
   */
  static int promptTokens(JsonArray messages) {
    long chars = 0;
    for (int i = 0; i < messages.size(); i++) {
      chars += content(messages.getValue(i)).length();
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (chars + 3) / 4));
  }

  /** @return the next token; the first has no leading space */
  String next() {
    boolean sentenceStart = wordsLeftInSentence == 0;
    if (sentenceStart) {
      wordsLeftInSentence = MIN_SENTENCE_WORDS + random.nextInt(MAX_SENTENCE_WORDS - MIN_SENTENCE_WORDS + 1);
    }
    String word = WORDS[random.nextInt(WORDS.length)];
    wordsLeftInSentence--;
    String token = (first ? "" : " ") + (sentenceStart ? capitalized(word) : word) + punctuation();
    first = false;
    return token;
  }

  private String punctuation() {
    if (wordsLeftInSentence == 0) {
      int pick = random.nextInt(10);
      return pick == 0 ? "?" : pick == 1 ? "!" : ".";
    }
    return wordsLeftInSentence > 1 && random.nextInt(10) == 0 ? "," : "";
  }

  private static String capitalized(String word) {
    return Character.toUpperCase(word.charAt(0)) + word.substring(1);
  }

  // FNV-1a rather than String.hashCode: 64 bits, and a digest of the whole conversation, not of one string.
  private static long digest(JsonArray messages) {
    long hash = FNV_OFFSET;
    for (int i = 0; i < messages.size(); i++) {
      String text = content(messages.getValue(i)) + '\u0000';
      for (int c = 0; c < text.length(); c++) {
        hash = (hash ^ text.charAt(c)) * FNV_PRIME;
      }
    }
    return hash;
  }

  // A message's text: its content string, or the text of its content parts; empty for tool-call-only messages.
  private static String content(Object message) {
    Object content = message instanceof JsonObject object ? object.getValue("content") : null;
    if (content instanceof String text) {
      return text;
    }
    StringBuilder text = new StringBuilder();
    if (content instanceof JsonArray parts) {
      for (int i = 0; i < parts.size(); i++) {
        if (parts.getValue(i) instanceof JsonObject part && part.getValue("text") instanceof String partText) {
          text.append(partText);
        }
      }
    }
    return text.toString();
  }
}
