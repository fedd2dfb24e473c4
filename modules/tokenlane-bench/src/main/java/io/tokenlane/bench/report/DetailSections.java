package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.CancelFigures;
import io.tokenlane.bench.phase.CpuUse;
import io.tokenlane.bench.phase.HeapAfterLoad;
import io.tokenlane.bench.phase.LoadFigures;
import io.tokenlane.bench.phase.LoopDelay;
import io.tokenlane.bench.phase.MemoryFigures;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.target.TokenlaneTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The report's detail sections: every figure per path, level and interval; then {@link RunSections}. */
final class DetailSections {

  private DetailSections() {
  }

  static void write(Md md, RunResult run) {
    for (long interval : run.plan().intervalsMs()) {
      loads(md, run, interval);
    }
    SteadyState.section(md, run);
    memory(md, run);
    cancel(md, run);
    longPoll(md, run);
    RunSections.write(md, run);
  }

  private static void loads(Md md, RunResult run, long interval) {
    md.heading(2, interval == 0 ? "Saturation: 0 ms between tokens" : interval + " ms between tokens");
    if (interval == run.plan().intervalsMs().get(0)) {
      md.image("Added time to first token", ReportWriter.ADDED_SVG);
      md.image("Tokens per second against direct", ReportWriter.THROUGHPUT_SVG);
    }
    md.paragraph(String.format(Locale.ROOT, "The upstream answers %d tokens, each its own SSE event and its own write, "
        + "%s. Each level is a closed loop: N clients, each starting its next stream when the last ended; clients "
        + "connect first and start spread over one stream's length, then streams started in a %.1f s window are "
        + "measured, and tokens delivered in it counted. CPU: cores busy during the window (target = the gateway or "
        + "proxy).", run.plan().tokens(), interval == 0 ? "written as fast as it can, one event-loop turn each "
        + "(saturation: no path is paced)" : interval + " ms apart", run.plan().window().toMillis() / 1000.0));
    List<List<String>> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      for (int level : run.plan().levels()) {
        LoadFigures f = report.load(level, interval);
        if (f == null) {
          continue;
        }
        boolean direct = report.path() == BenchPath.DIRECT;
        rows.add(List.of(report.path().id(), Fmt.count(level), Fmt.count(f.streams()), failed(f.failed()),
          Fmt.ms(f.ttft().p50()), Fmt.ms(f.ttft().p99()),
          direct ? "" : Fmt.addedMs(run.added(report.path(), level, interval, d -> d.ttft().p99())),
          interval == 0 ? "" : Fmt.ms(f.gap().p99()), Fmt.rate(f.tokensPerSecond()),
          direct ? "" : Fmt.ratio(run.tokensOfDirect(report.path(), level, interval)),
          Fmt.micros(f.cpuMicrosPerToken()), report.path().isTokenlane() ? Fmt.percentOne(f.cpu().targetJitShare()) : "",
          loopDelayCell(f), cpuCell(f.cpu())));
      }
    }
    md.table(List.of("path", "streams at once", "measured", "failed", "TTFT p50", "p99", "added p99", "gap p99",
      "tokens/s", "÷ direct", "CPU per token", "gateway JIT share", "gateway loop delay p99",
      "CPU target / upstream / bench / other"), rows);
    if (rows.stream().anyMatch(row -> !row.get(12).isEmpty())) {
      md.paragraph("*Gateway loop delay*: how late the gateway's event loops ran what was due in the window, from "
        + "its `tokenlane_event_loop_delay_seconds` histogram (a probe every 20 ms per loop; bucket bounds 1, 2, 5, "
        + "10, 20, 50 ms...): the bound under which 99% of the probes ran, and the share more than 10 ms late. Every "
        + "stream on a loop waits as long as its loop.");
    }
  }

  private static String loopDelayCell(LoadFigures f) {
    LoopDelay delay = f.loopDelay();
    if (delay == null || !delay.measured()) {
      return "";
    }
    return (Double.isInfinite(delay.p99Ms()) ? "> 5 s" : "≤ " + Fmt.ms(delay.p99Ms())) + " ("
      + Fmt.percentOne(delay.over10msShare()) + " > 10 ms)";
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
      + "streams. Issue 8 asks for under 20 KB of heap per idle stream on every transport and 10,000 open streams "
      + "within a 512 MB heap, measured: the full mode holds 10,000 (the bench raises its open-files limit for that, "
      + "as a gateway stream takes two sockets); a run that held fewer projects the 10,000 and says so.");
    List<List<String>> rows = new ArrayList<>();
    for (PathReport report : run.measured()) {
      for (MemoryFigures f : report.memory()) {
        rows.add(List.of(report.path().id(), String.format(Locale.ROOT, "%,d / %,d", f.open(), f.requested()),
          Fmt.mb(f.heapBytes()), Fmt.kb(f.heapPerStream()), Fmt.mb(f.rssBytes()), Fmt.kb(f.rssPerStream()),
          GoalText.growthText(f)));
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
            .map(growth -> GoalText.simpleClass(growth.className()) + " " + Fmt.mb(growth.bytes())).toList().toString()
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
    long interval = run.plan().referenceInterval();
    if (poll == null || poll.loads().isEmpty() || interval == 0) {
      return;
    }
    md.heading(2, "Long-poll: events per poll and added latency per event");
    md.paragraph("A client polls again as soon as an answer arrives. *Added per event* compares each token's lateness "
      + "(against its stream's first token plus k-1 upstream intervals) with the direct path's at the same level, plus "
      + "the added time to first token: what a long-polling reader waits for each event beyond a direct reader. At "
      + interval + " ms between tokens.");
    List<List<String>> rows = new ArrayList<>();
    BenchPath path = BenchPath.TOKENLANE_LONG_POLL;
    for (int level : run.plan().levels()) {
      LoadFigures f = poll.load(level, interval);
      if (f == null) {
        continue;
      }
      double addedTtft = run.added(path, level, interval, d -> d.ttft().p50());
      rows.add(List.of(Fmt.count(level), Fmt.decimal(f.pollEvents().mean()), Fmt.decimal(f.pollEvents().p50()),
        Fmt.decimal(f.pollEvents().p99()),
        Fmt.addedMs(addedTtft + run.added(path, level, interval, d -> d.lateness().p50())),
        Fmt.addedMs(addedTtft + run.added(path, level, interval, d -> d.lateness().p99())),
        Fmt.addedMs(run.added(path, level, interval, d -> d.gap().p99()))));
    }
    md.table(List.of("streams at once", "events per poll, mean", "p50", "p99", "added per event, p50",
      "added per event, p99", "added gap p99"), rows);
  }

  static String failed(long failed) {
    return failed == 0 ? "0" : failed + " (see below)";
  }

  static String cpuCell(CpuUse cpu) {
    return String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.2f", cpu.target(), cpu.upstream(), cpu.bench(),
      cpu.other());
  }
}
