package io.tokenlane.core.impl;

import io.tokenlane.spi.ProviderVerticle;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One configured provider: its deployed verticles, used in turn.
 */
final class ProviderInstance {

  private final String name;
  private final List<ProviderVerticle> verticles;
  private final AtomicInteger next = new AtomicInteger();

  ProviderInstance(String name, List<ProviderVerticle> verticles) {
    this.name = name;
    this.verticles = List.copyOf(verticles);
  }

  String name() {
    return name;
  }

  ProviderVerticle pick() {
    return verticles.get(Math.floorMod(next.getAndIncrement(), verticles.size()));
  }
}
