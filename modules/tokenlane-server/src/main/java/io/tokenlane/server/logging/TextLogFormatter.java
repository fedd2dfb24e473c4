package io.tokenlane.server.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * The standalone server's text lines: {@code 2026-12-02T11:29:37.027 INFO    [io.tokenlane.access] message}, local
 * time to the millisecond, the level padded to seven, the logger's name, the message, and a failure's stack trace
 * on the lines after. What {@link java.util.logging.SimpleFormatter} prints with the format
 * {@code %1$tFT%1$tT.%1$tL %4$-7s [%3$s] %5$s%6$s%n}, at a fraction of its cost: an event loop formats an access
 * line per request, and SimpleFormatter walks the caller's stack for a source it then does not print, and parses its
 * format string each time.
 */
public final class TextLogFormatter extends Formatter {

  private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
  private static final String NEWLINE = System.lineSeparator();

  /** The time up to the second, made once a second (lines come thousands a second). */
  private record Second(long epochSecond, String text) {
  }

  private final ZoneId zone;
  private volatile Second second = new Second(Long.MIN_VALUE, "");

  /** Local time of the JVM's default zone, as SimpleFormatter. */
  public TextLogFormatter() {
    this(ZoneId.systemDefault());
  }

  TextLogFormatter(ZoneId zone) {
    this.zone = zone;
  }

  @Override
  public String format(LogRecord record) {
    String message = formatMessage(record);
    String logger = record.getLoggerName();
    StringBuilder line = new StringBuilder(48 + (logger == null ? 0 : logger.length()) + message.length());
    long millis = record.getMillis();
    long epochSecond = Math.floorDiv(millis, 1000L);
    int milli = (int) Math.floorMod(millis, 1000L);
    Second cached = second;
    if (cached.epochSecond() != epochSecond) {
      cached = new Second(epochSecond, SECOND.format(LocalDateTime.ofEpochSecond(epochSecond, 0,
        zone.getRules().getOffset(java.time.Instant.ofEpochSecond(epochSecond)))));
      second = cached;
    }
    line.append(cached.text()).append('.');
    if (milli < 100) {
      line.append('0');
    }
    if (milli < 10) {
      line.append('0');
    }
    line.append(milli).append(' ');
    String level = record.getLevel().getLocalizedName();
    line.append(level);
    for (int i = level.length(); i < 7; i++) {
      line.append(' ');
    }
    line.append(" [").append(logger).append("] ").append(message);
    Throwable thrown = record.getThrown();
    if (thrown != null) {
      StringWriter trace = new StringWriter();
      try (PrintWriter out = new PrintWriter(trace)) {
        out.println();
        thrown.printStackTrace(out);
      }
      line.append(trace);
    }
    return line.append(NEWLINE).toString();
  }
}
