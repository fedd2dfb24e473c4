package io.tokenlane.transport;

/**
 * Settings shared by the client-facing transports.
 */
public final class TransportOptions {

  /** Largest accepted request body: 1 MiB. */
  public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
  /** Idle time after which an event stream gets a keep-alive comment: 15 s, below common proxy timeouts. */
  public static final long DEFAULT_KEEP_ALIVE_MS = 15_000;

  private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  private long keepAliveMs = DEFAULT_KEEP_ALIVE_MS;

  /** Defaults. */
  public TransportOptions() {
  }

  /**
   * A copy.
   *
   * @param other the options to copy
   */
  public TransportOptions(TransportOptions other) {
    this.maxBodyBytes = other.maxBodyBytes;
    this.keepAliveMs = other.keepAliveMs;
  }

  /** @return the body limit in bytes */
  public long getMaxBodyBytes() {
    return maxBodyBytes;
  }

  /**
   * Sets the body limit; larger bodies get 413.
   *
   * @param maxBodyBytes at least 1
   * @return this
   */
  public TransportOptions setMaxBodyBytes(long maxBodyBytes) {
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be at least 1");
    }
    this.maxBodyBytes = maxBodyBytes;
    return this;
  }

  /** @return the keep-alive interval in ms */
  public long getKeepAliveMs() {
    return keepAliveMs;
  }

  /**
   * Sets how long an event stream may stay silent before a keep-alive comment is sent.
   *
   * @param keepAliveMs at least 100
   * @return this
   */
  public TransportOptions setKeepAliveMs(long keepAliveMs) {
    if (keepAliveMs < 100) {
      throw new IllegalArgumentException("keepAliveMs must be at least 100");
    }
    this.keepAliveMs = keepAliveMs;
    return this;
  }
}
