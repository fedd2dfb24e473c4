package io.tokenlane.core.stream;

import io.vertx.core.json.JsonObject;

/**
 * How the {@link StreamHub} keeps streams: replay buffer bounds, the detach grace and the resume window.
 */
public final class StreamHubOptions {

  /** A stream with no client attached runs on for 30 s before it is cancelled. */
  public static final long DEFAULT_DETACH_GRACE_MS = 30_000;
  /** Events are kept for resume, and ended streams stay resumable, for 5 minutes. */
  public static final long DEFAULT_RESUME_WINDOW_MS = 300_000;
  /** At most 1024 events per stream are kept for resume. */
  public static final int DEFAULT_REPLAY_CAPACITY = 1024;
  /**
   * At most 1 MiB of an answer's evicted text and tool calls is folded into its snapshot: past it, a resume behind
   * the replay buffer gets a reset.
   */
  public static final long DEFAULT_SNAPSHOT_MAX_BYTES = 1_048_576;
  /** At most 32 streams of one session run at once. */
  public static final int DEFAULT_MAX_RUNNING_PER_SESSION = 32;

  /** At most 32 connections read one stream at once on one member. */
  public static final int DEFAULT_MAX_READERS_PER_STREAM = 32;

  /** At most 20,000 streams (running, or ended and resumable) are kept by one instance: ~10-20 KB each. */
  public static final int DEFAULT_MAX_STREAMS = 20_000;

  private long detachGraceMs = DEFAULT_DETACH_GRACE_MS;
  private int maxStreams = DEFAULT_MAX_STREAMS;
  private long resumeWindowMs = DEFAULT_RESUME_WINDOW_MS;
  private int replayCapacity = DEFAULT_REPLAY_CAPACITY;
  private long snapshotMaxBytes = DEFAULT_SNAPSHOT_MAX_BYTES;
  private int maxRunningPerSession = DEFAULT_MAX_RUNNING_PER_SESSION;
  private boolean acrossSessions;
  private int maxReadersPerStream = DEFAULT_MAX_READERS_PER_STREAM;

  /** Defaults. */
  public StreamHubOptions() {
  }

  /**
   * A copy.
   *
   * @param other the options to copy
   */
  public StreamHubOptions(StreamHubOptions other) {
    this.detachGraceMs = other.detachGraceMs;
    this.resumeWindowMs = other.resumeWindowMs;
    this.replayCapacity = other.replayCapacity;
    this.snapshotMaxBytes = other.snapshotMaxBytes;
    this.maxRunningPerSession = other.maxRunningPerSession;
    this.maxStreams = other.maxStreams;
    this.acrossSessions = other.acrossSessions;
    this.maxReadersPerStream = other.maxReadersPerStream;
  }

  /**
   * From JSON, with defaults for missing keys.
   *
   * @param json {@code detachGraceMs}, {@code resumeWindowMs}, {@code replayCapacity}, {@code snapshotMaxBytes},
   *     {@code maxRunningPerSession}, {@code maxStreams}
   */
  public StreamHubOptions(JsonObject json) {
    setDetachGraceMs(json.getLong("detachGraceMs", DEFAULT_DETACH_GRACE_MS));
    setResumeWindowMs(json.getLong("resumeWindowMs", DEFAULT_RESUME_WINDOW_MS));
    setReplayCapacity(json.getInteger("replayCapacity", DEFAULT_REPLAY_CAPACITY));
    setSnapshotMaxBytes(json.getLong("snapshotMaxBytes", DEFAULT_SNAPSHOT_MAX_BYTES));
    setMaxRunningPerSession(json.getInteger("maxRunningPerSession", DEFAULT_MAX_RUNNING_PER_SESSION));
    setMaxStreams(json.getInteger("maxStreams", DEFAULT_MAX_STREAMS));
    setAcrossSessions(json.getBoolean("acrossSessions", false));
    setMaxReadersPerStream(json.getInteger("maxReadersPerStream", DEFAULT_MAX_READERS_PER_STREAM));
  }

  /** @return the most connections reading one stream at once on one member */
  public int getMaxReadersPerStream() {
    return maxReadersPerStream;
  }

  /**
   * Bounds the connections that read one stream at once on one member: WebSocket and SSE followers and waiting
   * long-polls (another member's mirror counts as one). More get 429 {@code too_many_readers}. Each reader costs
   * about 5 KB of live heap (18-23 KB of RSS) and a write per event, so this bounds what one stream can pin.
   *
   * @param maxReadersPerStream at least 1
   * @return this
   */
  public StreamHubOptions setMaxReadersPerStream(int maxReadersPerStream) {
    if (maxReadersPerStream < 1) {
      throw new IllegalArgumentException("maxReadersPerStream must be at least 1");
    }
    this.maxReadersPerStream = maxReadersPerStream;
    return this;
  }

  /** @return whether any session of a stream's principal may read, resume and cancel it (multi-device continuity) */
  public boolean isAcrossSessions() {
    return acrossSessions;
  }

  /**
   * Multi-device continuity: when on, any session minted by the same authenticated principal (API key, JWT subject)
   * may follow, resume and cancel a stream by its id, so that a second tab or the user's phone picks up the answer.
   * Off by default: a stream belongs to the session that started it.
   *
   * @param acrossSessions whether to share streams across a principal's sessions
   * @return this
   */
  public StreamHubOptions setAcrossSessions(boolean acrossSessions) {
    this.acrossSessions = acrossSessions;
    return this;
  }

  /** @return these options as JSON */
  public JsonObject toJson() {
    return new JsonObject().put("detachGraceMs", detachGraceMs).put("resumeWindowMs", resumeWindowMs)
      .put("replayCapacity", replayCapacity).put("snapshotMaxBytes", snapshotMaxBytes)
      .put("maxRunningPerSession", maxRunningPerSession)
      .put("maxStreams", maxStreams).put("acrossSessions", acrossSessions)
      .put("maxReadersPerStream", maxReadersPerStream);
  }

  /** @return how long a stream with no client attached runs on, in ms */
  public long getDetachGraceMs() {
    return detachGraceMs;
  }

  /**
   * Sets how long a stream with no client attached runs on before it is cancelled upstream.
   *
   * @param detachGraceMs at least 1
   * @return this
   */
  public StreamHubOptions setDetachGraceMs(long detachGraceMs) {
    if (detachGraceMs < 1) {
      throw new IllegalArgumentException("detachGraceMs must be at least 1");
    }
    this.detachGraceMs = detachGraceMs;
    return this;
  }

  /** @return how long events and ended streams are kept for resume, in ms */
  public long getResumeWindowMs() {
    return resumeWindowMs;
  }

  /**
   * Sets how long events are kept for resume, and how long an ended stream stays resumable.
   *
   * @param resumeWindowMs at least 1
   * @return this
   */
  public StreamHubOptions setResumeWindowMs(long resumeWindowMs) {
    if (resumeWindowMs < 1) {
      throw new IllegalArgumentException("resumeWindowMs must be at least 1");
    }
    this.resumeWindowMs = resumeWindowMs;
    return this;
  }

  /** @return most events kept per stream */
  public int getReplayCapacity() {
    return replayCapacity;
  }

  /**
   * Sets how many events per stream are kept for resume; a reader further behind gets a reset.
   *
   * @param replayCapacity at least 2 (room for the last token and the end)
   * @return this
   */
  public StreamHubOptions setReplayCapacity(int replayCapacity) {
    if (replayCapacity < 2) {
      throw new IllegalArgumentException("replayCapacity must be at least 2");
    }
    this.replayCapacity = replayCapacity;
    return this;
  }

  /** @return most bytes of evicted text and tool calls folded into a stream's snapshot, 0 when off */
  public long getSnapshotMaxBytes() {
    return snapshotMaxBytes;
  }

  /**
   * Sets how much of an answer's evicted beginning is kept, folded into a snapshot, for a client that resumes behind
   * the replay buffer (a page reload): it gets the snapshot, then the events held, so it shows the whole answer.
   * Past this many bytes of text and tool calls the stream stops folding and such a client gets a reset.
   *
   * @param snapshotMaxBytes at least 0; 0 turns snapshots off (every gap is a reset)
   * @return this
   */
  public StreamHubOptions setSnapshotMaxBytes(long snapshotMaxBytes) {
    if (snapshotMaxBytes < 0) {
      throw new IllegalArgumentException("snapshotMaxBytes must be at least 0");
    }
    this.snapshotMaxBytes = snapshotMaxBytes;
    return this;
  }

  /** @return most streams of one session running at once */
  public int getMaxRunningPerSession() {
    return maxRunningPerSession;
  }

  /**
   * Sets how many streams of one session may run at once; more are refused with 429 {@code too_many_streams}.
   *
   * @param maxRunningPerSession at least 1
   * @return this
   */
  public StreamHubOptions setMaxRunningPerSession(int maxRunningPerSession) {
    if (maxRunningPerSession < 1) {
      throw new IllegalArgumentException("maxRunningPerSession must be at least 1");
    }
    this.maxRunningPerSession = maxRunningPerSession;
    return this;
  }

  /** @return most streams kept by one instance, running or ended and resumable */
  public int getMaxStreams() {
    return maxStreams;
  }

  /**
   * Sets how many streams one instance keeps at most. At the bound, ended streams nobody follows are forgotten
   * early; if that is not enough, new streams get 503 {@code over_capacity}.
   *
   * @param maxStreams at least 1
   * @return this
   */
  public StreamHubOptions setMaxStreams(int maxStreams) {
    if (maxStreams < 1) {
      throw new IllegalArgumentException("maxStreams must be at least 1");
    }
    this.maxStreams = maxStreams;
    return this;
  }
}
