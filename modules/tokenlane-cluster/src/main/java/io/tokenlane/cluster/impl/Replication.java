package io.tokenlane.cluster.impl;

import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Backs up one owned stream's events in Hazelcast, batch by batch, and tells the stream's followers on other
 * members how far the backup goes: another member is sent an event only once a backup holds it, so that if the
 * owner dies, what any member has shown is what every member can still serve. Used on the stream's home context.
 */
final class Replication implements Consumer<StreamEvent> {

  /** Something waiting for the backup to reach a seq. */
  interface Watcher {
    void backedUpTo(long seq);
  }

  private final Batcher batcher;
  private final Context home;
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  // Batches written but not yet confirmed in order: batch number -> its last seq, or -1 once confirmed.
  private final TreeMap<Long, long[]> inFlight = new TreeMap<>();
  private long nextBatch;
  private long lastAdded;
  private volatile long backedUp;

  /**
   * @param batchMs the backup interval while another member follows the stream (it waits for the backup)
   * @param backupMs the backup interval while none does (only a late reader after the owner's loss needs it)
   */
  Replication(Vertx vertx, long batchMs, long backupMs, BackupWriter writer) {
    this.home = vertx.getOrCreateContext();
    this.batcher = new Batcher(vertx, () -> watchers.isEmpty() ? Math.max(batchMs, backupMs) : batchMs,
      batch -> write(writer, batch));
  }

  /** Writes one batch; completes on any thread. */
  interface BackupWriter {
    void write(long batchNumber, Buffer batch, Runnable done);
  }

  @Override
  public void accept(StreamEvent event) {
    lastAdded = event.seq();
    batcher.add(event);
  }

  private void write(BackupWriter writer, Buffer batch) {
    long number = nextBatch++;
    // A flush takes every pending event: the batch ends with the last one added.
    long[] state = {lastAdded, 0};
    inFlight.put(number, state);
    writer.write(number, batch, () -> home.runOnContext(v -> confirmed(number)));
  }

  private void confirmed(long number) {
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
    batcher.reschedule();
  }

  void unwatch(Watcher watcher) {
    watchers.remove(watcher);
  }
}
