package io.tokenlane.bench.report;

import io.tokenlane.bench.fanout.FanOutPlan;
import io.tokenlane.bench.fanout.FanOutReport;
import io.tokenlane.bench.fanout.ReadyzFigures;
import io.tokenlane.bench.proc.HeapHistogram;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The report's "Fan-out (issue 10)" section: memory per SSE follower (idle), then tokens flowing to every follower
 * (the gateway's CPU per delivered event, {@code /readyz} latency, RSS), and what the default reader bound means.
 */
final class FanOutSection {

  /** The default of {@code streams.maxReadersPerStream}. */
  static final int DEFAULT_MAX_READERS = 32;
  /** The gateway's heap in the bench, and the reference size. */
  static final long HEAP_BYTES = 512L * 1024 * 1024;

  private FanOutSection() {
  }

  static void write(Md md, RunResult run) {
    if (run.fanOut() != null) {
      write(md, run.fanOut(), run.command());
    }
  }

  static void write(Md md, FanOutReport report, String command) {
    FanOutPlan plan = report.plan();
    md.heading(2, "Fan-out (issue 10)");
    md.paragraph(String.format(Locale.ROOT, "Many readers of one stream: a fresh fake upstream, and for each level a "
        + "fresh gateway from the same jar and configuration as the single node (`-Xmx512m`), with "
        + "`streams.maxReadersPerStream` raised to the level's followers so that the bound refuses none "
        + "(`TOKENLANE_STREAMS_MAX_READERS_PER_STREAM`) and `streams.detachGraceMs` at 10 minutes. S streams, each "
        + "started by a session of its own with `POST /v1/streams`, then F native SSE followers of each, `GET "
        + "/v1/streams/{id}/events` with the session's token as `Authorization: Bearer`, a connection each (the tabs "
        + "and devices of one user). **Idle**: the upstream sends one token and goes silent; live heap after a full "
        + "GC (`jcmd GC.class_histogram`) and RSS (`VmRSS`) of the gateway with the streams and no follower, then "
        + "with the followers: the difference over the followers is what one follower costs. **Tokens flowing**: the "
        + "upstream writes every token as its own event and write, %d ms apart (a model's pace), for longer than the "
        + "run; once every follower is attached, %s of warm-up, then a %s window: token events delivered to the "
        + "followers, the gateway's CPU (user + system, `/proc`) over them, and `GET /readyz` probed every %d ms on a "
        + "new connection each, as a kubelet probes, from connect to the answer's last byte; RSS at the window's "
        + "end and the live heap right after it, tokens still flowing.", plan.intervalMs(),
      Fmt.seconds(plan.warmup()), Fmt.seconds(plan.window()), plan.probePeriod().toMillis()));
    md.code("bash", command);
    md.paragraph(machineLoad(report));
    if (report.failure() != null) {
      md.paragraph("**The fan-out phase stopped**: " + report.failure());
    }
    idle(md, report);
    flow(md, report);
    notes(md, report);
    failures(md, report);
    md.paragraph(bound(report));
  }

  private static String machineLoad(FanOutReport report) {
    List<String> loads = new ArrayList<>();
    List<String> others = new ArrayList<>();
    int again = 0;
    for (FanOutReport.Level level : report.levels()) {
      loads.add(Fmt.decimal(level.loadAverage()) + " (" + name(level) + ")");
      if (level.flow() != null) {
        others.add(Fmt.cores(level.flow().cpu().other()) + " (" + name(level) + ")");
      }
      again += Math.max(0, level.flowAttempts() - 1);
    }
    return "Machine load: the 1-minute load average was " + String.join(", ", loads) + " when each level started; "
      + "other work on the machine used " + (others.isEmpty() ? "n/a" : String.join(", ", others)) + " cores in "
      + "the windows with tokens flowing (2 cores in all, shared by the gateway, the fake upstream and the load "
      + "generator). Each level waits for the machine to be quiet first, and a window in which other work used "
      + "more than 0.3 cores is measured again, twice at most" + (again == 0 ? "" : String.format(Locale.ROOT,
      " (%d window%s measured again here; the table shows the least disturbed)", again, again == 1 ? "" : "s")) + ".";
  }

  private static void idle(Md md, FanOutReport report) {
    List<List<String>> rows = new ArrayList<>();
    for (FanOutReport.Level level : report.levels()) {
      FanOutReport.Idle idle = level.idle();
      if (idle == null) {
        continue;
      }
      rows.add(List.of(name(level), Fmt.count(idle.followers()) + " / " + Fmt.count(level.streams()
          * (double) level.followersPerStream()), "**" + Fmt.kb(idle.heapPerFollower()) + "**",
        Fmt.kb(idle.rssPerFollower()), Fmt.kb(idle.heapPerStream()),
        Fmt.mb(idle.heapFresh()) + " / " + Fmt.mb(idle.heapStreams()) + " / " + Fmt.mb(idle.heapFollowers()),
        Fmt.mb(idle.rssFresh()) + " / " + Fmt.mb(idle.rssStreams()) + " / " + Fmt.mb(idle.rssFollowers()),
        growth(idle.growth(), idle.followers())));
    }
    if (rows.isEmpty()) {
      return;
    }
    md.table(List.of("streams × followers", "followers attached", "live heap per follower", "RSS per follower",
      "heap per stream (no follower)", "live heap: fresh / streams / followers",
      "RSS: fresh / streams / followers", "largest growth per follower (class: bytes)"), rows);
    if (report.readyzIdle() != null) {
      ReadyzFigures idle = report.readyzIdle();
      md.paragraph(String.format(Locale.ROOT, "`GET /readyz` of a fresh gateway with nothing running: p50 %s, p99 "
          + "%s, max %s (%,d probes, %d failed).", Fmt.ms(idle.latency().p50()), Fmt.ms(idle.latency().p99()),
        Fmt.ms(idle.latency().max()), idle.latency().count(), idle.failed()));
    }
  }

  private static void flow(Md md, FanOutReport report) {
    List<List<String>> rows = new ArrayList<>();
    for (FanOutReport.Level level : report.levels()) {
      FanOutReport.Flow flow = level.flow();
      if (flow == null) {
        continue;
      }
      FanOutReport.Cpu cpu = flow.cpu();
      ReadyzFigures readyz = flow.readyz();
      rows.add(List.of(name(level), Fmt.count(flow.followers()),
        Fmt.rate(flow.eventsPerSecond()) + " / " + Fmt.rate(flow.offeredEventsPerSecond()) + " ("
          + Fmt.percent(flow.delivered()) + ")",
        Fmt.decimal(flow.events() == 0 ? Double.NaN : flow.tokens() / (double) flow.events()),
        "**" + Fmt.micros(flow.cpuMicrosPerEvent()) + "**", Fmt.micros(flow.cpuMicrosPerToken()),
        Fmt.cores(cpu.gateway()) + " (JIT " + Fmt.percentOne(cpu.gateway() > 0 ? cpu.gatewayJit() / cpu.gateway()
          : Double.NaN) + ")",
        Fmt.cores(cpu.upstream()) + " / " + Fmt.cores(cpu.bench()) + " / " + Fmt.cores(cpu.other()),
        "**" + Fmt.ms(readyz.latency().p50()) + " / " + Fmt.ms(readyz.latency().p99()) + "**",
        Fmt.ms(readyz.latency().max()) + " (" + Fmt.count(readyz.latency().count()) + " probes"
          + (readyz.failed() > 0 ? ", " + readyz.failed() + " failed" : "") + ")",
        Fmt.mb(flow.rss()), Fmt.mb(flow.liveHeap())));
    }
    if (rows.isEmpty()) {
      return;
    }
    md.table(List.of("streams × followers", "followers", "token events/s delivered / offered", "tokens per event",
      "gateway CPU per delivered event", "per delivered token", "gateway cores (JIT share)", "upstream / load generator / other cores",
      "`/readyz` p50 / p99", "`/readyz` max", "gateway RSS", "live heap, tokens flowing"), rows);
  }

  /** Why delivered fell short of offered, and what the RSS with tokens flowing is made of. */
  static void notes(Md md, FanOutReport report) {
    for (FanOutReport.Level level : report.levels()) {
      FanOutReport.Flow flow = level.flow();
      if (flow == null) {
        continue;
      }
      FanOutReport.Cpu cpu = flow.cpu();
      double busy = cpu.gateway() + cpu.upstream() + cpu.bench() + cpu.other();
      StringBuilder note = new StringBuilder("- " + name(level) + ": ");
      if (flow.delivered() < 0.9) {
        note.append(String.format(Locale.ROOT, "the followers got %s of the offered events while the machine was "
            + "%s of its 2 cores busy (gateway %s, upstream %s, load generator %s, other work %s): the load "
            + "generator reading every follower's events shares the cores with the gateway, so this is the "
            + "machine's ceiling, not the gateway's alone; the CPU per event is the gateway's own whatever the "
            + "share delivered. ", Fmt.percent(flow.delivered()), Fmt.cores(busy), Fmt.cores(cpu.gateway()),
          Fmt.cores(cpu.upstream()), Fmt.cores(cpu.bench()), Fmt.cores(cpu.other())));
      }
      if (cpu.gateway() > 0 && cpu.gatewayJit() / cpu.gateway() > 0.02) {
        note.append(String.format(Locale.ROOT, "The gateway's JIT compilers still used %s of its CPU in the window "
          + "(a fresh process, a short warm-up): the CPU per event includes some of their work. ",
          Fmt.percentOne(cpu.gatewayJit() / cpu.gateway())));
      }
      FanOutReport.Idle idle = level.idle();
      if (idle != null && flow.rss() > 0 && flow.liveHeap() > 0) {
        note.append(String.format(Locale.ROOT, "RSS with tokens flowing was %s against %s fresh, while the live "
            + "heap right after was %s: the growth is mostly the heap's young generation filling with each "
            + "event's garbage between collections (bounded by `-Xmx`) and Netty's buffers, not memory the "
            + "followers hold.", Fmt.mb(flow.rss()), Fmt.mb(idle.rssFresh()), Fmt.mb(flow.liveHeap())));
      }
      if (note.length() > name(level).length() + 4) {
        md.line(note.toString().strip());
      }
    }
    md.line("");
  }

  private static void failures(Md md, FanOutReport report) {
    List<String> lines = new ArrayList<>();
    for (FanOutReport.Level level : report.levels()) {
      level.failures().forEach((message, count) -> lines.add("- " + name(level) + ": " + count + " × `" + message
        + "`"));
      if (level.flow() != null && level.flow().ends() > 0) {
        lines.add("- " + name(level) + ": " + level.flow().ends() + " `end` events in the window: streams ended "
          + "before it did");
      }
    }
    if (!lines.isEmpty()) {
      lines.forEach(md::line);
      md.line("");
    }
  }

  /** What {@code streams.maxReadersPerStream}'s default means for memory, from the level with the most followers. */
  static String bound(FanOutReport report) {
    FanOutReport.Idle idle = report.largestIdle();
    if (idle == null || Double.isNaN(idle.heapPerFollower()) || idle.heapPerFollower() <= 0) {
      return "No follower was measured idle: no figure for the bound.";
    }
    double follower = idle.heapPerFollower();
    double stream = Math.max(0, idle.heapPerStream());
    double atBound = stream + DEFAULT_MAX_READERS * follower;
    StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "**What the default bound means for memory.** "
        + "An idle SSE follower holds %s of live heap on its member (%,d followers measured) and grows the "
        + "gateway's RSS by %s; its stream holds %s of its own. `streams.maxReadersPerStream` is %d by default, so "
        + "one stream pins at most %d × %s = %s of followers on a member, %s with the stream. A 512 MB heap has "
        + "room for about **%,d idle followers**, or %,d streams each at the bound (512 MB / %s), before anything "
        + "else the gateway holds; issue 10's 2,000 followers take %s of it. The bound stops one stream from "
        + "pinning unbounded readers; the total is bounded by the connections a member accepts, so size the heap "
        + "for the followers expected at once.", Fmt.kb(follower), idle.followers(), Fmt.kb(idle.rssPerFollower()),
      Fmt.kb(stream), DEFAULT_MAX_READERS, DEFAULT_MAX_READERS, Fmt.kb(follower),
      Fmt.kb(DEFAULT_MAX_READERS * follower), Fmt.kb(atBound), (long) (HEAP_BYTES / follower),
      (long) (HEAP_BYTES / atBound), Fmt.kb(atBound), Fmt.mb(2000 * follower)));
    FanOutReport.Level flowing = report.levels().stream().filter(level -> level.flow() != null)
      .max(java.util.Comparator.comparingInt(level -> level.flow().followers())).orElse(null);
    if (flowing != null && !Double.isNaN(flowing.flow().cpuMicrosPerEvent())) {
      FanOutReport.Flow flow = flowing.flow();
      text.append(String.format(Locale.ROOT, " CPU, not memory, is what a fan-out spends first: at %s of gateway "
          + "CPU per delivered event, %,d followers of tokens %d ms apart offer %,.0f events/s, %.2f cores' worth; "
          + "here the gateway delivered %s of them.", Fmt.micros(flow.cpuMicrosPerEvent()), flow.followers(),
        report.plan().intervalMs(), flow.offeredEventsPerSecond(),
        flow.offeredEventsPerSecond() * flow.cpuMicrosPerEvent() / 1e6, Fmt.percent(flow.delivered())));
    }
    return text.toString();
  }

  private static String name(FanOutReport.Level level) {
    return String.format(Locale.ROOT, "%,d × %,d", level.streams(), level.followersPerStream());
  }

  private static String growth(List<HeapHistogram.Growth> growth, int followers) {
    return growth.stream().limit(4).map(entry -> GoalText.simpleClass(entry.className()) + " "
      + Math.round(entry.bytes() / (double) Math.max(1, followers)) + " B").collect(Collectors.joining(", "));
  }
}
