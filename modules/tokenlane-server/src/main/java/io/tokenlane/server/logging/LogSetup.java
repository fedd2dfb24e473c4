package io.tokenlane.server.logging;

import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Installs the standalone server's logging: one non-blocking handler on the root logger, text or JSON lines. */
public final class LogSetup {

  // Held: java.util.logging keeps loggers weakly, and a collected logger forgets its level.
  private static final Logger MICROMETER_REGISTRY = Logger.getLogger("io.micrometer.core.instrument.MeterRegistry");

  private LogSetup() {
  }

  /**
   * Replaces the root logger's handlers with an {@link AsyncLogHandler} writing to standard error.
   *
   * @param json one JSON object per line ({@link JsonLogFormatter}); else text lines ({@link TextLogFormatter}), or
   *     {@link SimpleFormatter}'s when the system property {@code java.util.logging.SimpleFormatter.format} sets
   *     another layout
   * @return the handler
   */
  public static AsyncLogHandler install(boolean json) {
    Logger root = Logger.getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler);
      handler.close();
    }
    AsyncLogHandler handler = new AsyncLogHandler(System.err, json ? new JsonLogFormatter()
      : System.getProperty("java.util.logging.SimpleFormatter.format") != null ? new SimpleFormatter()
      : new TextLogFormatter());
    root.addHandler(handler);
    // Each HTTP server instance registers Vert.x's vertx.http.server.active.connections gauge again, and Micrometer
    // warns at the second (vertx-micrometer-metrics#259). Harmless: Vert.x keeps one counter per meter id, shared
    // by the instances, so the gauge counts every instance's connections. Only that registry logger goes quiet.
    if (MICROMETER_REGISTRY.getLevel() == null) {
      MICROMETER_REGISTRY.setLevel(java.util.logging.Level.SEVERE);
    }
    return handler;
  }
}
