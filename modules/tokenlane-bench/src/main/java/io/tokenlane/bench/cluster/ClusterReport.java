package io.tokenlane.bench.cluster;

import io.tokenlane.bench.phase.CancelFigures;
import io.tokenlane.bench.phase.Quantiles;
import io.tokenlane.bench.proc.HeapHistogram;
import java.util.List;
import java.util.Map;

/** Everything the cluster phase measured, or why it stopped. Filled by {@link ClusterPhase}. */
public final class ClusterReport {

  /**
   * The follower run: local and cross-member followers in one closed loop and window.
   *
   * @param perGroup followers of each kind at once
   * @param local followers reading on the owner (A)
   * @param cross followers reading on the other member (B), through its mirror
   * @param ownerCores member A's CPU in the window, cores
   * @param otherCores member B's CPU in the window, cores
   * @param otherWork the machine's busy time outside the run's processes in the window, cores
   */
  public record Followers(int perGroup, Group local, Group cross, double ownerCores, double otherCores,
                          double otherWork) {

    /** @return TTFT p99 of a cross-member follower minus a local one's, ms */
    public double addedTtftP99() {
      return cross.ttft().p99() - local.ttft().p99();
    }

    /** @return the members' CPU (both) per delivered token, µs */
    public double clusterMicrosPerToken(double seconds) {
      long tokens = local.tokens() + cross.tokens();
      return tokens == 0 ? Double.NaN : (ownerCores + otherCores) * seconds * 1e6 / tokens;
    }
  }

  /**
   * One kind of follower in the window.
   *
   * @param ttft prompt's POST to the first token event at the follower, ms
   * @param streams streams measured
   * @param failed streams that failed
   * @param tokens tokens delivered in the window
   * @param tokensPerSecond tokens delivered per second
   * @param errors failure messages and their counts
   */
  public record Group(Quantiles ttft, long streams, long failed, long tokens, double tokensPerSecond,
                      Map<String, Integer> errors) {
  }

  /**
   * Cluster operations over the follower run's window, both members summed.
   *
   * @param counts each counter's growth ({@code backupWrites}, {@code batchesSent}, {@code requests},
   *     {@code registryOperations})
   * @param tokens token events delivered to the clients in the window
   */
  public record Operations(Map<String, Long> counts, long tokens) {

    /** @return all operations per delivered token */
    public double perToken() {
      return tokens == 0 ? Double.NaN : counts.values().stream().mapToLong(Long::longValue).sum() / (double) tokens;
    }

    /** @return operations of one kind per delivered token */
    public double perToken(String kind) {
      return tokens == 0 ? Double.NaN : counts.getOrDefault(kind, 0L) / (double) tokens;
    }
  }

  /**
   * Live heap per idle stream started on A and followed on B.
   *
   * @param open streams held open when measured
   * @param ownerPerStream A's live heap growth per stream, bytes
   * @param mirrorPerStream B's live heap growth per stream (its mirror and the follower's connection), bytes
   * @param ownerGrowth A's classes that grew most
   * @param mirrorGrowth B's classes that grew most
   */
  public record Memory(int open, double ownerPerStream, double mirrorPerStream, List<HeapHistogram.Growth> ownerGrowth,
                       List<HeapHistogram.Growth> mirrorGrowth) {
  }

  /**
   * Member A killed with {@code kill -9} while B's clients follow its streams.
   *
   * @param followers streams followed on B when A died
   * @param ended followers that got an {@code end} event
   * @param exactlyOnce followers that got exactly one
   * @param ownerLost followers whose end said {@code owner_lost}
   * @param otherCodes the other end codes seen, and how often
   * @param latency kill to the {@code owner_lost} end at the follower, ms
   */
  public record OwnerLoss(int followers, int ended, int exactlyOnce, int ownerLost, Map<String, Integer> otherCodes,
                          Quantiles latency) {
  }

  private final ClusterPlan plan;
  Followers followers;
  Followers paced;
  Operations operations;
  CancelFigures cancel;
  Memory memory;
  OwnerLoss ownerLoss;
  private String failure;

  ClusterReport(ClusterPlan plan) {
    this.plan = plan;
  }

  void failed(String failure) {
    this.failure = failure;
  }

  public ClusterPlan plan() {
    return plan;
  }

  /** @return where and why the phase stopped, or {@code null} */
  public String failure() {
    return failure;
  }

  /** @return the follower run, or {@code null} */
  public Followers followers() {
    return followers;
  }

  /** @return the paced follower run (tokens every {@link ClusterPlan#pacedIntervalMs()}), or {@code null} */
  public Followers paced() {
    return paced;
  }

  /** @return the cluster operations in the follower run's window, or {@code null} */
  public Operations operations() {
    return operations;
  }

  /** @return the cross-member cancels, or {@code null} */
  public CancelFigures cancel() {
    return cancel;
  }

  /** @return the heap per idle stream, or {@code null} */
  public Memory memory() {
    return memory;
  }

  /** @return the owner's death, or {@code null} */
  public OwnerLoss ownerLoss() {
    return ownerLoss;
  }
}
