package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RebalancerTest {

  @Test
  void aMemberWithinTheMarginOrAloneShedsNothing() {
    assertEquals(0, Rebalancer.toShed(100, new int[] {100}, 0.1));
    assertEquals(0, Rebalancer.toShed(105, new int[] {105, 95}, 0.1));
    assertEquals(0, Rebalancer.toShed(3, new int[] {3, 1}, 0.1), "a difference of a few connections is noise");
  }

  @Test
  void aMemberAboveTheMeanShedsTowardsItAQuarterOfItsConnectionsAtMost() {
    assertEquals(50, Rebalancer.toShed(200, new int[] {200, 0}, 0.1));
    assertEquals(25, Rebalancer.toShed(125, new int[] {125, 75}, 0.1));
    assertEquals(10, Rebalancer.toShed(130, new int[] {130, 120, 110, 120}, 0.05));
  }

  @Test
  void onlyTheBusyMemberSheds() {
    assertEquals(0, Rebalancer.toShed(0, new int[] {200, 0}, 0.1));
  }
}
