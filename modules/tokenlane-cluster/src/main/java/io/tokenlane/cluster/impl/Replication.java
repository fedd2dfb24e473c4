package io.tokenlane.cluster.impl;

import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Backs up one owned stream's events in Hazelcast, batch by batch through its event loop's {@link Journal}, and
 * tells the stream's followers on other members how far the backup goes: another member is sent an event only once
 * a backup holds it, so that if the owner dies, what any member has shown is what every member can still serve.
 * Used on the stream's home event loop.
 */
final class Replication implements Consumer<StreamEvent> {

  /** Something waiting for the backup to reach a seq. */
  interface Watcher {
    void backedUpTo(long seq);
  }

  private final String streamId;
  private final Journal journal;
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  // Batches written but not yet confirmed in order: batch number -> its last seq, or -1 once confirmed.
  private final TreeMap<Long, long[]> inFlight = new TreeMap<>();
  private Buffer pending;
  private boolean endPending;
  private boolean urgent;
  private boolean firstTokenSeen;
  private long lastTakenNanos = Long.MIN_VALUE / 2;
  private long nextBatch;
  private long lastAdded;
  private volatile long backedUp;

  /**
   * @param streamId the stream
   * @param journal its event loop's journal
   * @param firstBatch the number of its first batch: 0, or after the batches of the owner it took over from
   */
  Replication(String streamId, Journal journal, long firstBatch) {
    this.streamId = streamId;
    this.journal = journal;
    this.nextBatch = firstBatch;
  }

  Journal journal() {
    return journal;
  }

  @Override
  public void accept(StreamEvent event) {
    lastAdded = event.seq();
    if (pending == null) {
      pending = Buffer.buffer(256);
      journal.waiting(this);
    }
    EventBatch.append(pending, event);
    boolean firstToken = !firstTokenSeen && event.type() == StreamEvent.Type.TOKEN;
    firstTokenSeen |= firstToken;
    endPending |= event.isEnd();
    if ((firstToken || event.isEnd()) && !watchers.isEmpty()) {
      // Time to first token on another member waits for this batch; an end comes once per stream.
      urgent();
    }
  }

  private void urgent() {
    urgent = true;
    journal.urgent();
  }

  /**
   * Hands over the stream's batch if one is due: in an urgent flush, when it holds an event another member waits
   * for; in a regular one, also while another member follows the stream, once its end is in, or once the backup
   * interval has passed; when draining, always.
   *
   * @param batches where the batch goes, under its backup key
   * @param flush which flush asks
   * @return the batch's number, or -1 when none went
   */
  long take(Map<String, byte[]> batches, long nowNanos, Journal.Flush flush) {
    boolean due = switch (flush) {
      case URGENT -> urgent;
      case REGULAR -> urgent || endPending || !watchers.isEmpty()
        || nowNanos - lastTakenNanos >= journal.backupNanos();
      case ALL -> true;
    };
    if (pending == null || !due) {
      return -1;
    }
    long number = nextBatch++;
    // A batch takes every pending event: it ends with the last one added.
    inFlight.put(number, new long[] {lastAdded, 0});
    batches.put(ClusterStreams.backupKey(streamId, number), pending.getBytes());
    pending = null;
    endPending = false;
    urgent = false;
    lastTakenNanos = nowNanos;
    return number;
  }

  /** The backup holds batch {@code number}: the watchers learn how far it goes, in order. */
  void confirmed(long number) {
    long[] state = inFlight.get(number);
    if (state == null) {
      return;
    }
    state[1] = 1;
    long reached = -1;
    while (!inFlight.isEmpty() && inFlight.firstEntry().getValue()[1] == 1) {
      reached = inFlight.pollFirstEntry().getValue()[0];
    }
    if (reached > backedUp) {
      backedUp = reached;
      for (Watcher watcher : watchers) {
        watcher.backedUpTo(reached);
      }
    }
  }

  /** @return the newest seq a backup holds, every one before it included */
  long backedUp() {
    return backedUp;
  }

  void watch(Watcher watcher) {
    watchers.add(watcher);
    if (pending != null) {
      // What is waiting (a first token, maybe) no longer waits for the pace of a stream nobody follows elsewhere.
      urgent();
    }
  }

  void unwatch(Watcher watcher) {
    watchers.remove(watcher);
  }
}
