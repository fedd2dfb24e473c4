package io.tokenlane.core.stream;

/**
 * A stream being generated, as seen by the transport that opened it.
 */
public interface ActiveStream {

  /** @return the gateway's id of this stream (also sent upstream as the request id) */
  String id();

  /**
   * Cancels the stream: the observer receives {@code onEnd(cancelled)} at once (no text after it), and the
   * provider is told to abort its upstream request. Does nothing once the stream ended. Call on the event loop
   * that opened the stream.
   */
  void cancel();
}
