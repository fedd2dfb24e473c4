package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.openai.Script;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiCancelTest extends OpenAiProviderTestBase {

  @Test
  void cancelMidStreamClosesTheUpstreamConnectionAndStopsAllSinkCalls() throws InterruptedException {
    upstream.enqueue(Script.tokens("a", "b", "c", "d", "e", "f", "g", "h").delay(Duration.ofMillis(20)));
    RecordedStream stream = harness().start(prompt());
    waitFor(() -> stream.textChunks() >= 1);

    await(stream.cancel());
    int eventsAtCancel = stream.events().size();
    await(upstream.awaitClientClosed());

    assertEquals(1, upstream.clientClosedCount());
    assertEquals(0, stream.terminalCalls());
    assertEquals(eventsAtCancel, stream.events().size());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void cancelBeforeTheUpstreamAnsweredClosesTheUpstreamConnection() {
    upstream.enqueue(Script.noResponse());
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
    upstream.enqueue(Script.tokens("x", "y").stallAfter(1));
    RecordedStream stream = harness().start(prompt());
    waitFor(() -> stream.textChunks() == 1);

    await(stream.cancel());
    await(upstream.awaitClientClosed());

    assertEquals("x", stream.text());
    assertEquals(0, stream.terminalCalls());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void cancelRightAfterStartNeverReportsAnything() throws InterruptedException {
    RecordedStream stream = harness().start(prompt());
    await(stream.cancel());
    // Whatever the upstream does next must not reach the sink. Whether the request left before the cancel is the
    // race under test, so there is no event to wait for: if it left, the fake answers it at once and in full, and
    // this pause is the time that answer has to show up (a quiet period, not a wait for something to happen).
    Thread.sleep(200);

    assertEquals(List.of(), stream.events());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void cancelWhileWaitingForAPooledConnectionNeverSendsThePromptAndFreesThePool() {
    deploy(config().put("maxConnections", 1));
    upstream.enqueue(Script.stall());
    RecordedStream holder = harness().start(prompt());
    await(upstream.awaitRequest(1));
    RecordedStream waiting = harness().start(prompt());

    await(waiting.cancel());
    await(holder.cancel());
    RecordedStream next = run(Script.tokens("after"));

    assertEquals("after", next.text());
    assertEquals(2, upstream.requestCount());
    assertEquals(List.of(), waiting.events());
    assertEquals(List.of(), waiting.violations());
  }

  @Test
  void undeployingUnderAnOpenStreamFailsItAsUnavailableAndClosesTheUpstream() {
    upstream.enqueue(Script.tokens("x", "y").stallAfter(1));
    RecordedStream stream = harness().start(prompt());
    waitFor(() -> stream.textChunks() == 1);

    await(harness().undeploy());
    finished(stream);

    assertEquals(ProviderError.UNAVAILABLE, stream.error().code());
    assertEquals("provider test-openai stopped", stream.error().message());
    await(upstream.awaitClientClosed());
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met within 5 s");
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
