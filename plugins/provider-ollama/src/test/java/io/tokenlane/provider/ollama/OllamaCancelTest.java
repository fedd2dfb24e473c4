package io.tokenlane.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.ollama.Script;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cancel closes the upstream request, which is what makes Ollama stop generating. */
class OllamaCancelTest extends OllamaProviderTestBase {

  @Test
  void cancelMidStreamClosesTheUpstreamConnectionAndStopsAllSinkCalls() {
    upstream.enqueue(Script.tokens("a", "b", "c", "d", "e", "f", "g", "h").delay(Duration.ofMillis(20)));
    RecordedStream stream = harness().start(prompt());
    await(stream.textChunksReceived(1));

    await(stream.cancel());
    int eventsAtCancel = stream.events().size();
    await(upstream.awaitClientClosed());

    assertEquals(1, upstream.clientClosedCount());
    assertEquals(0, stream.terminalCalls());
    assertEquals(eventsAtCancel, stream.events().size());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void cancelWhileTheModelIsStillThinkingClosesTheUpstreamConnection() {
    upstream.enqueue(Script.tokens("answer").thinking("hmm", " let", " me", " see").stallAfter(2));
    RecordedStream stream = harness().start(prompt());
    await(upstream.awaitRequest(1));

    await(stream.cancel());
    await(upstream.awaitClientClosed());

    assertEquals(0, stream.terminalCalls());
    assertEquals(List.of(), stream.violations());
  }

  @Test
  void cancelBeforeTheUpstreamAnsweredClosesTheUpstreamConnection() {
    upstream.enqueue(Script.noResponse());
    RecordedStream stream = harness().start(prompt());
    await(upstream.awaitRequest(1));

    await(stream.cancel());
    await(upstream.awaitClientClosed());

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
    await(stream.textChunksReceived(1));

    await(harness().undeploy());
    finished(stream);

    assertEquals(ProviderError.UNAVAILABLE, stream.error().code());
    assertEquals("provider test-ollama stopped", stream.error().message());
    await(upstream.awaitClientClosed());
  }
}
