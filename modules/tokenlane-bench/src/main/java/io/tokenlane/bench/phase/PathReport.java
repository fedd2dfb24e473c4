package io.tokenlane.bench.phase;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.proc.JfrProfile;
import java.util.ArrayList;
import java.util.List;

/** Everything measured on one path, or why it was not. Filled by {@link PathRunner}. */
public final class PathReport {

  /** Whether the path ran. */
  public enum Status { OK, NOT_INSTALLED, UNAVAILABLE, FAILED }

  private final BenchPath path;
  private Status status = Status.OK;
  private String note = "";
  final List<LatencyFigures> latency = new ArrayList<>();
  final List<ThroughputFigures> throughput = new ArrayList<>();
  final List<MemoryFigures> memory = new ArrayList<>();
  CancelFigures cancel;
  HeapAfterLoad heapAfterLoad;
  JfrProfile profile;
  String profileWhat;

  public PathReport(BenchPath path) {
    this.path = path;
  }

  /** Marks the path as not measured (or measured only in part), with the reason. */
  public PathReport status(Status status, String note) {
    this.status = status;
    this.note = note;
    return this;
  }

  public BenchPath path() {
    return path;
  }

  public Status status() {
    return status;
  }

  /** @return why the path did not run, or what went wrong part way */
  public String note() {
    return note;
  }

  /** @return whether it has figures */
  public boolean measured() {
    return status == Status.OK || !latency.isEmpty();
  }

  public List<LatencyFigures> latency() {
    return latency;
  }

  /** @return figures at this concurrency, or {@code null} */
  public LatencyFigures latencyAt(int concurrency) {
    return latency.stream().filter(figures -> figures.concurrency() == concurrency).findFirst().orElse(null);
  }

  public List<ThroughputFigures> throughput() {
    return throughput;
  }

  /** @return the throughput run with the most tokens per second, or {@code null} */
  public ThroughputFigures bestThroughput() {
    return throughput.stream().max((a, b) -> Double.compare(a.tokensPerSecond(), b.tokensPerSecond())).orElse(null);
  }

  public List<MemoryFigures> memory() {
    return memory;
  }

  /** @return the cancel run, or {@code null} */
  public CancelFigures cancel() {
    return cancel;
  }

  /** @return the heap the load phases left behind, or {@code null} */
  public HeapAfterLoad heapAfterLoad() {
    return heapAfterLoad;
  }

  /** @return the gateway's CPU profile, or {@code null} */
  public JfrProfile profile() {
    return profile;
  }

  /** @return during what the profile was recorded */
  public String profileWhat() {
    return profileWhat;
  }
}
