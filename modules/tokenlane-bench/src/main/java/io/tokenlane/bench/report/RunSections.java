package io.tokenlane.bench.report;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.phase.LoadFigures;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.proc.JfrProfile;
import io.tokenlane.bench.target.TokenlaneTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's sections about the run itself: the upstream alone, the profiles (perf, JFR), failures, method, machine,
 * the end.
 */
final class RunSections {

  private RunSections() {
  }

  static void write(Md md, RunResult run) {
    upstreamAlone(md, run);
    PerfSection.write(md, run);
    profiles(md, run);
    failures(md, run);
    method(md, run);
    machine(md, run);
    closing(md, run);
  }

  private static void upstreamAlone(Md md, RunResult run) {
    PathReport direct = run.get(BenchPath.DIRECT);
    int level = run.plan().referenceLevel();
    LoadFigures alone = direct == null || !run.plan().measuresSaturation() ? null : direct.load(level, 0);
    if (alone == null) {
      return;
    }
    md.heading(2, "The fake upstream, and whether it was the bottleneck");
    md.paragraph("The fake upstream is the test kit's `FakeOpenAiUpstream` in its own JVM, serving from one event "
      + "loop. Like a model server it writes every token as its own SSE event and its own write, also at 0 ms: each "
      + "event goes out on an event-loop turn of its own, so no phase gets tokens batched by the upstream."
      + (run.get(BenchPath.TOKENLANE_ANTHROPIC) == null ? "" : " tokenlane-anthropic's upstream is the kit's "
        + "`FakeAnthropicUpstream` in the same JVM, on a port of its own, writing its events the same way."));
    List<String> limitedBy = new ArrayList<>();
    md.line(String.format(Locale.ROOT, "- Direct at %,d streams and 0 ms: %s tokens/s, the upstream using %s cores.",
      level, Fmt.rate(alone.tokensPerSecond()), Fmt.cores(alone.cpu().upstream())));
    for (PathReport report : run.measured()) {
      LoadFigures f = report.load(level, 0);
      if (report.path() == BenchPath.DIRECT || f == null) {
        continue;
      }
      boolean busy = f.cpu().upstream() >= 0.9 * alone.cpu().upstream();
      if (busy) {
        limitedBy.add(report.path().id());
      }
      md.line(String.format(Locale.ROOT, "- %s: %s tokens/s (%s of direct), the upstream using %s cores%s.",
        report.path().id(), Fmt.rate(f.tokensPerSecond()), Fmt.percent(f.tokensPerSecond() / alone.tokensPerSecond()),
        Fmt.cores(f.cpu().upstream()), busy ? ": as busy as with direct, so this path ran at the upstream's pace"
          : ", spare capacity"));
    }
    md.line("");
    md.paragraph(limitedBy.isEmpty()
      ? "At saturation the upstream had spare capacity on every other path: what limited them is what sits in "
        + "between (and the cores it shares with the upstream and the load generator), not the upstream."
      : "The upstream had spare capacity on every path except " + String.join(", ", limitedBy) + ", which deliver "
        + "about what the upstream can produce: for those, the 0 ms figure is a floor, not their limit.");
  }

  private static void profiles(Md md, RunResult run) {
    List<PathReport> profiled = run.measured().stream().filter(report -> report.profile() != null).toList();
    if (profiled.isEmpty()) {
      return;
    }
    md.heading(2, "Where the gateway's CPU goes");
    md.paragraph("JFR execution samples (`jcmd JFR.start settings=profile`) of the gateway's JVM after its "
      + "measurements, one recording per transport, once the code JFR deoptimizes has recompiled. JFR samples Java "
      + "code only, with its stack: the kernel, the compiler and collector threads are not in it (the perf section "
      + "above has them), and what it gives a method inlined into another is approximate. Samples are attributed to the "
      + "first frame from the top of the stack that belongs to a known area (JDK frames are attributed to their caller, "
      + "except socket I/O); then to the innermost Tokenlane method on the stack (which of our code caused the work); "
      + "then the hottest methods by self samples.");
    for (PathReport report : profiled) {
      JfrProfile profile = report.profile();
      md.heading(3, report.path().id() + " (" + report.profileWhat() + ", " + profile.samples() + " samples)");
      List<List<String>> rows = new ArrayList<>();
      for (JfrProfile.Share area : profile.areas()) {
        rows.add(List.of(area.name(), Fmt.percent(area.fraction())));
      }
      md.table(List.of("area", "share of samples"), rows);
      rows = new ArrayList<>();
      for (JfrProfile.Share caller : profile.callers().subList(0, Math.min(10, profile.callers().size()))) {
        rows.add(List.of(caller.name().startsWith("(") ? caller.name() : "`" + caller.name() + "`",
          Fmt.percent(caller.fraction())));
      }
      md.table(List.of("Tokenlane method on the stack (innermost)", "share of samples"), rows);
      rows = new ArrayList<>();
      for (JfrProfile.Share frame : profile.topFrames().subList(0, Math.min(10, profile.topFrames().size()))) {
        rows.add(List.of("`" + frame.name() + "`", Fmt.percent(frame.fraction())));
      }
      md.table(List.of("hottest methods (self)", "share"), rows);
    }
  }

  private static void failures(Md md, RunResult run) {
    List<String> lines = new ArrayList<>();
    for (PathReport report : run.paths()) {
      if (report.status() != PathReport.Status.OK) {
        lines.add("- **" + report.path().id() + "**: " + report.status().name().toLowerCase(Locale.ROOT).replace('_', ' ')
          + " — " + report.note());
      }
      for (LoadFigures f : report.loads()) {
        f.errors().forEach((message, count) -> lines.add("- " + report.path().id() + " at "
          + RunResult.cell(f.concurrency(), f.intervalMs()) + ": " + count + " × `" + message + "`"));
      }
    }
    if (!lines.isEmpty()) {
      md.heading(2, "Paths not measured and failures");
      lines.stream().limit(40).forEach(md::line);
      md.line("");
    }
  }

  private static void method(Md md, RunResult run) {
    md.heading(2, "Method");
    List<String> lines = new ArrayList<>();
    for (BenchPath path : run.paths().stream().map(PathReport::path).toList()) {
      lines.add("- **" + path.id() + "**: " + path.description());
    }
    lines.forEach(md::line);
    md.line("");
    md.paragraph("Three processes share the machine's cores: the fake upstream (the test kit's `FakeOpenAiUpstream`, "
      + "exact OpenAI chunk format, one write per event, in its own JVM, beside the kit's `FakeAnthropicUpstream` on "
      + "a second port for tokenlane-anthropic), the target (the gateway's jar in its own JVM "
      + "with " + TokenlaneTarget.HEAP + ", nginx, or Portkey on Node), and the load generator (Vert.x HTTP and "
      + "WebSocket clients on one event loop per core, no thread per stream). "
      + (run.plan().shared()
        ? "In this mode one upstream serves the whole run and one gateway process serves its Tokenlane paths, in turn. "
        : "Each path gets a fresh upstream and target. ")
      + "Each path warms up until the JIT is done (see *Steady state*), then runs a closed loop per token interval "
      + "and concurrency level. Time to first token runs from sending the request (the POST that starts the stream, "
      + "on the native transports) to the first token event. Every token is 4 bytes, so an event that carries "
      + "several counts them all. A level disturbed by other work on the machine (more than "
      + "0.3 cores busy outside the run) is measured again, twice at most, when the run waits for quiet "
      + "(`--wait-quiet`, on in the full mode).");
    md.paragraph("Gateway configuration: one `openai` provider with `baseUrl` at the fake upstream, `maxConnections: "
      + "30000` and `streams.maxRunningPerSession: 100000` (so that the limits measured are the gateway's, not its "
      + "quotas), and one `anthropic` provider at the fake's Anthropic port with the same `maxConnections` (model `"
      + TokenlaneTarget.ANTHROPIC_MODEL + "`, asked for by tokenlane-anthropic only); every other key at its "
      + "default; added on the command line (`--gateway-env`, `--gateway-jvm`): "
      + run.gateway().describe() + ". nginx: `worker_processes auto`, `proxy_buffering off`, HTTP/1.1 keep-alive to "
      + "the upstream. Portkey: `--headless`, routed with `x-portkey-provider: openai` and `x-portkey-custom-host`.");
  }

  static void machine(Md md, RunResult run) {
    md.heading(2, "Machine");
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, String> fact : run.machine().facts().entrySet()) {
      rows.add(List.of(fact.getKey(), fact.getValue()));
    }
    md.table(List.of("", ""), rows);
    md.paragraph("*Other* in the CPU columns is the machine's busy time not used by the three processes of the run: "
      + "anything else running on the machine at the time, which the figures then include.");
  }

  private static void closing(Md md, RunResult run) {
    md.heading(2, "Closing note: the biggest cost found");
    md.paragraph(ClosingNote.text(run));
  }
}
