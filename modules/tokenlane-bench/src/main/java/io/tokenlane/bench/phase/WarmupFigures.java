package io.tokenlane.bench.phase;

import java.util.List;

/**
 * How a path was warmed up before its measurements.
 *
 * @param seconds how long
 * @param streams streams completed
 * @param tokens tokens delivered
 * @param minTokens the least it had to deliver (a new JVM), 0 when none
 * @param steady whether every JVM's compilers were near idle at the end; otherwise the cap ended the warm-up
 * @param lastRounds each JVM's compiler share over the last rounds (one per workload)
 */
public record WarmupFigures(double seconds, long streams, long tokens, long minTokens, boolean steady,
                            List<JitShare> lastRounds) {

  /**
   * One JVM's JIT compilers over the warm-up's last rounds.
   *
   * @param role gateway, upstream or load generator
   * @param fraction the compilers' share of the process's CPU
   */
  public record JitShare(String role, double fraction) {
  }

  /** @return "gateway 0.4%, upstream 0.1%, load generator 0.0%" */
  public String describeShares() {
    return String.join(", ", lastRounds.stream()
      .map(share -> String.format(java.util.Locale.ROOT, "%s %.1f%%", share.role(), 100 * share.fraction())).toList());
  }
}
