package io.tokenlane.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.gemini.GeminiScript;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GeminiCancelTest extends GeminiProviderTestBase {

  @Test
  void cancelAfterTheFirstTokenClosesTheUpstreamConnectionAndStopsAllSinkCalls() {
    upstream.enqueue(GeminiScript.text("a", "b", "c", "d", "e", "f", "g", "h").delay(Duration.ofMillis(20)));
    RecordedStream stream = harness().start(prompt(), recorded -> recorded.textChunksReceived(1)
      .onSuccess(RecordedStream::cancel));

    await(stream.terminal());
    int eventsAtCancel = stream.events().size();
    await(upstream.awaitClientClosed());

    assertEquals(1, upstream.clientClosedCount());
    assertEquals(0, stream.terminalCalls());
    assertEquals(eventsAtCancel, stream.events().size());
    assertEquals("a", stream.text());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void cancelBeforeTheUpstreamAnsweredClosesTheUpstreamConnection() {
    upstream.enqueue(GeminiScript.noResponse());
    RecordedStream stream = harness().start(prompt());
    await(upstream.awaitRequest(1));

    await(stream.cancel());
    await(upstream.awaitClientClosed());

    assertEquals(0, stream.terminalCalls());
    assertEquals(List.of(), stream.events());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void cancelOfAStalledStreamClosesTheUpstreamConnection() {
    upstream.enqueue(GeminiScript.text("x", "y").stallAfter(1));
    RecordedStream stream = harness().start(prompt());
    await(stream.textChunksReceived(1));

    await(stream.cancel());
    await(upstream.awaitClientClosed());

    assertEquals("x", stream.text());
    assertEquals(0, stream.terminalCalls());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void undeployingUnderAnOpenStreamFailsItAsUnavailableAndClosesTheUpstream() {
    upstream.enqueue(GeminiScript.text("x", "y").stallAfter(1));
    RecordedStream stream = harness().start(prompt());
    await(stream.textChunksReceived(1));

    await(harness().undeploy());
    finished(stream);

    assertEquals(ProviderError.UNAVAILABLE, stream.error().code());
    assertEquals("provider test-gemini stopped", stream.error().message());
    await(upstream.awaitClientClosed());
  }
}
