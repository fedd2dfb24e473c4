package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.json.JsonObject;
import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** The benchmarks measure what they say (their output is right), and the JMH harness runs them. No timing here. */
class PerTokenBenchmarkTest {

  @Test
  void eachPathWritesWhatAClientMustReceive() {
    PerTokenBenchmark benchmark = new PerTokenBenchmark();
    benchmark.setUp();
    String passThrough = benchmark.openAiPassThrough().toString();
    JsonObject expected = new JsonObject(PerTokenBenchmark.CHUNK)
      .put("id", "chatcmpl-6f1c2a9be0d44b1f8a3e5c7d9b0a1c2e").put("model", "gpt-4o-mini");
    assertEquals(expected, new JsonObject(passThrough.substring(6, passThrough.length() - 2)));
    assertEquals(passThrough.length(), benchmark.openAiPassThroughIntoPooledDirect(), "the same bytes, in direct memory");
    assertEquals(passThrough.length(), benchmark.openAiPassThroughViaHeapScratch(), "the same bytes, copied at once");
    String sse = benchmark.nativeEventOverSse().toString();
    JsonObject event = new JsonObject(sse.substring(sse.indexOf("data: ") + 6, sse.length() - 2));
    assertEquals(" token", event.getString("text"));
    assertEquals(1L, event.getLong("seq"));
    String chunk = benchmark.textToOpenAiChunk().toString();
    assertEquals(" token", new JsonObject(chunk.substring(6, chunk.length() - 2)).getJsonArray("choices")
      .getJsonObject(0).getJsonObject("delta").getString("content"));
  }

  @Test
  void theHarnessRunsEveryBenchmark() throws Exception {
    Options options = new OptionsBuilder().include(PerTokenBenchmark.class.getName())
      .forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(50))
      .shouldFailOnError(true).build();
    Collection<RunResult> results = new Runner(options).run();
    assertEquals(5, results.size());
    for (RunResult result : results) {
      assertFalse(Double.isNaN(result.getPrimaryResult().getScore()), result.getParams().getBenchmark());
    }
  }
}
