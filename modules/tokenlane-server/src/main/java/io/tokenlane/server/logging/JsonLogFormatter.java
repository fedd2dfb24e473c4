package io.tokenlane.server.logging;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per line ({@code logging.format: json}): {@code time} (ISO-8601, UTC), {@code level},
 * {@code logger}, {@code thread}, {@code message}, and for a record with a throwable {@code error} (class and message)
 * and {@code stack} (the trace, one string). Newlines inside values are escaped, so a line is always one record.
 */
public final class JsonLogFormatter extends Formatter {

  @Override
  public String format(LogRecord record) {
    JsonObject json = new JsonObject()
      .put("time", Instant.ofEpochMilli(record.getMillis()).toString())
      .put("level", record.getLevel().getName())
      .put("logger", record.getLoggerName())
      .put("thread", Thread.currentThread().getName())
      .put("message", formatMessage(record));
    Throwable thrown = record.getThrown();
    if (thrown != null) {
      json.put("error", thrown.getClass().getName() + (thrown.getMessage() == null ? "" : ": " + thrown.getMessage()));
      StringWriter stack = new StringWriter();
      thrown.printStackTrace(new PrintWriter(stack));
      json.put("stack", stack.toString());
    }
    return json.encode() + System.lineSeparator();
  }
}
