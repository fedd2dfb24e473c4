package io.tokenlane.provider.mock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.testkit.ProviderHarness;
import io.tokenlane.testkit.RecordedStream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MockBackpressureTest extends MockTestBase {

  private static final int LENGTH = 300;
  private static final ChatRequest REQUEST = prompt("Write a long answer, please.");

  @ParameterizedTest
  @ValueSource(ints = {0, 5_000})
  void aFullWriteQueueStopsTheMockAtThatChunkAndDrainFinishesTheAnswer(int tokensPerSecond) {
    JsonObject config = new JsonObject().put("length", LENGTH).put("tokensPerSecond", tokensPerSecond);
    RecordedStream stream = deploy(config)
      .start(REQUEST, s -> s.textChunksReceived(10).onSuccess(r -> r.setWriteQueueFull(true)));
    await(stream.textChunksReceived(10));
    assertHeldAt(10, stream);
    stream.setWriteQueueFull(false);
    assertFullAnswer(config, await(stream.terminal()));
  }

  @Test
  void aWriteQueueFullFromTheStartHoldsBackEveryToken() {
    JsonObject config = new JsonObject().put("length", LENGTH);
    RecordedStream stream = deploy(config).start(REQUEST, s -> s.setWriteQueueFull(true));
    assertHeldAt(0, stream);
    stream.setWriteQueueFull(false);
    assertFullAnswer(config, await(stream.terminal()));
  }

  @Test
  void unpacedStreamsYieldSoThatConcurrentStreamsInterleave() {
    JsonObject config = new JsonObject().put("length", 20 * MockStream.BATCH_TOKENS);
    ProviderHarness harness = deploy(config);
    AtomicInteger firstChunksWhenSecondStarted = new AtomicInteger(-1);
    // Both starts in one event-loop task, so neither stream can get a head start of whole turns.
    Promise<List<RecordedStream>> started = Promise.promise();
    harness.verticle().providerContext().runOnContext(v -> {
      RecordedStream first = harness.start(REQUEST);
      RecordedStream second = harness.start(REQUEST, s -> s.textChunksReceived(1)
        .onSuccess(r -> firstChunksWhenSecondStarted.set(first.textChunks())));
      started.complete(List.of(first, second));
    });
    List<RecordedStream> streams = await(started.future());
    await(Future.all(streams.get(0).terminal(), streams.get(1).terminal()));
    assertTrue(firstChunksWhenSecondStarted.get() < 20 * MockStream.BATCH_TOKENS,
      "the second stream got its first chunk only after the first stream's " + firstChunksWhenSecondStarted);
    assertEquals(streams.get(0).text(), streams.get(1).text());
  }

  private void assertHeldAt(int chunks, RecordedStream stream) {
    quietPeriod();
    assertEquals(chunks, stream.events().size(), "sink calls while the write queue is full");
    assertFalse(stream.terminal().isComplete());
  }

  private void assertFullAnswer(JsonObject config, RecordedStream stream) {
    assertEquals(FinishReason.STOP, stream.finishReason());
    assertEquals(LENGTH, stream.textChunks());
    assertEquals(run(config.copy().put("tokensPerSecond", 0), REQUEST).text(), stream.text());
    assertEquals(List.of(), stream.violations());
  }
}
