package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.CancelFigures;
import io.tokenlane.bench.phase.CpuUse;
import io.tokenlane.bench.phase.HeapAfterLoad;
import io.tokenlane.bench.phase.LatencyFigures;
import io.tokenlane.bench.phase.MemoryFigures;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.phase.ThroughputFigures;
import io.tokenlane.bench.target.TokenlaneTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report's detail sections: every figure per path and level; then {@link RunSections}. */
final class DetailSections {

  private DetailSections() {
  }

  static void write(Md md, RunResult run) {
    latency(md, run);
    throughput(md, run);
    memory(md, run);
    cancel(md, run);
    longPoll(md, run);
    RunSections.write(md, run);
  }

  private static void latency(Md md, RunResult run) {
    md.heading(2, "Latency by concurrency");
    md.paragraph(String.format(Locale.ROOT, "The upstream answers %d tokens, %d ms apart. Each level is a closed loop: "
        + "N clients, each starting its next stream when the previous ended; clients connect first and start spread over "
        + "one stream's length, then streams started in a %.1f s window are measured. CPU: cores busy during the window "
        + "(target = the gateway or proxy).", run.plan().paced().tokens(), run.plan().paced().delayMs(),
      run.plan().window().toMillis() / 1000.0));
    List<List<String>> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      for (LatencyFigures f : report.latency()) {
        CpuUse cpu = f.cpu();
        rows.add(List.of(report.path().id(), Fmt.count(f.concurrency()), Fmt.count(f.streams()), failed(f.failed(), f.errors()),
          Fmt.ms(f.ttft().p50()), Fmt.ms(f.ttft().p90()), Fmt.ms(f.ttft().p99()), Fmt.ms(f.ttft().max()),
          Fmt.ms(f.gap().p50()), Fmt.ms(f.gap().p99()), Fmt.ms(f.lateness().p99()), Fmt.rate(f.tokensPerSecond()),
          cpuCell(cpu)));
      }
    }
    md.table(List.of("path", "streams at once", "measured", "failed", "TTFT p50", "p90", "p99", "max", "gap p50",
      "gap p99", "lateness p99", "tokens/s", "CPU target / upstream / bench / other"), rows);
    md.paragraph("*Gap*: time between consecutive tokens of a stream (tokens that arrive in one event count as 0 ms "
      + "apart). *Lateness*: how much later than its stream's first token plus k-1 upstream delays token k arrived; "
      + "compare with direct, which shows the upstream's own timer drift.");
  }

  private static void throughput(Md md, RunResult run) {
    md.heading(2, "Saturation: streams and tokens per second");
    md.paragraph("The upstream sends its " + run.plan().burst().tokens() + " tokens at once; each client starts its next "
      + "stream as soon as the previous ended. *Tokens per target CPU-second* is the efficiency of the hop itself.");
    List<List<String>> rows = new ArrayList<>();
    double direct = Goals.bestRate(run.get(BenchPath.DIRECT));
    for (PathReport report : run.measured()) {
      for (ThroughputFigures f : report.throughput()) {
        rows.add(List.of(report.path().id(), Fmt.count(f.concurrency()), Fmt.rate(f.streamsPerSecond()),
          Fmt.rate(f.tokensPerSecond()), Fmt.percent(f.tokensPerSecond() / direct), Fmt.ms(f.ttft().p99()),
          failed(f.failed(), f.errors()), cpuCell(f.cpu()),
          Fmt.rate(f.cpu().target() > 0 ? f.tokensPerSecond() / f.cpu().target() : Double.NaN)));
      }
    }
    md.table(List.of("path", "streams at once", "streams/s", "tokens/s", "% of direct's best", "TTFT p99", "failed",
      "CPU target / upstream / bench / other", "tokens per target CPU-second"), rows);
  }

  private static void memory(Md md, RunResult run) {
    md.heading(2, "Memory per idle open stream");
    md.image("Memory per idle open stream", ReportWriter.MEMORY_SVG);
    md.paragraph((run.plan().memoryFresh() && !run.plan().shared()
      ? "A fresh target process per path (the gateway with " + TokenlaneTarget.HEAP + "), 50 streams opened and "
        + "closed to load its code, then N streams held open: "
      : "On the gateway process the other phases used (this mode shares it; RSS is not comparable then, only the "
        + "live heap), N streams held open: ")
      + "the upstream sent one token and went silent. Heap = live objects after a full GC "
      + "(`jcmd GC.class_histogram`), RSS = `VmRSS` of the target's processes; both minus the same process before the "
      + "streams.");
    List<List<String>> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      for (MemoryFigures f : report.memory()) {
        rows.add(List.of(report.path().id(), String.format(Locale.ROOT, "%,d / %,d", f.open(), f.requested()),
          Fmt.mb(f.heapBytes()), Fmt.kb(f.heapPerStream()), Fmt.mb(f.rssBytes()), Fmt.kb(f.rssPerStream()),
          Goals.growthText(f)));
      }
    }
    md.table(List.of("path", "open / asked", "live heap", "heap per stream", "RSS", "RSS per stream",
      "largest growth per stream (class: bytes)"), rows);
    rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      HeapAfterLoad after = report.heapAfterLoad();
      if (after != null) {
        rows.add(List.of(report.path().id(), Fmt.mb(after.afterLoadBytes()), Fmt.mb(after.freshBytes()),
          Fmt.mb(after.afterLoadBytes() - after.freshBytes()), Fmt.count(after.streamsKept()),
          Fmt.kb(after.bytesPerKeptStream()), after.growth().stream().limit(4)
            .map(growth -> Goals.simpleClass(growth.className()) + " " + Fmt.mb(growth.bytes())).toList().toString()
            .replace("[", "").replace("]", "")));
      }
    }
    if (!rows.isEmpty()) {
      md.paragraph("Live heap once every load phase of the path was over (every stream ended), against the fresh "
        + "process: what finished streams leave behind until they expire (`streams.resumeWindowMs`, 5 minutes by "
        + "default, for the native transports).");
      md.table(List.of("path", "live heap after the load", "fresh process", "held", "ended streams kept",
        "held per kept stream", "largest classes held"), rows);
      String retention = ClosingNote.retention(run);
      if (!retention.isEmpty()) {
        md.paragraph(retention);
      }
    }
  }

  private static void cancel(Md md, RunResult run) {
    md.heading(2, "Cancel: client cancel to upstream connection closed");
    md.image("Cancel latency", ReportWriter.CANCEL_SVG);
    md.paragraph("One stream at a time: open it, wait for its first token, cancel, and ask the fake upstream when it "
      + "saw its connection close (both clocks are the machine's `CLOCK_MONOTONIC`). A cancel not seen within "
      + Fmt.ms(run.plan().cancelWait().toMillis()) + " counts as not reaching the upstream (after three such misses "
      + "the path is given up on). Cross-member cancel waits for the cluster.");
    List<List<String>> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      CancelFigures f = report.cancel();
      if (f != null) {
        rows.add(List.of(report.path().id(), f.how(), f.reached() + " / " + f.attempts(), Fmt.ms(f.latency().p50()),
          Fmt.ms(f.latency().p99()), Fmt.ms(f.latency().max())));
      }
    }
    md.table(List.of("path", "client cancels by", "reached upstream", "p50", "p99", "max"), rows);
  }

  private static void longPoll(Md md, RunResult run) {
    PathReport poll = run.get(BenchPath.TOKENLANE_LONG_POLL);
    if (poll == null || poll.latency().isEmpty()) {
      return;
    }
    md.heading(2, "Long-poll: events per poll and added latency per event");
    md.paragraph("A client polls again as soon as an answer arrives. *Added per event* compares each token's lateness "
      + "(against its stream's first token plus k-1 upstream delays) with the direct path's at the same level, plus the "
      + "added time to first token: what a long-polling reader waits for each event beyond a direct reader.");
    List<List<String>> rows = new ArrayList<>();
    for (LatencyFigures f : poll.latency()) {
      int level = f.concurrency();
      double addedLateP50 = f.lateness().p50() - run.latency(BenchPath.DIRECT, level, d -> d.lateness().p50());
      double addedLateP99 = f.lateness().p99() - run.latency(BenchPath.DIRECT, level, d -> d.lateness().p99());
      double addedTtft = run.added(BenchPath.TOKENLANE_LONG_POLL, level, d -> d.ttft().p50());
      rows.add(List.of(Fmt.count(level), Fmt.decimal(f.pollEvents().mean()), Fmt.decimal(f.pollEvents().p50()),
        Fmt.decimal(f.pollEvents().p99()), Fmt.addedMs(addedTtft + addedLateP50), Fmt.addedMs(addedTtft + addedLateP99),
        Fmt.addedMs(run.added(BenchPath.TOKENLANE_LONG_POLL, level, d -> d.gap().p99()))));
    }
    md.table(List.of("streams at once", "events per poll, mean", "p50", "p99", "added per event, p50",
      "added per event, p99", "added gap p99"), rows);
  }
  static String failed(long failed, Map<String, Integer> errors) {
    return failed == 0 ? "0" : failed + " (see below)";
  }

  static String cpuCell(CpuUse cpu) {
    double other = Math.max(0, cpu.machine() - cpu.target() - cpu.upstream() - cpu.bench());
    return String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.2f", cpu.target(), cpu.upstream(), cpu.bench(), other);
  }
}
