package io.tokenlane.bench;

import io.tokenlane.bench.cluster.ClusterPhase;
import io.tokenlane.bench.cluster.ClusterPlan;
import io.tokenlane.bench.cluster.ClusterReport;
import io.tokenlane.bench.fanout.FanOutPhase;
import io.tokenlane.bench.fanout.FanOutPlan;
import io.tokenlane.bench.fanout.FanOutReport;
import io.tokenlane.bench.load.LoadGenerator;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.phase.PathRunner;
import io.tokenlane.bench.phase.Stage;
import io.tokenlane.bench.proc.OpenFiles;
import io.tokenlane.bench.report.MachineInfo;
import io.tokenlane.bench.report.RunResult;
import io.tokenlane.bench.target.Targets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One run: every path in turn, each against a fresh fake upstream and target, on one load generator. */
public final class BenchRun {

  /** Connections per load-generator event loop: enough for the largest level and idle-memory run. */
  private static final int MAX_CONNECTIONS = 20_000;

  private final BenchOptions options;
  private final Console console;
  private Path gatewayJar;
  private Path workDir;

  public BenchRun(BenchOptions options, Console console) {
    this.options = options;
    this.console = console;
  }

  /** @return the figures of every path, measured or not */
  public RunResult run() throws IOException {
    Instant started = Instant.now();
    Path work = options.work() != null ? Files.createDirectories(options.work())
      : Files.createTempDirectory("tokenlane-bench-");
    workDir = work;
    BenchPlan plan = options.plan();
    console.step("tokenlane-bench %s: %d paths, levels %s, intervals %s ms%s, work dir %s", plan.mode(),
      options.paths().size(), plan.levels(), plan.intervalsMs(),
      options.followers().isEmpty() ? "" : ", fan-out " + options.followers(), work);
    // Before anything starts: every process the bench starts inherits the limit.
    long openFiles = OpenFiles.raise();
    if (openFiles < OpenFiles.WANTED) {
      console.step("open files limited to %d: memory runs stop where it runs out", openFiles);
    }
    MachineInfo machine = MachineInfo.probe();
    gatewayJar = snapshot(options.jar(), work);
    List<PathReport> reports = new ArrayList<>();
    ClusterReport cluster = null;
    FanOutReport fanOut = null;
    try (LoadGenerator load = new LoadGenerator(Math.max(1, machine.cores()), MAX_CONNECTIONS);
         Stage stage = plan.shared() ? Stage.shared(work) : Stage.fresh(work)) {
      PathRunner runner = new PathRunner(plan, load, console, work, stage);
      for (BenchPath path : options.paths()) {
        reports.add(runner.run(path, prepare(path, work), profiles(path)));
      }
      if (options.cluster()) {
        // Fresh processes of its own, whatever the stage: the single-node gateway is not part of it.
        stage.close();
        cluster = ClusterPhase.run(ClusterPlan.of(plan), load, console, work, gatewayJar, options.gateway());
      }
      if (!options.followers().isEmpty()) {
        stage.close();
        fanOut = FanOutPhase.run(FanOutPlan.of(plan, options.followers()), load, console, work, gatewayJar,
          options.gateway());
      }
    }
    console.step("done in %.0f s", console.seconds());
    return new RunResult(plan, machine, reports, options.gateway(), command(), started, console.seconds(), cluster,
      fanOut);
  }

  /** @return the scratch directory of the last run (logs, JFR files, a copy of the report) */
  public Path workDir() {
    return workDir;
  }

  /** Every Tokenlane transport is profiled: the report explains each one's misses by method. */
  private boolean profiles(BenchPath path) {
    return options.plan().profile() && path.isTokenlane();
  }

  private Targets.Prepared prepare(BenchPath path, Path work) {
    return switch (path.hop()) {
      case DIRECT -> Targets.direct();
      case NGINX -> Targets.nginx(work.resolve("nginx"));
      case TOKENLANE -> Targets.tokenlane(gatewayJar, work.resolve(path.id()), options.gateway());
      case PORTKEY -> {
        console.step("%-21s checking the install in %s", path.id(), options.portkeyDir());
        yield Targets.portkey(options.portkeyDir(), work.resolve("portkey"), options.install());
      }
    };
  }

  /** A copy of the gateway's jar for this run: a build in the same tree must not swap it halfway. */
  private static Path snapshot(Path jar, Path work) throws IOException {
    if (jar == null || !Files.isRegularFile(jar)) {
      return jar;
    }
    return Files.copy(jar, work.resolve("tokenlane.jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private String command() {
    return "java -jar modules/tokenlane-bench/target/tokenlane-bench.jar " + String.join(" ", options.args());
  }
}
