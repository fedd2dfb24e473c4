package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.openai.Script;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code http2: true} against the fake over cleartext HTTP/2 (prior knowledge): streams share a connection, and a
 * cancel resets only its own stream.
 */
class OpenAiHttp2Test extends OpenAiProviderTestBase {

  @Test
  void streamsShareOneConnectionAndArriveWhole() {
    deploy(config().put("http2", true));
    upstream.defaultScript(Script.tokens("Hel", "lo", " world").delay(Duration.ofMillis(5)).usage(5, 3));
    // One stream first, so the connection and its settings are known before the others ask for one.
    RecordedStream first = harness().start(prompt());
    await(upstream.awaitRequest(1));
    List<RecordedStream> streams = new ArrayList<>(List.of(first));
    for (int i = 0; i < 19; i++) {
      streams.add(harness().start(prompt()));
    }
    for (RecordedStream stream : streams) {
      finished(stream);
      assertEquals("Hello world", stream.text());
      assertEquals(FinishReason.STOP, stream.finishReason());
      assertEquals(3, stream.usage().completionTokens());
    }
    assertEquals(Set.of("h2"), upstream.protocols(), "every request came over HTTP/2");
    assertEquals(1, upstream.connectionCount(), "20 streams, one connection");
    assertEquals("Bearer " + API_KEY, upstream.lastRequest().header("authorization"));
  }

  @Test
  void aCancelResetsItsStreamAndTheOthersCarryOnOnTheSameConnection() {
    deploy(config().put("http2", true));
    upstream.enqueue(Script.tokens("a", "b", "c").stallAfter(1));
    RecordedStream cancelled = harness().start(prompt());
    await(cancelled.textChunksReceived(1));
    upstream.enqueue(Script.tokens("x", "y", "z").delay(Duration.ofMillis(20)));
    RecordedStream other = harness().start(prompt());
    await(upstream.awaitRequest(2));

    await(cancelled.cancel());
    await(upstream.awaitClientClosed());

    finished(other);
    assertEquals("xyz", other.text());
    assertEquals("a", cancelled.text());
    assertEquals(0, cancelled.terminalCalls());
    assertEquals(1, upstream.clientClosedCount(), "the cancelled stream's reset reached the upstream");
    assertEquals(1, upstream.connectionCount(), "the reset closed no connection");
    assertTrue(upstream.protocols().contains("h2"));
  }

  @Test
  void aPausedStreamDoesNotStallTheOthersOnItsConnection() {
    deploy(config().put("http2", true));
    // 400 KB for a client that reads nothing: its stream's flow-control window fills, and with the connection's
    // default window (64 KB) so would the connection's, for every other stream on it.
    String[] tokens = new String[2000];
    Arrays.fill(tokens, "x".repeat(200));
    upstream.enqueue(Script.tokens(tokens));
    // The client fills up at the first text: the plugin pauses its read right after it.
    RecordedStream slow = harness().start(prompt(),
      recording -> recording.textChunksReceived(1).onSuccess(full -> full.setWriteQueueFull(true)));
    await(slow.textChunksReceived(1));
    upstream.enqueue(Script.tokens("still", " flowing").delay(Duration.ofMillis(5)));
    RecordedStream other = harness().start(prompt());

    finished(other);
    assertEquals("still flowing", other.text());
    assertEquals(1, upstream.connectionCount(), "both streams on one connection");
    assertEquals(0, slow.terminalCalls(), "the slow client's stream is paused, not ended");
    slow.setWriteQueueFull(false);
    finished(slow);
    assertEquals(2000 * 200, slow.text().length(), "resumed, it gets every token");
  }

  @Test
  void withoutTheOptionTheUpstreamGetsHttp11() {
    RecordedStream stream = run(Script.tokens("ok"));
    assertEquals("ok", stream.text());
    assertEquals(Set.of("http/1.1"), upstream.protocols());
  }
}
