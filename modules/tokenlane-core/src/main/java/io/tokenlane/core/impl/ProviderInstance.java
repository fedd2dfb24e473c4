package io.tokenlane.core.impl;

import io.tokenlane.spi.ProviderVerticle;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One configured provider: its deployed verticles, and which of them runs on which event-loop thread.
 */
final class ProviderInstance {

  /**
   * The verticle a stream goes to.
   *
   * @param verticle the verticle
   * @param sameThread whether it runs on the calling thread: then the stream never crosses a thread
   */
  record Pick(ProviderVerticle verticle, boolean sameThread) {
  }

  private final String name;
  private final List<ProviderVerticle> verticles;
  private final Map<Thread, ProviderVerticle> byEventLoop;
  private final AtomicInteger next = new AtomicInteger();

  /**
   * @param byEventLoop the verticles on event loops, by thread (empty for worker verticles)
   */
  ProviderInstance(String name, List<ProviderVerticle> verticles, Map<Thread, ProviderVerticle> byEventLoop) {
    this.name = name;
    this.verticles = List.copyOf(verticles);
    this.byEventLoop = Map.copyOf(byEventLoop);
  }

  String name() {
    return name;
  }

  /** @return how many event loops have a verticle of this provider */
  int eventLoops() {
    return byEventLoop.size();
  }

  /** The verticle on the caller's event loop when there is one, else the next one in turn. */
  Pick pick() {
    ProviderVerticle local = byEventLoop.get(Thread.currentThread());
    if (local != null) {
      return new Pick(local, true);
    }
    return new Pick(verticles.get(Math.floorMod(next.getAndIncrement(), verticles.size())), false);
  }
}
