package io.tokenlane.transport;

import java.util.HashSet;
import java.util.List;

/**
 * Settings shared by the client-facing transports.
 */
public final class TransportOptions {

  /** Largest accepted request body: 1 MiB. */
  public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
  /** Idle time after which an event stream gets a keep-alive comment: 15 s, below common proxy timeouts. */
  public static final long DEFAULT_KEEP_ALIVE_MS = 15_000;

  /** The native transports, in the default order of preference. */
  public static final List<String> ALL_TRANSPORTS = List.of("websocket", "sse", "long-polling");
  /** Heartbeat interval of WebSocket and native SSE connections: 15 s. */
  public static final long DEFAULT_HEARTBEAT_MS = 15_000;
  /** Largest WebSocket message accepted from a client: 64 KiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
  /** Longest a long-poll may wait for events: 30 s. */
  public static final long DEFAULT_MAX_POLL_WAIT_MS = 30_000;
  /**
   * How long a woken long-poll that already has the answer's beginning waits for more events: 50 ms, so a
   * long-polling client makes at most about 20 requests a second per stream whatever the model's token rate.
   */
  public static final long DEFAULT_POLL_LINGER_MS = 50;

  private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  private long keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
  private List<String> transports = ALL_TRANSPORTS;
  private long heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  private long maxPollWaitMs = DEFAULT_MAX_POLL_WAIT_MS;
  private long pollLingerMs = DEFAULT_POLL_LINGER_MS;
  private boolean compression;

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
    this.transports = other.transports;
    this.heartbeatMs = other.heartbeatMs;
    this.maxFrameBytes = other.maxFrameBytes;
    this.maxPollWaitMs = other.maxPollWaitMs;
    this.pollLingerMs = other.pollLingerMs;
    this.compression = other.compression;
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

  /** @return the native transports offered, in order of preference */
  public List<String> getTransports() {
    return transports;
  }

  /**
   * Sets the native transports offered to clients, in order of preference.
   *
   * @param transports a non-empty subset of {@link #ALL_TRANSPORTS}, without repeats
   * @return this
   */
  public TransportOptions setTransports(List<String> transports) {
    if (transports.isEmpty() || !ALL_TRANSPORTS.containsAll(transports) || new HashSet<>(transports).size() != transports.size()) {
      throw new IllegalArgumentException("transports must be a non-empty list of distinct names among " + ALL_TRANSPORTS);
    }
    this.transports = List.copyOf(transports);
    return this;
  }

  /** @return the heartbeat interval of native connections, in ms */
  public long getHeartbeatMs() {
    return heartbeatMs;
  }

  /**
   * Sets how often WebSocket and native SSE connections get a heartbeat; a WebSocket silent for two intervals is
   * closed as dead.
   *
   * @param heartbeatMs at least 100
   * @return this
   */
  public TransportOptions setHeartbeatMs(long heartbeatMs) {
    if (heartbeatMs < 100) {
      throw new IllegalArgumentException("heartbeatMs must be at least 100");
    }
    this.heartbeatMs = heartbeatMs;
    return this;
  }

  /** @return the largest WebSocket message accepted, in bytes */
  public int getMaxFrameBytes() {
    return maxFrameBytes;
  }

  /**
   * Sets the largest WebSocket message accepted; a larger one closes the connection with 1009.
   *
   * @param maxFrameBytes at least 256
   * @return this
   */
  public TransportOptions setMaxFrameBytes(int maxFrameBytes) {
    if (maxFrameBytes < 256) {
      throw new IllegalArgumentException("maxFrameBytes must be at least 256");
    }
    this.maxFrameBytes = maxFrameBytes;
    return this;
  }

  /** @return the longest wait of a long-poll, in ms */
  public long getMaxPollWaitMs() {
    return maxPollWaitMs;
  }

  /**
   * Sets the longest {@code waitMs} a long-poll may ask for.
   *
   * @param maxPollWaitMs at least 1
   * @return this
   */
  public TransportOptions setMaxPollWaitMs(long maxPollWaitMs) {
    if (maxPollWaitMs < 1) {
      throw new IllegalArgumentException("maxPollWaitMs must be at least 1");
    }
    this.maxPollWaitMs = maxPollWaitMs;
    return this;
  }

  /** @return how long a woken long-poll waits for more events, in ms */
  public long getPollLingerMs() {
    return pollLingerMs;
  }

  /**
   * Sets how long a long-poll that waited and was woken by an event waits for more before it answers, once the
   * client has the beginning of the answer (its cursor is past the stream's first event): at 10 ms between
   * tokens, 50 ms turns one request per token into one per five or six. The first token is never delayed, nor an
   * end, nor a poll that finds events waiting.
   *
   * @param pollLingerMs 0 (answer at once) to 1000
   * @return this
   */
  public TransportOptions setPollLingerMs(long pollLingerMs) {
    if (pollLingerMs < 0 || pollLingerMs > 1000) {
      throw new IllegalArgumentException("pollLingerMs must be within 0..1000");
    }
    this.pollLingerMs = pollLingerMs;
    return this;
  }

  /** @return whether WebSocket clients may negotiate {@code permessage-deflate} */
  public boolean isCompression() {
    return compression;
  }

  /**
   * Lets WebSocket clients negotiate {@code permessage-deflate} (off by default: tokens are a few bytes, and
   * inflating is work a client can make the gateway do). When on, a message is inflated only up to the message
   * limit: past it the connection closes with 1009.
   *
   * @param compression whether compression is offered
   * @return this
   */
  public TransportOptions setCompression(boolean compression) {
    this.compression = compression;
    return this;
  }
}
