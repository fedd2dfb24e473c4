package io.tokenlane.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

/** JSON log lines, and a log handler that never makes its caller wait. */
class LoggingTest {

  /**
   * The text lines are SimpleFormatter's with the layout the server always had, byte for byte: times before and
   * after the second turns, milliseconds under 100 and 10, every level's padding, parameters and a stack trace.
   */
  @Test
  void textLinesAreWhatSimpleFormatterPrintedWithTheServersLayout() {
    String property = "java.util.logging.SimpleFormatter.format";
    String was = System.getProperty(property);
    SimpleFormatter reference;
    System.setProperty(property, "%1$tFT%1$tT.%1$tL %4$-7s [%3$s] %5$s%6$s%n");
    try {
      reference = new SimpleFormatter();
    } finally {
      if (was == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, was);
      }
    }
    TextLogFormatter text = new TextLogFormatter();
    long base = 1_796_208_051_000L;
    long[] times = {base, base + 7, base + 42, base + 999, base + 1_000, base + 61_005, 0L, base - 86_400_000L * 200};
    Level[] levels = {Level.SEVERE, Level.WARNING, Level.INFO, Level.CONFIG, Level.FINE, Level.FINEST};
    int checked = 0;
    for (long time : times) {
      for (Level level : levels) {
        LogRecord record = new LogRecord(level, "stream {0} ended: {1}");
        record.setParameters(new Object[] {"st-1", "stop"});
        record.setLoggerName("io.tokenlane.streams");
        record.setInstant(java.time.Instant.ofEpochMilli(time));
        if (level == Level.SEVERE) {
          record.setThrown(new IllegalStateException("boom"));
        }
        assertEquals(reference.format(record), text.format(record));
        checked++;
      }
    }
    assertEquals(times.length * levels.length, checked);
  }

  @Test
  void everyRecordIsOneValidJsonLineEvenWithNewlinesAndAStackTrace() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AsyncLogHandler handler = new AsyncLogHandler(out, new JsonLogFormatter());
    LogRecord plain = new LogRecord(Level.INFO, "line one\nline \"two\"");
    plain.setLoggerName("io.tokenlane.test");
    LogRecord failed = new LogRecord(Level.WARNING, "it failed");
    failed.setLoggerName("io.tokenlane.test");
    failed.setThrown(new IllegalStateException("boom"));
    handler.publish(plain);
    handler.publish(failed);
    handler.close();
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(2, lines.size(), lines.toString());
    JsonObject first = new JsonObject(lines.get(0));
    assertEquals("line one\nline \"two\"", first.getString("message"));
    assertEquals("INFO", first.getString("level"));
    assertEquals("io.tokenlane.test", first.getString("logger"));
    JsonObject second = new JsonObject(lines.get(1));
    assertEquals("java.lang.IllegalStateException: boom", second.getString("error"));
    assertTrue(second.getString("stack").contains("everyRecordIsOneValidJsonLine"));
  }

  /** The writer is not woken per record: it comes round by itself, so a quiet server's last lines still show. */
  @Test
  void aRecordIsWrittenWithoutAFlushOrAnotherRecord() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CountDownLatch written = new CountDownLatch(1);
    OutputStream watched = new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public synchronized void write(byte[] b, int off, int len) {
        out.write(b, off, len);
        if (out.toString(StandardCharsets.UTF_8).contains("the only record")) {
          written.countDown();
        }
      }
    };
    AsyncLogHandler handler = new AsyncLogHandler(watched, new SimpleFormatter());
    try {
      handler.publish(new LogRecord(Level.INFO, "the only record"));
      assertTrue(written.await(30, TimeUnit.SECONDS), "written by the writer's own round");
    } finally {
      handler.close();
    }
  }

  @Test
  void aStuckOutputNeverBlocksTheLoggerItDropsAndCounts() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    OutputStream stuck = new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        synchronized (written) {
          written.write(b, off, len);
        }
      }
    };
    AsyncLogHandler handler = new AsyncLogHandler(stuck, new SimpleFormatter());
    int records = AsyncLogHandler.CAPACITY * 3;
    for (int i = 0; i < records; i++) {
      // Returns at once even though nothing can be written: the caller might be an event loop.
      handler.publish(new LogRecord(Level.INFO, "record " + i));
    }
    assertTrue(handler.dropped() > 0, "records past the queue are dropped, not waited for");
    release.countDown();
    handler.close();
    String text;
    synchronized (written) {
      text = written.toString(StandardCharsets.UTF_8);
    }
    assertTrue(text.contains("records dropped"), "the loss is reported in the log itself");
  }
}
