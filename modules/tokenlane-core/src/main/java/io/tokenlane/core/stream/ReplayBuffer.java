package io.tokenlane.core.stream;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The recent events of one stream, kept to serve resumes and late joiners, bounded in count and in age so that
 * memory per stream stays bounded whatever the clients do. The {@code end} event, once appended, is never
 * evicted by age (it is the newest event, so capacity never evicts it either).
 *
 * <p>Evicted events are folded into a {@code snapshot} (the text, tool calls and usage up to a seq), so that a reader
 * who asks for events the buffer no longer holds gets the snapshot and then the events held: a page reload at any
 * moment shows the whole answer. Past {@code snapshotMaxBytes} of folded text and tool calls the buffer stops
 * folding, and such a reader gets an explicit {@link Replay#reset()}, never a silent gap.
 *
 * <p>Thread-safe: the stream's owner appends on its event loop while clients on other event loops read.
 */
public final class ReplayBuffer {

  /**
   * What a read returns.
   *
   * @param events the events after the requested seq, in order (empty when none yet)
   * @param reset {@code true} when events after the requested seq were already evicted and no snapshot covers them:
   *     the reader missed some and must start over from {@code events}' first seq
   * @param lastSeq the newest seq appended so far, 0 before the first
   * @param snapshot when events after the requested seq were evicted and folded: the {@code snapshot} event, whose
   *     seq is the one before {@code events}' first, to send before them; else {@code null}
   */
  public record Replay(List<StreamEvent> events, boolean reset, long lastSeq, StreamEvent snapshot) {

    /** Checks that a reader gets a snapshot or a reset, not both. */
    public Replay {
      if (reset && snapshot != null) {
        throw new IllegalArgumentException("a replay has a snapshot or a reset, not both");
      }
    }

    /** A replay without a snapshot. */
    public Replay(List<StreamEvent> events, boolean reset, long lastSeq) {
      this(events, reset, lastSeq, null);
    }
  }

  private static final int INITIAL_SLOTS = 16;

  private final int capacity;
  private final long ttlNanos;
  private final LongSupplier clock;
  // A ring, grown on demand up to the capacity: an idle stream holds a few slots, not `capacity` of them, and a
  // read at any cursor is an index computation, not a scan.
  private StreamEvent[] events;
  private long[] appendedAt;
  private int head;
  private int size;
  private long lastSeq;
  // What was evicted, folded; null when snapshots are off or the fold outgrew its bound (then it never comes back:
  // a snapshot must cover the stream from its first event).
  private StreamSnapshot snapshot;
  private final long snapshotMaxBytes;

  /**
   * Creates a buffer that folds evicted events into a snapshot of at most
   * {@link StreamHubOptions#DEFAULT_SNAPSHOT_MAX_BYTES}.
   *
   * @param capacity most events kept, at least 1
   * @param ttlMillis how long an event is kept, at least 1
   * @param nanoClock the clock, {@code System::nanoTime} outside tests
   */
  public ReplayBuffer(int capacity, long ttlMillis, LongSupplier nanoClock) {
    this(capacity, ttlMillis, StreamHubOptions.DEFAULT_SNAPSHOT_MAX_BYTES, nanoClock);
  }

  /**
   * Creates a buffer.
   *
   * @param capacity most events kept, at least 1
   * @param ttlMillis how long an event is kept, at least 1
   * @param snapshotMaxBytes most bytes of text and tool calls folded into the snapshot, 0 for no snapshot (a reader
   *     behind the held events gets a reset)
   * @param nanoClock the clock, {@code System::nanoTime} outside tests
   */
  public ReplayBuffer(int capacity, long ttlMillis, long snapshotMaxBytes, LongSupplier nanoClock) {
    if (capacity < 1 || ttlMillis < 1) {
      throw new IllegalArgumentException("capacity and ttl must be at least 1");
    }
    if (snapshotMaxBytes < 0) {
      throw new IllegalArgumentException("snapshotMaxBytes must be at least 0, got " + snapshotMaxBytes);
    }
    this.snapshotMaxBytes = snapshotMaxBytes;
    this.snapshot = snapshotMaxBytes == 0 ? null : new StreamSnapshot(snapshotMaxBytes);
    this.capacity = capacity;
    this.ttlNanos = ttlMillis * 1_000_000L;
    this.clock = nanoClock;
    int slots = Math.min(INITIAL_SLOTS, capacity);
    this.events = new StreamEvent[slots];
    this.appendedAt = new long[slots];
  }

  /**
   * Appends the next event; its seq must follow the last one.
   *
   * @param event the event
   * @throws IllegalArgumentException when the seq is not the next one
   */
  public synchronized void append(StreamEvent event) {
    if (event.seq() != lastSeq + 1) {
      throw new IllegalArgumentException("expected seq " + (lastSeq + 1) + ", got " + event.seq());
    }
    long now = clock.getAsLong();
    evict(now);
    if (size == capacity) {
      dropOldest();
    } else if (size == events.length) {
      grow();
    }
    int slot = (head + size) % events.length;
    events[slot] = event;
    appendedAt[slot] = now;
    size++;
    lastSeq = event.seq();
  }

  /**
   * The events after {@code afterSeq}.
   *
   * @param afterSeq the last seq the reader has, 0 for everything
   * @param max most events to return, at least 1
   * @return the events, with the snapshot, or a reset flag, when some were evicted; the snapshot comes on top of
   *     {@code max}
   * @throws IllegalArgumentException when {@code afterSeq} is negative or beyond the newest event
   */
  public synchronized Replay read(long afterSeq, int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be at least 1, got " + max);
    }
    if (afterSeq < 0 || afterSeq > lastSeq) {
      throw new IllegalArgumentException("cursor " + afterSeq + " is outside the stream (0.." + lastSeq + ")");
    }
    evict(clock.getAsLong());
    long oldest = size == 0 ? lastSeq + 1 : events[head].seq();
    boolean behind = afterSeq + 1 < oldest;
    // Folding is gap-free from seq 1, so a snapshot that exists covers everything before the oldest event held.
    StreamEvent folded = behind && snapshot != null ? snapshot.event() : null;
    int skip = (int) Math.max(0, afterSeq + 1 - oldest);
    int count = Math.min(max, size - skip);
    List<StreamEvent> out = new ArrayList<>(Math.max(count, 0));
    for (int i = 0; i < count; i++) {
      out.add(events[(head + skip + i) % events.length]);
    }
    return new Replay(Collections.unmodifiableList(out), behind && folded == null, lastSeq, folded);
  }

  /**
   * Drops everything held and continues after {@code seq}, as if the events up to it had been evicted: a mirror of
   * another member's stream starts where the owner's buffer starts. Readers behind get a reset.
   *
   * @param seq the last seq the buffer will never hold; nothing happens when it is not beyond the newest
   */
  public synchronized void skipTo(long seq) {
    if (seq <= lastSeq) {
      return;
    }
    while (size > 0) {
      dropOldest();
    }
    lastSeq = seq;
    // What was skipped was never folded: no snapshot covers the stream from its start any more.
    snapshot = null;
  }

  /**
   * Continues from another member's snapshot: the buffer holds nothing yet, and its readers behind get that
   * snapshot (then what the buffer folds on top of it).
   *
   * @param snapshotEvent a {@code snapshot} event, beyond the newest seq
   */
  public synchronized void continueFrom(StreamEvent snapshotEvent) {
    if (snapshotEvent.type() != StreamEvent.Type.SNAPSHOT) {
      throw new IllegalArgumentException("not a snapshot: " + snapshotEvent.type().wireName());
    }
    if (snapshotEvent.seq() <= lastSeq) {
      return;
    }
    while (size > 0) {
      dropOldest();
    }
    lastSeq = snapshotEvent.seq();
    snapshot = snapshotMaxBytes == 0 ? null : StreamSnapshot.continuing(snapshotEvent, snapshotMaxBytes);
  }

  /** @return the newest seq appended, 0 before the first */
  public synchronized long lastSeq() {
    return lastSeq;
  }

  /** @return how many events are held now */
  public synchronized int size() {
    return size;
  }

  private void evict(long now) {
    // A stream's end is never aged out: a reader who comes back late still learns how the stream ended.
    while (size > 0 && now - appendedAt[head] > ttlNanos && !(size == 1 && events[head].isEnd())) {
      dropOldest();
    }
  }

  private void dropOldest() {
    if (snapshot != null && !snapshot.fold(events[head])) {
      snapshot = null;
    }
    events[head] = null;
    head = (head + 1) % events.length;
    size--;
  }

  private void grow() {
    int slots = (int) Math.min(capacity, events.length * 2L);
    StreamEvent[] grownEvents = new StreamEvent[slots];
    long[] grownAt = new long[slots];
    for (int i = 0; i < size; i++) {
      grownEvents[i] = events[(head + i) % events.length];
      grownAt[i] = appendedAt[(head + i) % events.length];
    }
    events = grownEvents;
    appendedAt = grownAt;
    head = 0;
  }
}
