package io.tokenlane.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what the gateway logs (java.util.logging, every level) while it is attached to the root logger: for tests
 * that assert what reached the log, or did not (stack traces, secrets).
 */
final class LogCapture extends Handler implements AutoCloseable {

  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Consumer<LogRecord> also;

  private LogCapture(Consumer<LogRecord> also) {
    this.also = also;
    setLevel(Level.ALL);
  }

  /** @return a capture attached to the root logger; {@link #close()} detaches it */
  static LogCapture start() {
    return start(record -> { });
  }

  /**
   * @param also called with every record as it is published, on the logging thread
   * @return a capture attached to the root logger; {@link #close()} detaches it
   */
  static LogCapture start(Consumer<LogRecord> also) {
    LogCapture capture = new LogCapture(also);
    Logger.getLogger("").addHandler(capture);
    return capture;
  }

  /** @return the records so far, oldest first */
  List<LogRecord> records() {
    return records;
  }

  /**
   * @param logger a logger's name
   * @return the messages logged by it so far
   */
  List<String> messagesOf(String logger) {
    return records.stream().filter(r -> logger.equals(r.getLoggerName())).map(LogRecord::getMessage).toList();
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
    also.accept(record);
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    Logger.getLogger("").removeHandler(this);
  }
}
