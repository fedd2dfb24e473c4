package io.tokenlane.server.logging;

import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Installs the standalone server's logging: one non-blocking handler on the root logger, text or JSON lines. */
public final class LogSetup {

  private LogSetup() {
  }

  /**
   * Replaces the root logger's handlers with an {@link AsyncLogHandler} writing to standard error.
   *
   * @param json one JSON object per line ({@link JsonLogFormatter}); else the text format of
   *     {@code java.util.logging.SimpleFormatter.format}
   * @return the handler
   */
  public static AsyncLogHandler install(boolean json) {
    Logger root = Logger.getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler);
      handler.close();
    }
    AsyncLogHandler handler = new AsyncLogHandler(System.err, json ? new JsonLogFormatter() : new SimpleFormatter());
    root.addHandler(handler);
    return handler;
  }
}
