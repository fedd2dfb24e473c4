package io.tokenlane.bench.load;

import io.vertx.core.Future;

/**
 * One simulated client of one path: what it keeps between streams (a session, a WebSocket) and its streams, one
 * at a time. Used only on the event loop it was created on.
 */
interface StreamClient {

  /** Connects what the client keeps between streams; not part of any measured latency. */
  default Future<Void> open() {
    return Future.succeededFuture();
  }

  /**
   * Starts a stream.
   *
   * @param probe records its token arrivals
   * @return the running stream
   */
  RunningStream start(StreamProbe probe);

  /** Closes what {@link #open} opened. */
  default void close() {
  }
}
