package io.tokenlane.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The two byte-level pieces under the stream: line splitting and UTF-8 validation, checked without a network. */
class LineReadingTest {

  private static List<String> split(LineBuffer buffer, byte[] body, int... cuts) {
    List<String> lines = new ArrayList<>();
    int from = 0;
    for (int cut : cuts) {
      buffer.append(Buffer.buffer().appendBytes(body, from, cut - from));
      from = cut;
      take(buffer, lines);
    }
    buffer.append(Buffer.buffer().appendBytes(body, from, body.length - from));
    take(buffer, lines);
    if (buffer.remainder()) {
      lines.add(new String(buffer.bytes(), buffer.lineFrom(), buffer.lineTo() - buffer.lineFrom(), StandardCharsets.UTF_8));
    }
    return lines;
  }

  private static void take(LineBuffer buffer, List<String> lines) {
    while (buffer.nextLine()) {
      lines.add(new String(buffer.bytes(), buffer.lineFrom(), buffer.lineTo() - buffer.lineFrom(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void everyTwoAndThreeWayCutOfABodyGivesTheSameLines() {
    byte[] body = "{\"a\":\"h\u00e9\"}\r\n\n{\"b\":\"\uD83C\uDF0D\"}\nlast".getBytes(StandardCharsets.UTF_8);
    List<String> expected = List.of("{\"a\":\"h\u00e9\"}", "", "{\"b\":\"\uD83C\uDF0D\"}", "last");
    for (int first = 0; first <= body.length; first++) {
      assertEquals(expected, split(new LineBuffer(1024), body, first), "cut at " + first);
      for (int second = first; second <= body.length; second++) {
        assertEquals(expected, split(new LineBuffer(1024), body, first, second), "cuts at " + first + ", " + second);
      }
    }
  }

  @Test
  void aBufferThatGrowsPastItsFirstArrayKeepsItsLines() {
    String longLine = "x".repeat(20_000);
    byte[] body = ("short\n" + longLine + "\nend\n").getBytes(StandardCharsets.UTF_8);

    assertEquals(List.of("short", longLine, "end"), split(new LineBuffer(1 << 20), body, 3, 9000, 15000));
  }

  @Test
  void theLimitIsSeenOnAWholeLineAndOnAnUnfinishedOne() {
    LineBuffer buffer = new LineBuffer(10);
    buffer.append(Buffer.buffer("0123456789\n0123456789A\n"));
    assertTrue(buffer.nextLine());
    assertFalse(buffer.lineTooLong());
    assertTrue(buffer.nextLine());
    assertTrue(buffer.lineTooLong());

    LineBuffer unfinished = new LineBuffer(10);
    unfinished.append(Buffer.buffer("0123456789A"));
    assertFalse(unfinished.nextLine());
    assertTrue(unfinished.pendingTooLong());
  }

  @Test
  void utf8ValidationAgreesWithTheJdksStrictDecoderOnRandomAndEdgeBytes() {
    Random random = new Random(12);
    List<byte[]> samples = new ArrayList<>();
    int[][] edges = {{0xc2, 0x80}, {0xc1, 0xbf}, {0xe0, 0xa0, 0x80}, {0xe0, 0x9f, 0xbf}, {0xed, 0x9f, 0xbf},
      {0xed, 0xa0, 0x80}, {0xef, 0xbf, 0xbf}, {0xf0, 0x90, 0x80, 0x80}, {0xf0, 0x8f, 0xbf, 0xbf},
      {0xf4, 0x8f, 0xbf, 0xbf}, {0xf4, 0x90, 0x80, 0x80}, {0xf5, 0x80, 0x80, 0x80}, {0xe2, 0x82}, {0x80}, {0xff}};
    for (int[] edge : edges) {
      byte[] bytes = new byte[edge.length];
      for (int i = 0; i < edge.length; i++) {
        bytes[i] = (byte) edge[i];
      }
      samples.add(bytes);
    }
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[1 + random.nextInt(6)];
      random.nextBytes(bytes);
      samples.add(bytes);
    }
    for (byte[] sample : samples) {
      assertEquals(jdkAccepts(sample), Utf8.isValid(sample, 0, sample.length), () -> HexFormat.of().formatHex(sample));
    }
  }

  private static boolean jdkAccepts(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
