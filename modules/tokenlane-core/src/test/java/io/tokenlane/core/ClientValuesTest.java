package io.tokenlane.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClientValuesTest {

  @Test
  void shortValuesAreQuotedWhole() {
    assertEquals("'gpt-4o'", ClientValues.quote("gpt-4o"));
    assertEquals("'null'", ClientValues.quote(null));
  }

  @Test
  void longValuesAreCutAtTheLimit() {
    String quoted = ClientValues.bounded("x".repeat(900_000));
    assertEquals("x".repeat(ClientValues.MAX_QUOTED_CHARS) + "...", quoted);
    assertEquals("y".repeat(64), ClientValues.bounded("y".repeat(64)));
  }

  @Test
  void controlCharactersAndAHalfSurrogatePairBecomeQuestionMarks() {
    assertEquals("a?b?c?", ClientValues.bounded("a\nb\u0000c\u001b"));
    String cutInPair = "z".repeat(63) + "\uD83D\uDE00";
    assertEquals("z".repeat(63) + "?...", ClientValues.bounded(cutInPair));
  }
}
