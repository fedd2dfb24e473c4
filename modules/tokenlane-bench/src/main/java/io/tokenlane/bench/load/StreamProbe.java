package io.tokenlane.bench.load;

/**
 * Token arrivals of one stream, recorded as they come. Lives on the event loop of the client that reads the stream.
 */
final class StreamProbe {

  private final Recorder recorder;
  private final long startNanos;
  private final long delayNanos;
  private final boolean measured;
  private long firstNanos = -1;
  private long lastNanos;
  private int tokens;

  /**
   * @param delayNanos the upstream's pause between tokens; 0 records no gaps (throughput runs)
   */
  StreamProbe(Recorder recorder, long delayNanos) {
    this.recorder = recorder;
    this.startNanos = System.nanoTime();
    this.delayNanos = delayNanos;
    this.measured = recorder.inWindow(startNanos);
  }

  /** {@code count} tokens arrived in one event at {@code now}. */
  void tokens(int count, long now) {
    if (count <= 0) {
      return;
    }
    if (recorder.inWindow(now)) {
      recorder.tokens += count;
    }
    if (firstNanos < 0) {
      firstNanos = now;
      if (measured) {
        recorder.ttft.recordValue(micros(now - startNanos));
      }
    } else if (measured && delayNanos > 0) {
      recorder.gap.recordValue(micros(now - lastNanos));
      recorder.lateness.recordValue(micros(now - firstNanos - tokens * delayNanos));
    }
    if (measured && delayNanos > 0) {
      for (int i = 1; i < count; i++) {
        recorder.gap.recordValue(0);
        recorder.lateness.recordValue(micros(now - firstNanos - (tokens + i) * delayNanos));
      }
    }
    tokens += count;
    lastNanos = now;
  }

  /** A long-poll answer carried {@code events} events. */
  void polled(int events) {
    if (measured) {
      recorder.pollEvents.recordValue(events);
    }
  }

  /** @return whether a first token arrived */
  boolean started() {
    return firstNanos >= 0;
  }

  int tokenCount() {
    return tokens;
  }

  void completed() {
    if (recorder.inWindow(System.nanoTime())) {
      recorder.streamsCompleted++;
    }
  }

  void failed(String message) {
    if (measured || recorder.inWindow(System.nanoTime())) {
      recorder.error(message);
    }
  }

  private static long micros(long nanos) {
    return Math.max(0, nanos / 1000);
  }
}
