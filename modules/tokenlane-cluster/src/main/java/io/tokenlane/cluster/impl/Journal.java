package io.tokenlane.cluster.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The cluster traffic of the streams owned on one event loop, gathered across streams: at each flush, every stream
 * with events due contributes one batch, and all of them go to the backup in one write; once it completes, the
 * batches now backed up go to the members that follow those streams in one message per member. A regular flush
 * runs every {@code batchMs} while some stream has events waiting (no timer when none has). An urgent event (a
 * first token or an end that another member waits for) gets a flush of its own, of the streams that have one: at
 * the end of the turn, but no sooner than {@code urgentMs} after the previous write, so that urgent events that
 * come close together share one write, and small (a few keys, often one member), so that it comes back soon.
 * Confined to its event loop: every method but {@link #drain} is called there.
 */
final class Journal {

  /** Where a journal's writes and messages go. Called on the journal's event loop. */
  interface Outlet {
    /**
     * Writes batches of several streams at once.
     *
     * @param batches backup key -> an encoded {@link EventBatch}
     * @return completes on any thread once the backup holds them
     */
    CompletionStage<Void> write(Map<String, byte[]> batches);

    /**
     * Sends a member one message for its mirrors.
     *
     * @param member the member's id
     * @param message what {@link MirrorBatches} wrote
     */
    void send(String member, Buffer message);
  }

  /** Which streams a flush takes. */
  enum Flush {
    /** The streams with an event another member waits for. */
    URGENT,
    /** Those, and the streams whose pace says so. */
    REGULAR,
    /** Every stream with events waiting. */
    ALL
  }

  private static final System.Logger LOG = System.getLogger(Journal.class.getName());

  private final ContextInternal context;
  private final Outlet outlet;
  private final long batchNanos;
  private final long backupNanos;
  private final long urgentNanos;
  private List<Replication> waiting = new ArrayList<>();
  private List<Replication> notDue = new ArrayList<>();
  private final Map<String, Buffer> outboxes = new LinkedHashMap<>();
  private final List<Promise<Void>> drains = new ArrayList<>();
  private long lastWriteNanos = Long.MIN_VALUE / 2;
  private long lastRegularNanos = Long.MIN_VALUE / 2;
  private long timerId = -1;
  private boolean urgent;
  private boolean sendQueued;
  private boolean confirming;
  private int writing;

  /**
   * @param context a context on the event loop whose streams this journal carries; its timers run there
   * @param batchMs how often the journal flushes while some stream has events waiting
   * @param backupMs how often a stream no other member follows contributes
   * @param urgentMs the shortest time between a write and an urgent one
   */
  Journal(Context context, long batchMs, long backupMs, long urgentMs, Outlet outlet) {
    this.context = (ContextInternal) context;
    this.outlet = outlet;
    this.batchNanos = TimeUnit.MILLISECONDS.toNanos(batchMs);
    this.backupNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(batchMs, backupMs));
    this.urgentNanos = TimeUnit.MILLISECONDS.toNanos(urgentMs);
  }

  Context context() {
    return context;
  }

  long backupNanos() {
    return backupNanos;
  }

  /** A stream has events waiting (it says so once per batch). */
  void waiting(Replication replication) {
    waiting.add(replication);
    if (timerId < 0) {
      schedule();
    }
  }

  private void schedule() {
    long delayNanos = lastRegularNanos + batchNanos - System.nanoTime();
    timerId = context.setTimer(Math.max(1, ceilMillis(delayNanos)), id -> {
      timerId = -1;
      lastRegularNanos = System.nanoTime();
      flush(Flush.REGULAR);
      if (!waiting.isEmpty()) {
        schedule();
      }
    });
  }

  /** Some stream has an event that another member waits for: a flush soon, shared with any other such stream. */
  void urgent() {
    if (urgent) {
      return;
    }
    urgent = true;
    long delayNanos = lastWriteNanos + urgentNanos - System.nanoTime();
    if (delayNanos <= 0) {
      context.runOnContext(v -> urgentFlush());
    } else {
      context.setTimer(Math.max(1, ceilMillis(delayNanos)), id -> urgentFlush());
    }
  }

  private void urgentFlush() {
    urgent = false;
    flush(Flush.URGENT);
  }

  private static long ceilMillis(long nanos) {
    return (nanos + 999_999) / 1_000_000;
  }

  /** Writes the batch of every stream that has one due for this flush, in one call. */
  private void flush(Flush flush) {
    if (waiting.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    Map<String, byte[]> batches = new HashMap<>();
    List<Replication> written = new ArrayList<>();
    List<Long> numbers = new ArrayList<>();
    for (Replication replication : waiting) {
      long number = replication.take(batches, now, flush);
      if (number < 0) {
        notDue.add(replication);
      } else {
        written.add(replication);
        numbers.add(number);
      }
    }
    List<Replication> flushed = waiting;
    flushed.clear();
    waiting = notDue;
    notDue = flushed;
    if (batches.isEmpty()) {
      return;
    }
    lastWriteNanos = now;
    writing++;
    outlet.write(batches).whenCompleteAsync((ok, failure) -> context.runOnContext(v -> {
      if (failure != null) {
        // Followers elsewhere must not wait for a backup that will not come: they get the events unsaved.
        LOG.log(System.Logger.Level.WARNING, "cannot back up the events of " + written.size() + " streams: "
          + failure);
      }
      confirmed(written, numbers);
    }), ClusterStreams.DIRECT);
  }

  private void confirmed(List<Replication> written, List<Long> numbers) {
    confirming = true;
    try {
      for (int i = 0; i < written.size(); i++) {
        written.get(i).confirmed(numbers.get(i));
      }
    } finally {
      confirming = false;
    }
    send();
    writing--;
    if (writing == 0 && !drains.isEmpty()) {
      List<Promise<Void>> done = List.copyOf(drains);
      drains.clear();
      done.forEach(Promise::complete);
    }
  }

  /**
   * The message being built for a member: a sink writes a part with {@link MirrorBatches}, then calls
   * {@link #posted}.
   */
  Buffer outbox(String member) {
    return outboxes.computeIfAbsent(member, m -> Buffer.buffer(512));
  }

  /** A part was written to an outbox: it goes with the confirmations under way, or at the end of this turn. */
  void posted() {
    if (!confirming && !sendQueued) {
      sendQueued = true;
      context.runOnContext(v -> send());
    }
  }

  private void send() {
    sendQueued = false;
    if (outboxes.isEmpty()) {
      return;
    }
    outboxes.forEach(outlet::send);
    outboxes.clear();
  }

  /**
   * Writes everything waiting, whatever its pace, and waits for every write under way. Called on any thread.
   *
   * @return completes once the backup holds every event given to this journal so far
   */
  Future<Void> drain() {
    Promise<Void> drained = Promise.promise();
    context.runOnContext(v -> {
      flush(Flush.ALL);
      if (writing == 0) {
        drained.complete();
      } else {
        drains.add(drained);
      }
    });
    return drained.future();
  }
}
