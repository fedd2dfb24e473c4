package io.tokenlane.server;

/**
 * What the gateway's HTTP server allows a client connection; {@code 0} turns a timeout off.
 *
 * @param headerTimeoutMs most time a request head may take, from the connection's opening or the previous
 *   response's end
 * @param bodyTimeoutMs most time a request body may take, from its head
 * @param idleTimeoutMs most time a connection may pass with no byte read or written
 * @param maxBodyBytes largest request body
 */
record HttpLimits(long headerTimeoutMs, long bodyTimeoutMs, long idleTimeoutMs, long maxBodyBytes) {

  /** Default {@code http.headerTimeoutMs}. */
  static final long DEFAULT_HEADER_TIMEOUT_MS = 10_000;
  /** Default {@code http.bodyTimeoutMs}. */
  static final long DEFAULT_BODY_TIMEOUT_MS = 30_000;
  /**
   * Default {@code http.idleTimeoutMs}: well above every legitimate silence (a long-poll waits at most 30 s, SSE
   * and WebSocket heartbeats come every 15 s), and long enough for a non-streamed completion that takes minutes.
   */
  static final long DEFAULT_IDLE_TIMEOUT_MS = 300_000;

  /** @return how often the deadlines are checked: a quarter of the shortest timeout, from 20 ms to 2.5 s */
  long checkIntervalMs() {
    long shortest = Long.MAX_VALUE;
    for (long timeout : new long[] {headerTimeoutMs, bodyTimeoutMs, idleTimeoutMs}) {
      if (timeout > 0) {
        shortest = Math.min(shortest, timeout);
      }
    }
    return shortest == Long.MAX_VALUE ? 2500 : Math.max(20, Math.min(2500, shortest / 4));
  }
}
