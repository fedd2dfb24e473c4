package io.tokenlane.provider.mock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MockTextTest {

  private static final JsonArray HELLO = user("Hello");

  @Test
  void sameSeedAndPromptGiveTheSameTokens() {
    assertEquals(tokens(42, HELLO, 500), tokens(42, user("Hello"), 500));
  }

  @Test
  void anotherSeedOrPromptGivesOtherTokens() {
    assertNotEquals(tokens(42, HELLO, 50), tokens(43, HELLO, 50));
    assertNotEquals(tokens(42, HELLO, 50), tokens(42, user("Hello!"), 50));
  }

  @Test
  void tokensAreWordsWithALeadingSpaceAfterTheFirst() {
    List<String> tokens = tokens(7, HELLO, 1000);
    assertTrue(tokens.get(0).matches("[A-Z][a-z]*[,.?!]?"), tokens.get(0));
    tokens.subList(1, tokens.size()).forEach(token -> assertTrue(token.matches(" [A-Za-z][a-z]*[,.?!]?"), token));
  }

  @Test
  void textReadsAsSentences() {
    String text = String.join("", tokens(7, HELLO, 1000));
    assertTrue(text.matches("([A-Z][a-z]*(,? [a-z]+)*[.?!] ?)+[A-Za-z ,.?!]*"), text);
    assertTrue(text.contains(","), "expected an occasional comma");
  }

  @Test
  void promptTokensAreCharactersOverFourRoundedUpAndAtLeastOne() {
    assertEquals(2, MockText.promptTokens(HELLO));
    assertEquals(1, MockText.promptTokens(user("")));
    JsonArray parts = new JsonArray().add(new JsonObject().put("role", "user").put("content", new JsonArray()
      .add(new JsonObject().put("type", "text").put("text", "12345678"))
      .add(new JsonObject().put("type", "image_url"))));
    assertEquals(3, MockText.promptTokens(parts.copy().add(new JsonObject().put("role", "system").put("content", "x"))));
  }

  @Test
  void contentPartsAndToolCallMessagesAreDigestedWithoutFailing() {
    JsonArray conversation = user("Call a tool").add(new JsonObject().put("role", "assistant")
      .put("tool_calls", new JsonArray().add(new JsonObject().put("id", "call-1"))));
    assertFalse(tokens(1, conversation, 3).isEmpty());
  }

  private static List<String> tokens(long seed, JsonArray messages, int count) {
    MockText text = MockText.answering(seed, messages);
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tokens.add(text.next());
    }
    return tokens;
  }

  private static JsonArray user(String content) {
    return new JsonArray().add(new JsonObject().put("role", "user").put("content", content));
  }
}
