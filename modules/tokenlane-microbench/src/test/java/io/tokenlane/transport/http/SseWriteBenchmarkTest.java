package io.tokenlane.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every writer of the benchmark puts the same bytes on the wire: one chunk per event. No timing here. */
class SseWriteBenchmarkTest {

  @ParameterizedTest
  @ValueSource(strings = {"vertx", "framed", "lent"})
  void eachWriteReachesTheClientAsOneChunkOfTheEvent(String writer) throws Exception {
    SseWriteBenchmark benchmark = new SseWriteBenchmark();
    benchmark.writer = writer;
    benchmark.setUp();
    try {
      benchmark.writeEvent();
      benchmark.writeEvent();
      int event = SseWriteBenchmark.EVENT.getBytes(StandardCharsets.UTF_8).length;
      long chunk = Integer.toHexString(event).length() + 2 + event + 2;
      String head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        + "8\r\n: open\n\n\r\n";
      // The exact count: a second framing, a missing event or a copy too many would miss it.
      benchmark.whenReceived(head.length() + 2 * SseWriteBenchmark.RUN * chunk).get(30, TimeUnit.SECONDS);
      assertEquals(head.length() + 2 * SseWriteBenchmark.RUN * chunk, benchmark.receivedBytes());
    } finally {
      benchmark.tearDown();
    }
  }
}
