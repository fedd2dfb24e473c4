package io.tokenlane.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.SpiVersion;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The rules every provider plugin must follow, as a JUnit 5 test class a plugin author extends.
 *
 * <p>Each test hosts the plugin in a {@link ProviderHarness} on a fresh Vert.x instance (closed after the test),
 * so the plugin runs exactly as in the gateway: configuration validated against its schema, verticle deployed,
 * {@code stream} and {@code cancel} called on its event loop, every sink call checked by a {@link RecordedStream}.
 * A plugin with a real upstream starts a fake of it in its own {@code @BeforeEach}, which runs after this
 * class's, so {@link #vertx()} is ready:
 *
 * <pre>{@code
 * class AcmeProviderContractTest extends ProviderContractTest {
 *   private AcmeFakeUpstream upstream;   // speaks Acme's wire format on loopback
 *
 *   @BeforeEach
 *   void startUpstream() {
 *     upstream = await(AcmeFakeUpstream.start(vertx()));
 *   }
 *
 *   protected ProviderFactory factory() { return new AcmeProviderFactory(); }
 *   protected JsonObject validConfig() { return new JsonObject().put("baseUrl", upstream.baseUrl()); }
 *   protected ChatRequest prompt() { return ProviderHarness.prompt("acme-large", "Tell me a story"); }
 *   protected Future<Void> upstreamClosedAfterCancel() { return upstream.connectionClosed(); }
 * }
 * }</pre>
 *
 * <p>{@link #prompt()} must produce an answer long enough to be cancelled after its first text chunk: the fake
 * upstream should write its chunks over several writes (or with small delays), not all in one buffer.
 * {@code plugins/provider-mock}'s {@code MockProviderContractTest} is a complete, compiled example.
 *
 * @since 1.0
 */
@ExtendWith(VertxExtension.class)
public abstract class ProviderContractTest {

  /** How long any single step may take before the test fails: a hang guard, not a speed requirement. */
  protected static final long TIMEOUT_SECONDS = 10;
  /** How long the tests watch for sink calls that must not come (after a terminal call, after cancel). */
  protected static final long QUIET_PERIOD_MS = 250;

  private Vertx vertx;

  /** @return the plugin's factory, as ServiceLoader would create it */
  protected abstract ProviderFactory factory();

  /** @return a configuration the plugin accepts; may point at a fake upstream started in {@code @BeforeEach} */
  protected abstract JsonObject validConfig();

  /** @return a prompt the plugin answers with a normal, multi-token, multi-chunk answer */
  protected abstract ChatRequest prompt();

  /**
   * @return completes once the fake upstream saw the cancelled request's connection (or HTTP/2 stream) close;
   *     the default completes at once, so for a plugin without an upstream only the plugin's side is checked
   */
  protected Future<Void> upstreamClosedAfterCancel() {
    return Future.succeededFuture();
  }

  /** @return whether to check the optional pause while {@code StreamSink.writeQueueFull()}; default false */
  protected boolean honoursBackpressure() {
    return false;
  }

  @BeforeEach
  final void bindVertx(Vertx vertx) {
    this.vertx = vertx;
  }

  /** @return the Vert.x instance of the current test, ready from the subclass's {@code @BeforeEach} on */
  protected final Vertx vertx() {
    return vertx;
  }

  @Test
  void idIsLowerCaseLettersDigitsAndDashes() {
    String id = factory().id();
    assertNotNull(id, "id() returned null");
    assertTrue(id.matches("[a-z0-9-]+"), "id must match [a-z0-9-]+, got \"" + id + "\"");
  }

  @Test
  void spiVersionIsCompatibleWithTheCurrentSpi() {
    String version = factory().spiVersion();
    assertTrue(SpiVersion.isCompatible(version, SpiVersion.CURRENT),
      "plugin targets SPI " + version + ", this kit speaks " + SpiVersion.CURRENT);
  }

  @Test
  void schemaAcceptsTheValidConfig() {
    ConfigSchema.Validation validation = factory().configSchema().validate(validConfig());
    assertEquals(List.of(), validation.problems());
  }

  @Test
  void schemaRejectsAnUnknownKeyWithAMessageNamingIt() {
    String typo = "noSuchKeyInAnyPlugin";
    List<String> problems = factory().configSchema().validate(validConfig().copy().put(typo, "x")).problems();
    assertTrue(problems.stream().anyMatch(problem -> problem.contains(typo)),
      "expected a problem naming " + typo + ", got " + problems);
  }

  @Test
  void verticleDeploysAndUndeploys() {
    ProviderHarness harness = deploy();
    assertTrue(vertx.deploymentIDs().contains(harness.deploymentId()), "not deployed");
    await(harness.undeploy());
    assertFalse(vertx.deploymentIDs().contains(harness.deploymentId()), "still deployed after undeploy");
  }

  @Test
  void aPromptStreamsTextAndEndsWithExactlyOneEnd() {
    assertCompletedNormally(await(deploy().run(prompt())));
  }

  @Test
  void cancellingMidStreamStopsAllSinkCallsAndClosesTheUpstream() {
    RecordedStream stream = deploy().start(prompt(), ProviderContractTest::cancelAfterFirstChunk);
    await(stream.terminal());
    assertCancelledMidStream(stream);
    int seen = stream.events().size();
    quietPeriod();
    assertEquals(seen, stream.events().size(), "sink calls after cancel");
    assertEquals(List.of(), stream.violations());
    await(upstreamClosedAfterCancel());
  }

  @Test
  void twoConcurrentPromptsOnOneVerticleBothCompleteIndependently() {
    ProviderHarness harness = deploy();
    RecordedStream first = harness.start(prompt());
    RecordedStream second = harness.start(prompt());
    await(Future.all(first.terminal(), second.terminal()));
    assertCompletedNormally(first);
    assertCompletedNormally(second);
  }

  @Test
  void cancellingOneStreamLeavesAConcurrentOneRunning() {
    ProviderHarness harness = deploy();
    RecordedStream survivor = harness.start(prompt());
    RecordedStream cancelled = harness.start(prompt(), ProviderContractTest::cancelAfterFirstChunk);
    await(cancelled.terminal());
    assertCancelledMidStream(cancelled);
    assertCompletedNormally(await(survivor.terminal()));
    assertEquals(List.of(), cancelled.violations());
  }

  @Test
  void pausesWhileTheWriteQueueIsFullAndFinishesAfterDrain() {
    assumeTrue(honoursBackpressure(), "optional: override honoursBackpressure() to check it");
    RecordedStream stream = deploy().start(prompt(), ProviderContractTest::fillQueueAfterFirstChunk);
    await(stream.textChunksReceived(1));
    quietPeriod();
    int paused = stream.events().size();
    quietPeriod();
    assertEquals(paused, stream.events().size(), "sink calls while the write queue is full");
    assertFalse(stream.terminal().isComplete(), "the stream ended while the write queue was full");
    stream.setWriteQueueFull(false);
    assertCompletedNormally(await(stream.terminal()));
  }

  /** @return the plugin deployed on {@link #vertx()} with {@link #validConfig()} */
  protected final ProviderHarness deploy() {
    return await(ProviderHarness.deploy(vertx, factory(), validConfig()));
  }

  /**
   * Waits, on the test thread, for a future's result; fails the test after {@link #TIMEOUT_SECONDS}.
   *
   * @param future the future
   * @param <T> the result type
   * @return its result
   */
  protected static <T> T await(Future<T> future) {
    try {
      return future.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + TIMEOUT_SECONDS + " s", e);
    }
  }

  /** Lets {@link #QUIET_PERIOD_MS} pass, for calls that must not come. */
  protected final void quietPeriod() {
    await(vertx.timer(QUIET_PERIOD_MS, TimeUnit.MILLISECONDS));
  }

  /**
   * Arms a recording to be cancelled the way the gateway cancels on a client's request: on the provider's event
   * loop, as the next task after the first text chunk.
   *
   * @param stream a recording not started yet
   */
  protected static void cancelAfterFirstChunk(RecordedStream stream) {
    stream.textChunksReceived(1).onSuccess(RecordedStream::cancel);
  }

  private static void fillQueueAfterFirstChunk(RecordedStream stream) {
    stream.textChunksReceived(1).onSuccess(first -> first.setWriteQueueFull(true));
  }

  private static void assertCancelledMidStream(RecordedStream stream) {
    assertTrue(stream.isCancelled(), "the stream ended (" + stream.finishReason() + ", " + stream.error()
      + ") before the cancel that followed its first chunk: make prompt() produce a longer answer");
  }

  /**
   * Asserts that a stream produced text, ended with one {@code end} and broke no rule, including during a
   * {@link #quietPeriod()} after the end.
   *
   * @param stream the finished stream
   */
  protected final void assertCompletedNormally(RecordedStream stream) {
    assertNull(stream.error(), "the stream failed");
    assertNotNull(stream.finishReason(), "the stream did not end");
    assertFalse(stream.text().isEmpty(), "the stream produced no text");
    quietPeriod();
    assertEquals(1, stream.terminalCalls(), "terminal calls");
    assertEquals(List.of(), stream.violations());
  }
}
