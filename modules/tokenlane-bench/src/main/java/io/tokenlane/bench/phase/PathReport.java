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
  final List<LoadFigures> loads = new ArrayList<>();
  final List<MemoryFigures> memory = new ArrayList<>();
  WarmupFigures warmup;
  CancelFigures cancel;
  HeapAfterLoad heapAfterLoad;
  JfrProfile profile;
  PerfFigures perf;
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
    return status == Status.OK || !loads.isEmpty();
  }

  /** @return every closed-loop run, by interval then level */
  public List<LoadFigures> loads() {
    return loads;
  }

  /** @return the run at this concurrency and interval, or {@code null} */
  public LoadFigures load(int concurrency, long intervalMs) {
    return loads.stream().filter(figures -> figures.is(concurrency, intervalMs)).findFirst().orElse(null);
  }

  /** @return how the path was warmed up, or {@code null} */
  public WarmupFigures warmup() {
    return warmup;
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

  /** @return the target's {@code perf} profile at the headline's level and interval, or {@code null} */
  public PerfFigures perf() {
    return perf;
  }

  /** @return during what the profile was recorded */
  public String profileWhat() {
    return profileWhat;
  }
}
