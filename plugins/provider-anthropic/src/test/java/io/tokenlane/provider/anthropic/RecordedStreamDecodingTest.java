package io.tokenlane.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenlane.spi.SseParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A stream in Anthropic's recorded wire format (thinking, multi-byte text, a tool call, cache usage), decoded whole
 * and cut in two at every byte: TCP may cut anywhere, inside a field name, a line ending or a UTF-8 character.
 */
class RecordedStreamDecodingTest {

  static byte[] recorded() {
    try (InputStream in = RecordedStreamDecodingTest.class.getResourceAsStream("/recorded/thinking-text-tool.sse")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Feeds the pieces through the SSE parser and the decoder, with the stream's terminal outcome as a sink call. */
  private static List<String> decode(byte[]... pieces) {
    CollectingSink sink = new CollectingSink();
    boolean[] over = {false};
    EventDecoder decoder = new EventDecoder(sink, () -> over[0], text -> text);
    Consumer<Outcome> report = outcome -> {
      if (outcome != null && !over[0]) {
        over[0] = true;
        if (outcome.failed()) {
          sink.fail(outcome.error());
        } else {
          sink.end(outcome.reason());
        }
      }
    };
    SseParser parser = new SseParser((type, data, from, to) -> {
      if (!over[0]) {
        report.accept(decoder.event(type, data, from, to));
      }
    });
    for (byte[] piece : pieces) {
      parser.feed(Buffer.buffer(piece));
    }
    parser.end();
    report.accept(decoder.bodyEnded());
    return sink.calls;
  }

  @Test
  void theWholeRecordingDecodesToReasoningTextAToolCallUsageAndAToolCallsEnd() {
    assertEquals(List.of(
      "usage 2520/2",
      "reasoning The user wants the weather in Z\u00fcrich",
      "reasoning  \u2014 I should call get_weather.",
      "text Je regarde la m\u00e9t\u00e9o ",
      "text \u00e0 Z\u00fcrich \u2600\ufe0f",
      "text  \uD83C\uDF0D \u5929\u6c14",
      "toolCalls [{\"index\":0,\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"type\":\"function\","
        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]",
      "toolCalls [{\"index\":0,\"function\":{\"arguments\":\"{\\\"location\\\": \\\"Z\u00fc\"}}]",
      "toolCalls [{\"index\":0,\"function\":{\"arguments\":\"rich\\\", \\\"unit\\\": \\\"c\"}}]",
      "toolCalls [{\"index\":0,\"function\":{\"arguments\":\"elsius\\\"}\"}}]",
      "usage 2520/89",
      "end TOOL_CALLS"), decode(recorded()));
  }

  @Test
  void cutInTwoAtEveryByteTheRecordingDecodesTheSame() {
    byte[] bytes = recorded();
    List<String> whole = decode(bytes);
    for (int cut = 1; cut < bytes.length; cut++) {
      byte[] head = Arrays.copyOfRange(bytes, 0, cut);
      byte[] tail = Arrays.copyOfRange(bytes, cut, bytes.length);
      assertEquals(whole, decode(head, tail), "cut at byte " + cut);
    }
  }

  @Test
  void aRecordingThatStopsShortAtAnyEventBoundaryFailsInsteadOfEndingCleanly() {
    String text = new String(recorded(), StandardCharsets.UTF_8);
    int stop = text.lastIndexOf("event: message_stop");
    for (int end = text.indexOf("\n\n"); end >= 0 && end < stop; end = text.indexOf("\n\n", end + 2)) {
      List<String> calls = decode(text.substring(0, end + 2).getBytes(StandardCharsets.UTF_8));
      assertEquals("fail upstream_error", calls.get(calls.size() - 1), "after byte " + end);
    }
  }
}
