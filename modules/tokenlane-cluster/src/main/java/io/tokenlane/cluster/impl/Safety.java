package io.tokenlane.cluster.impl;

import com.hazelcast.partition.PartitionService;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether this member could be lost now without losing data: every partition it holds has its backup copy in sync
 * on another member ({@link PartitionService#isLocalMemberSafe()}). Each map keeps one backup, so one member at a
 * time may die; a second loss before the first one's copies are made again can lose streams both held.
 *
 * <p>Hazelcast's check waits on the other members, so it runs on a worker, and only while it matters: from each
 * membership change (it turns the answer false at once) until the check says safe. A steady cluster costs
 * nothing.
 */
final class Safety {

  private static final System.Logger LOG = System.getLogger(Safety.class.getName());
  private static final long RECHECK_MS = 250;

  private final Vertx vertx;
  private final PartitionService partitions;
  private final AtomicLong changes = new AtomicLong();
  private final AtomicBoolean checking = new AtomicBoolean();
  private volatile boolean safe;
  private volatile boolean closed;
  private volatile long unsafeSinceNanos = System.nanoTime();

  Safety(Vertx vertx, PartitionService partitions) {
    this.vertx = vertx;
    this.partitions = partitions;
  }

  /** @return true when this member's partitions all have their backups in sync, as last checked */
  boolean safe() {
    return safe;
  }

  /** Members joined or left: the partitions move, so the answer is false until a check started after this says. */
  void changed() {
    if (safe) {
      unsafeSinceNanos = System.nanoTime();
    }
    safe = false;
    changes.incrementAndGet();
    check();
  }

  void close() {
    closed = true;
  }

  private void check() {
    if (closed || !checking.compareAndSet(false, true)) {
      // The check under way sees the change when it ends, and checks again.
      return;
    }
    long seen = changes.get();
    vertx.executeBlocking(partitions::isLocalMemberSafe, false).onComplete(result -> {
      checking.set(false);
      if (closed) {
        return;
      }
      if (result.succeeded() && result.result() && changes.get() == seen) {
        safe = true;
        LOG.log(System.Logger.Level.INFO, "this member's partitions have their backups again, "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - unsafeSinceNanos) + " ms after the membership changed");
        return;
      }
      vertx.setTimer(changes.get() == seen ? RECHECK_MS : 1, t -> check());
    });
  }
}
