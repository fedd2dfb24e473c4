package io.tokenlane.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.SseParser;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decoder on its own, fed through the SSE parser as the stream feeds it, without a network in between. */
class EventDecoderTest {

  private static final GeminiConfig CONFIG = GeminiConfig.from("test", new JsonObject().put("apiKey", "AIza-secret-key"));

  /** Records sink calls as text, so two runs compare with equals. */
  private static class Calls implements StreamSink {
    final List<String> calls = new ArrayList<>();

    @Override
    public void text(String delta) {
      calls.add("text:" + delta);
    }

    @Override
    public void reasoning(String delta) {
      calls.add("reasoning:" + delta);
    }

    @Override
    public void toolCalls(JsonArray toolCalls) {
      JsonObject call = toolCalls.getJsonObject(0).copy();
      call.remove("id");
      calls.add("toolCalls:" + call.encode());
    }

    @Override
    public void usage(Usage usage) {
      calls.add("usage:" + usage);
    }

    @Override
    public void end(FinishReason reason) {
      calls.add("end:" + reason);
    }

    @Override
    public void fail(ProviderError error) {
      calls.add("fail:" + error.code());
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
    }
  }

  /** Feeds the body in the given pieces and reports the outcome as GeminiStream does. */
  private static List<String> decode(byte[] body, int... cuts) {
    Calls sink = new Calls();
    EventDecoder decoder = new EventDecoder(sink, () -> false, CONFIG);
    List<Outcome> outcomes = new ArrayList<>();
    SseParser parser = new SseParser(new SseParser.Listener() {
      @Override
      public void onEvent(String type, byte[] data, int from, int to) {
        if (outcomes.isEmpty()) {
          Outcome outcome = decoder.event(data, from, to);
          if (outcome != null) {
            outcomes.add(outcome);
          }
        }
      }
    });
    int start = 0;
    for (int cut : cuts) {
      parser.feed(Buffer.buffer().appendBytes(body, start, cut - start));
      start = cut;
    }
    parser.feed(Buffer.buffer().appendBytes(body, start, body.length - start));
    parser.end();
    Outcome outcome = outcomes.isEmpty() ? decoder.bodyEnded() : outcomes.get(0);
    if (decoder.usage() != null) {
      sink.usage(decoder.usage());
    }
    if (outcome.failed()) {
      sink.fail(outcome.error());
    } else {
      sink.end(outcome.reason());
    }
    return sink.calls;
  }

  @Test
  void aRecordedStreamCutAtEveryByteGivesTheSameCallsAsWhole() {
    byte[] body = RecordedStreams.TEXT_WITH_THOUGHTS.getBytes(StandardCharsets.UTF_8);
    List<String> whole = decode(body);
    assertEquals(List.of("reasoning:" + RecordedStreams.THOUGHT, "text:Hello, world! <3",
      "text: \u00c7a va? \uD83C\uDF0D", "usage:Usage[promptTokens=12, completionTokens=40]", "end:STOP"), whole);

    for (int cut = 1; cut < body.length; cut++) {
      assertEquals(whole, decode(body, cut), "cut at byte " + cut);
    }
  }

  @Test
  void aRecordedStreamCutIntoThreeAtEveryPairOfPlacesNearEventBoundariesGivesTheSameCalls() {
    byte[] body = RecordedStreams.TEXT_WITH_THOUGHTS.getBytes(StandardCharsets.UTF_8);
    List<String> whole = decode(body);
    int boundary = RecordedStreams.TEXT_WITH_THOUGHTS.indexOf("\r\n\r\n");
    for (int first = Math.max(1, boundary - 6); first < boundary + 6; first++) {
      for (int second = first + 1; second < body.length; second += 7) {
        assertEquals(whole, decode(body, first, second), "cuts at " + first + " and " + second);
      }
    }
  }

  @Test
  void fieldsInAnyOrderAndUnknownFieldsAreFine() {
    String event = "data: {\"modelVersion\":\"x\",\"usageMetadata\":{\"thoughtsTokenCount\":2,\"promptTokenCount\":1,"
      + "\"candidatesTokenCount\":3,\"cachedContentTokenCount\":null,\"trafficType\":\"ON_DEMAND\"},\"candidates\":[{"
      + "\"safetyRatings\":[{\"category\":\"HARM_CATEGORY_HATE_SPEECH\",\"probability\":\"NEGLIGIBLE\"}],"
      + "\"finishReason\":\"STOP\",\"content\":{\"role\":\"model\",\"parts\":[{\"thought\":true,\"text\":\"t\"},"
      + "{\"text\":\"a\",\"thoughtSignature\":\"sig\"},{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"AA==\"}}]},"
      + "\"citationMetadata\":{\"citationSources\":[]},\"groundingMetadata\":{}},{\"content\":{\"parts\":[{\"text\":"
      + "\"second candidate\"}]}}],\"promptFeedback\":{\"safetyRatings\":[]}}\n\n";

    assertEquals(List.of("reasoning:t", "text:a", "usage:Usage[promptTokens=1, completionTokens=5]", "end:STOP"),
      decode(event.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theLastFinishReasonSeenWinsAndATrailingUsageOnlyEventIsKept() {
    String body = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"finishReason\":\"STOP\"}]}\n\n"
      + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"b\"}]},\"finishReason\":\"MAX_TOKENS\"}]}\n\n"
      + "data: {\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":2}}\n\n";

    assertEquals(List.of("text:a", "text:b", "usage:Usage[promptTokens=3, completionTokens=2]", "end:LENGTH"),
      decode(body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void wrongShapesAreBadResponsesBeforeAnyOfTheEventReachesTheSink() {
    List<String> events = List.of(
      "{\"candidates\":{\"content\":{}}}",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"},{\"text\":5}]}}]}",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"},{\"functionCall\":{\"args\":{}}}]}}]}",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\",\"thought\":\"yes\"}]}}]}",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":[1]}}]}}]}",
      "{\"usageMetadata\":{\"promptTokenCount\":\"many\"}}",
      "{\"candidates\":[]} {\"candidates\":[]}",
      "[{\"candidates\":[]}]",
      "\"text\"",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]}}]",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]}}],}");
    for (String event : events) {
      Calls sink = new Calls();
      EventDecoder decoder = new EventDecoder(sink, () -> false, CONFIG);
      Outcome outcome = decoder.event(event);
      assertTrue(outcome != null && outcome.failed(), "accepted: " + event);
      assertEquals(ProviderError.BAD_RESPONSE, outcome.error().code(), event);
      assertEquals(List.of(), sink.calls, event);
    }
  }

  @Test
  void invalidUtf8InsideAStringIsABadResponse() {
    byte[] prefix = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ok ".getBytes(StandardCharsets.UTF_8);
    byte[] suffix = "\"}]}}]}".getBytes(StandardCharsets.UTF_8);
    for (byte[] bad : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3, 'x'}, new byte[] {(byte) 0xe2, (byte) 0x82})) {
      byte[] event = Buffer.buffer().appendBytes(prefix).appendBytes(bad).appendBytes(suffix).getBytes();
      Calls sink = new Calls();

      Outcome outcome = new EventDecoder(sink, () -> false, CONFIG).event(event, 0, event.length);

      assertEquals(ProviderError.BAD_RESPONSE, outcome.error().code());
      assertEquals(List.of(), sink.calls);
    }
  }

  @Test
  void jsonInUtf16IsABadResponse() {
    byte[] event = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}]}}]}"
      .getBytes(StandardCharsets.UTF_16LE);
    Calls sink = new Calls();

    Outcome outcome = new EventDecoder(sink, () -> false, CONFIG).event(event, 0, event.length);

    assertEquals(ProviderError.BAD_RESPONSE, outcome.error().code());
    assertEquals(List.of(), sink.calls);
  }

  @Test
  void nullsAreTreatedAsAbsent() {
    Calls sink = new Calls();
    EventDecoder decoder = new EventDecoder(sink, () -> false, CONFIG);

    assertNull(decoder.event("{\"candidates\":[{\"content\":{\"parts\":null},\"finishReason\":null}],\"usageMetadata\":null}"));
    assertNull(decoder.event("{\"candidates\":null,\"promptFeedback\":null,\"error\":null}"));
    assertEquals(List.of(), sink.calls);
    assertEquals(ProviderError.UPSTREAM_ERROR, decoder.bodyEnded().error().code());
  }

  @Test
  void aCancelFromInsideASinkCallStopsTheRestOfTheEvent() {
    boolean[] stopped = {false};
    Calls sink = new Calls() {
      @Override
      public void text(String delta) {
        super.text(delta);
        stopped[0] = true;
      }
    };
    EventDecoder decoder = new EventDecoder(sink, () -> stopped[0], CONFIG);

    decoder.event("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"},{\"text\":\"b\"}]}}]}");

    assertEquals(List.of("text:a"), sink.calls);
  }
}
