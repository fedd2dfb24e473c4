package io.tokenlane.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SseParserTest {

  private final List<String> events = new ArrayList<>();
  private final List<String> foreign = new ArrayList<>();
  private final SseParser parser = new SseParser(new SseParser.Listener() {
    @Override
    public void onEvent(String type, byte[] data, int from, int to) {
      events.add(type + "|" + new String(data, from, to - from, StandardCharsets.UTF_8));
    }

    @Override
    public void onForeignLine(String line) {
      foreign.add(line);
    }
  });

  private void feed(String... pieces) {
    for (String piece : pieces) {
      parser.feed(Buffer.buffer(piece));
    }
  }

  @Test
  void aDataLineFollowedByABlankLineIsOneMessageEvent() {
    feed("data: {\"a\":1}\n\n");
    assertEquals(List.of("message|{\"a\":1}"), events);
  }

  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n", "\r"})
  void everyLineEndingTheStandardAllowsEndsLinesAndEvents(String eol) {
    feed("data: one" + eol + eol + "data: two" + eol + eol);
    assertEquals(List.of("message|one", "message|two"), events);
  }

  @Test
  void aCrLfCutBetweenTwoBuffersIsOneLineEnding() {
    feed("data: one\r", "\n\r", "\ndata: two\r\n\r\n");
    assertEquals(List.of("message|one", "message|two"), events);
  }

  @Test
  void aCrAtTheEndOfABufferFollowedByAnotherLineIsNotMistakenForCrLf() {
    feed("data: one\r", "\r", "data: two\r\r");
    assertEquals(List.of("message|one", "message|two"), events);
  }

  @Test
  void severalDataLinesJoinWithNewlines() {
    feed("data: first\ndata:second\ndata\n\n");
    assertEquals(List.of("message|first\nsecond\n"), events);
  }

  @Test
  void onlyOneSpaceAfterTheColonIsRemoved() {
    feed("data:  two spaces\n\n");
    assertEquals(List.of("message| two spaces"), events);
  }

  @Test
  void commentsAreIgnoredAndDispatchNothing() {
    feed(": keep-alive\n\n: OPENROUTER PROCESSING\n\ndata: x\n\n");
    assertEquals(List.of("message|x"), events);
    assertEquals(List.of(), foreign);
  }

  @Test
  void theEventFieldNamesTheEventAndResetsAfterIt() {
    feed("event: error\ndata: {}\n\ndata: next\n\n");
    assertEquals(List.of("error|{}", "message|next"), events);
  }

  @Test
  void idAndRetryFieldsAreAcceptedSilently() {
    feed("id: 7\nretry: 1000\ndata: x\n\n");
    assertEquals(List.of("message|x"), events);
    assertEquals(List.of(), foreign);
  }

  @Test
  void linesThatAreNoFieldAreReportedAsForeign() {
    feed("<html>\n<body>Bad gateway</body>\n\n");
    assertEquals(List.of("<html>", "<body>Bad gateway</body>"), foreign);
    assertEquals(List.of(), events);
  }

  @Test
  void aStreamFedOneByteAtATimeGivesTheSameEvents() {
    String stream = "data: {\"content\":\"héllo 🌍\"}\r\n\r\n: ping\n\nevent: x\ndata: a\ndata: b\r\rdata: [DONE]\n\n";
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (byte b : bytes) {
      parser.feed(Buffer.buffer(new byte[] {b}));
    }
    assertEquals(List.of("message|{\"content\":\"héllo 🌍\"}", "x|a\nb", "message|[DONE]"), events);
  }

  @Test
  void aUtf8CharacterCutBetweenBuffersDecodesWhole() {
    byte[] bytes = "data: 🌍\n\n".getBytes(StandardCharsets.UTF_8);
    parser.feed(Buffer.buffer().appendBytes(bytes, 0, 8));
    parser.feed(Buffer.buffer().appendBytes(bytes, 8, bytes.length - 8));
    assertEquals(List.of("message|🌍"), events);
  }

  @Test
  void aBlankLineWithoutDataDispatchesNothing() {
    feed("event: ping\n\n\n\n");
    assertEquals(List.of(), events);
  }

  @Test
  void aLeadingByteOrderMarkIsSkipped() {
    feed("\uFEFFdata: x\n\n");
    assertEquals(List.of("message|x"), events);
  }

  @Test
  void atTheEndAnEventWhoseLinesAllArrivedIsDispatchedWithoutItsBlankLine() {
    feed("data: last\n");
    parser.end();
    assertEquals(List.of("message|last"), events);
  }

  @Test
  void atTheEndAHalfReceivedLineAfterAByteOrderMarkIsDroppedToo() {
    feed("\uFEFFdata: {\"cut\":");
    parser.end();
    assertEquals(List.of(), events);
    assertEquals(List.of(), foreign);
  }

  @Test
  void atTheEndAHalfReceivedLineIsDropped() {
    feed("data: {\"cut\":");
    parser.end();
    assertEquals(List.of(), events);
  }

  @Test
  void bufferedSizeCountsTheUnfinishedLineAndData() {
    feed("data: abc\ndata: de");
    assertEquals(3 + "data: de".length(), parser.bufferedSize());
    feed("\n\n");
    assertEquals(0, parser.bufferedSize());
  }

  @Test
  void ownedBuffersCutAnywhereGiveTheSameEventsAsCopiedOnes() {
    String stream = "\uFEFFdata: {\"content\":\"héllo 🌍\"}\r\n\r\n: ping\n\nevent: x\ndata: a\ndata: b\r\rdata: [DONE]\r";
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    List<String> expected = List.of("message|{\"content\":\"héllo 🌍\"}", "x|a\nb", "message|[DONE]");
    for (int cut = 0; cut <= bytes.length; cut++) {
      for (int second = cut; second <= bytes.length; second += 7) {
        List<String> seen = new ArrayList<>();
        SseParser owned = new SseParser((type, data, from, to) ->
          seen.add(type + "|" + new String(data, from, to - from, StandardCharsets.UTF_8)));
        // Slices of one larger buffer: each starts inside its backing array, as a network buffer can.
        Buffer whole = Buffer.buffer("xx").appendBytes(bytes).appendString("yy");
        owned.feedOwned(whole.slice(2, 2 + cut));
        owned.feedOwned(whole.slice(2 + cut, 2 + second));
        owned.feedOwned(whole.slice(2 + second, 2 + bytes.length));
        owned.end();
        assertEquals(expected, seen, "cut at " + cut + " and " + second);
      }
    }
  }

  @Test
  void anEventKeptAcrossOwnedBuffersIsNotCopiedUntilItEnds() {
    byte[][] kept = new byte[1][];
    SseParser owned = new SseParser((type, data, from, to) -> kept[0] = data);
    byte[] first = "data: {\"a\":1}\n".getBytes(StandardCharsets.UTF_8);
    owned.feedOwned(Buffer.buffer(first));
    owned.feedOwned(Buffer.buffer("\n"));
    assertEquals(first.length, kept[0].length, "the data line is a range of the first buffer's own bytes");
  }
}
