package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Shapes that OpenAI-compatible servers send and the fake upstream does not. */
class ChunkDecoderTest {

  private final List<Object> calls = new ArrayList<>();
  private boolean cancelOnText;
  private boolean cancelled;
  private final ChunkDecoder decoder = new ChunkDecoder(new StreamSink() {
    @Override
    public void text(String delta) {
      calls.add(delta);
      cancelled = cancelOnText;
    }

    @Override
    public void toolCalls(JsonArray toolCalls) {
      calls.add(toolCalls);
    }

    @Override
    public void usage(Usage usage) {
      calls.add(usage);
    }

    @Override
    public void end(FinishReason reason) {
      throw new AssertionError("the decoder reports outcomes, it does not end the sink");
    }

    @Override
    public void fail(ProviderError error) {
      throw new AssertionError("the decoder reports outcomes, it does not fail the sink");
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
    }
  }, () -> cancelled, text -> text.replace("SECRET", "***"));

  @Test
  void nullContentAndMissingDeltaAreSkipped() {
    assertNull(decoder.event("message", "{\"choices\":[{\"index\":0,\"delta\":{\"content\":null}}]}"));
    assertNull(decoder.event("message", "{\"choices\":[{\"index\":0,\"finish_reason\":null}]}"));
    assertEquals(List.of(), calls);
  }

  @Test
  void aUsageChunkWithNullChoicesAsVllmSendsIsRead() {
    assertNull(decoder.event("message", "{\"choices\":null,\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}"));
    assertEquals(List.of(new Usage(3, 4)), calls);
  }

  @Test
  void onlyTheFirstChoiceIsStreamed() {
    decoder.event("message", "{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"}},"
      + "{\"index\":0,\"delta\":{\"content\":\"mine\"}}]}");
    assertEquals(List.of("mine"), calls);
  }

  @Test
  void doneWithoutAFinishReasonIsANormalStop() {
    assertEquals(Outcome.end(FinishReason.STOP), decoder.event("message", "[DONE]"));
  }

  @Test
  void theLastFinishReasonSeenIsTheOneReportedAtDone() {
    decoder.event("message", "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}");
    assertEquals(Outcome.end(FinishReason.LENGTH), decoder.event("message", "[DONE]"));
  }

  @Test
  void anErrorAsAPlainStringIsQuoted() {
    Outcome outcome = decoder.event("message", "{\"error\":\"CUDA out of memory\"}");
    assertEquals("upstream reported an error mid-stream: CUDA out of memory", outcome.error().message());
  }

  @Test
  void anErrorNamedByTheEventFieldFails() {
    Outcome outcome = decoder.event("error", "{\"message\":\"overloaded\"}");
    assertEquals(ProviderError.UPSTREAM_ERROR, outcome.error().code());
    assertEquals("upstream reported an error mid-stream: overloaded", outcome.error().message());
  }

  @Test
  void aChunkOfTheWrongShapeIsABadResponse() {
    Outcome outcome = decoder.event("message", "{\"choices\":[{\"index\":\"zero\",\"delta\":{}}]}");
    assertEquals(ProviderError.BAD_RESPONSE, outcome.error().code());
  }

  @Test
  void jsonThatIsNotAnObjectIsABadResponse() {
    assertEquals(ProviderError.BAD_RESPONSE, decoder.event("message", "[1,2]").error().code());
  }

  @Test
  void secretsAreRemovedBeforeTheQuoteIsCutShort() {
    String data = "x".repeat(195) + "SECRET and more";
    String message = decoder.event("message", data).error().message();
    assertEquals(false, message.contains("SECR"), message);
  }

  @Test
  void aForeignLineAfterTheFirstEventIsIgnoredAsTheStandardSays() {
    decoder.event("message", "{\"choices\":[]}");
    assertNull(decoder.foreignLine("x-custom: 1"));
  }

  @Test
  void aCancelFromInsideASinkCallKeepsLaterChunksFromTheSink() {
    cancelOnText = true;
    decoder.event("message", "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}");
    decoder.event("message", "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\",\"tool_calls\":[{}]}}],"
      + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}");
    assertEquals(List.of("a"), calls);
  }

  @Test
  void aBrokenConnectionAfterTheFinishReasonStillEndsNormally() {
    decoder.event("message", "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
    assertEquals(Outcome.end(FinishReason.STOP), decoder.interrupted(ProviderError.upstream("reset")));
  }
}
