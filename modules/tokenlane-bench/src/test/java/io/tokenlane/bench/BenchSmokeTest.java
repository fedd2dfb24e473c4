package io.tokenlane.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.bench.cluster.ClusterReport;
import io.tokenlane.bench.fanout.FanOutReport;
import io.tokenlane.bench.phase.PathReport;
import io.tokenlane.bench.report.ReportWriter;
import io.tokenlane.bench.report.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny mode end to end: every path that this machine has runs for a few seconds, the others are reported as
 * not installed or unavailable, and the report and its plots are written. No timing is asserted: figures from a
 * CI machine mean nothing.
 */
class BenchSmokeTest {

  private static final List<String> PLOTS = List.of("latency.svg", "added-ttft.svg", "throughput.svg", "memory.svg",
    "cancel.svg", "cpu-per-token.svg");

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void tinyRunWritesAReportWithARowPerPathAndEveryPlot(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("report");
    BenchOptions options = BenchOptions.parse("--tiny", "--no-install", "--out", out.toString(), "--work",
      dir.resolve("work").toString());
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    PrintStream console = new PrintStream(new TeeOutputStream(progress, System.out), true, StandardCharsets.UTF_8);

    RunResult run = new BenchRun(options, new Console(console)).run();
    ReportWriter.write(run, out);

    String readme = Files.readString(out.resolve("README.md"));
    assertEquals(BenchPath.values().length, run.paths().size());
    assertTrue(run.get(BenchPath.DIRECT).measured(), "the direct path needs nothing installed: " + progress);
    for (PathReport report : run.paths()) {
      String row = report.measured() ? "| **" + report.path().id() + "** |" : "| " + report.path().id() + " |";
      assertTrue(readme.contains(row), "a row for " + report.path().id() + " in\n" + readme);
      if (!report.measured()) {
        assertTrue(readme.contains(report.note()), "the reason " + report.path().id() + " did not run");
      }
    }
    for (String plot : PLOTS) {
      String svg = Files.readString(out.resolve(plot));
      assertTrue(svg.startsWith("<svg") && svg.strip().endsWith("</svg>"), plot + " is an SVG document");
      assertTrue(readme.contains("](" + plot + ")"), "the report shows " + plot);
    }
    assertTrue(progress.toString(StandardCharsets.UTF_8).contains("direct"), "progress is printed as it goes");
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void tinyClusterRunWritesTheClusterSectionAndEveryFollowerOfTheKilledOwnerEndsOnce(@TempDir Path dir)
    throws Exception {
    Path out = dir.resolve("report");
    BenchOptions options = BenchOptions.parse("--tiny", "--no-install", "--paths", "tokenlane-sse", "--cluster",
      "--out", out.toString(), "--work", dir.resolve("work").toString());

    RunResult run = new BenchRun(options, new Console(System.out)).run();
    ReportWriter.write(run, out);

    ClusterReport cluster = run.cluster();
    assertNull(cluster.failure(), "the cluster phase ran to its end");
    // How many streams a window of a tiny run measures depends on the machine: only behaviour is asserted.
    ClusterReport.OwnerLoss loss = cluster.ownerLoss();
    assertTrue(loss.followers() > 0, "streams were followed when the owner died");
    assertEquals(loss.followers(), loss.ownerLost(), "every follower ended with owner_lost: " + loss.otherCodes());
    assertEquals(loss.followers(), loss.exactlyOnce(), "every follower got exactly one end");
    String readme = Files.readString(out.resolve("README.md"));
    assertTrue(readme.contains("## Cluster (issue 9)"), "the report has the cluster section:\n" + readme);
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void tinyFanOutRunMeasuresEveryFollowerOfEveryStreamWithoutTheOtherPhases(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("report");
    BenchOptions options = BenchOptions.parse("--tiny", "--no-install", "--paths", "none", "--followers", "2x3",
      "--out", out.toString(), "--work", dir.resolve("work").toString());

    RunResult run = new BenchRun(options, new Console(System.out)).run();
    ReportWriter.write(run, out);

    FanOutReport fanOut = run.fanOut();
    assertNull(fanOut.failure(), "the fan-out phase ran to its end");
    FanOutReport.Level level = fanOut.levels().get(0);
    assertEquals(Map.of(), level.failures(), "no follower was refused or failed");
    // Figures of a tiny run mean nothing: only that every follower was there and events reached them.
    assertEquals(6, level.idle().followers(), "every idle follower got its stream's token");
    assertEquals(6, level.flow().followers(), "every follower attached while tokens flowed");
    assertTrue(level.flow().events() > 0, "token events reached the followers in the window");
    assertTrue(level.flow().readyz().latency().count() > 0, "/readyz was probed in the window");
    assertTrue(run.paths().isEmpty(), "--paths none measures no path");
    String readme = Files.readString(out.resolve("README.md"));
    assertTrue(readme.contains("## Fan-out (issue 10)"), "the report has the fan-out section:\n" + readme);
  }

  /** The progress goes to the test's output too, for whoever reads a failure. */
  private static final class TeeOutputStream extends OutputStream {

    private final OutputStream first;
    private final OutputStream second;

    TeeOutputStream(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      first.write(bytes, offset, length);
      second.write(bytes, offset, length);
    }
  }
}
