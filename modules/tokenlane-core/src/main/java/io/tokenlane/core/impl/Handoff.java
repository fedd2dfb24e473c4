package io.tokenlane.core.impl;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The queue between a provider's sink calls and their delivery to the client, with the rule that decides when a
 * drain must be scheduled: at the first item after a drain, so a burst costs one drain. Two kinds: one for a
 * provider on the client's own event loop (plain fields, no memory barriers), one for a provider on another thread.
 */
interface Handoff {

  /**
   * Queues an item; called on the provider's thread.
   *
   * @return {@code true} when no drain is scheduled yet: the caller schedules one
   */
  boolean offer(Object item);

  /** Called on the client's thread as a drain starts, before it polls: later offers schedule another drain. */
  void draining();

  /** @return the next item, or {@code null}; called on the client's thread */
  Object poll();

  /** @return the next item without taking it, or {@code null}; called on the client's thread */
  Object peek();

  /** @return how many items wait; any thread */
  int pending();

  /** @return a handoff for a provider that runs on the client's thread */
  static Handoff sameThread() {
    return new SameThread();
  }

  /** @return a handoff for a provider on another thread */
  static Handoff crossThread() {
    return new CrossThread();
  }

  /** Provider and client on one event loop. */
  final class SameThread implements Handoff {
    private final ArrayDeque<Object> queue = new ArrayDeque<>(8);
    private boolean scheduled;

    @Override
    public boolean offer(Object item) {
      queue.add(item);
      if (scheduled) {
        return false;
      }
      scheduled = true;
      return true;
    }

    @Override
    public void draining() {
      scheduled = false;
    }

    @Override
    public Object poll() {
      return queue.poll();
    }

    @Override
    public Object peek() {
      return queue.peek();
    }

    @Override
    public int pending() {
      return queue.size();
    }
  }

  /** Provider on another thread: a lock-free queue, and an atomic flag so that exactly one drain is scheduled. */
  final class CrossThread implements Handoff {
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    @Override
    public boolean offer(Object item) {
      queue.add(item);
      pending.incrementAndGet();
      return scheduled.compareAndSet(false, true);
    }

    @Override
    public void draining() {
      scheduled.set(false);
    }

    @Override
    public Object poll() {
      Object item = queue.poll();
      if (item != null) {
        pending.decrementAndGet();
      }
      return item;
    }

    @Override
    public Object peek() {
      return queue.peek();
    }

    @Override
    public int pending() {
      return pending.get();
    }
  }
}
