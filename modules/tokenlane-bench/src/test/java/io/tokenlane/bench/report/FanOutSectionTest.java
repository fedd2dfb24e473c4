package io.tokenlane.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.bench.BenchOptions;
import io.tokenlane.bench.BenchPlan;
import io.tokenlane.bench.fanout.FanOutPlan;
import io.tokenlane.bench.fanout.FanOutReport;
import io.tokenlane.bench.fanout.ReadyzFigures;
import io.tokenlane.bench.phase.Quantiles;
import io.tokenlane.bench.proc.HeapHistogram;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fan-out figures: per follower, per event, what the reader bound means, and the command line that asks. */
class FanOutSectionTest {

  private static final long MB = 1024 * 1024;

  @Test
  void followersAreCountedAgainstTheSameProcessWithTheStreamsAndTheBoundIsTurnedIntoAHeapBudget() {
    // 100 streams cost 1 MB (10,485.76 B each); 2,000 followers 5,120 B each; RSS grows 20 KB per follower.
    FanOutReport.Idle idle = new FanOutReport.Idle(100, 2000, 8 * MB, 9 * MB, 9 * MB + 2000 * 5120L, 100 * MB,
      101 * MB, 101 * MB + 2000 * 20 * 1024L, List.of(new HeapHistogram.Growth("[B", 2000 * 700L, 2000)));
    // 1.0 gateway core for 10 s over 1,000,000 events: 10 µs per event.
    FanOutReport.Flow flow = new FanOutReport.Flow(2000, 200_000, 1_000_000, 1_000_000, 0, 10,
      new FanOutReport.Cpu(1.0, 0.01, 0.5, 0.4, 0.05), new ReadyzFigures(
        new Quantiles(200, 4.0, 9.0, 120.0, 150.0, 150.0, 5.0), 0), 400 * MB, 60 * MB);
    FanOutReport report = new FanOutReport(FanOutPlan.of(BenchPlan.quick(), FanOutPlan.DEFAULT_LEVELS))
      .add(new FanOutReport.Level(100, 20, idle, flow, Map.of(), 1.5, 2));

    assertEquals(5120, idle.heapPerFollower(), 1e-9);
    assertEquals(10_485.76, idle.heapPerStream(), 1e-9);
    assertEquals(20 * 1024, idle.rssPerFollower(), 1e-9);
    assertEquals(10.0, flow.cpuMicrosPerEvent(), 1e-9);
    assertEquals(0.5, flow.delivered(), 1e-9);
    Md md = new Md();
    FanOutSection.write(md, report, "java -jar tokenlane-bench.jar --followers 100x20");
    String text = md.toString();
    assertTrue(text.contains("## Fan-out (issue 10)"), text);
    assertTrue(text.contains("--followers 100x20"), "the command that produced the figures: " + text);
    assertTrue(text.contains("| 100 × 20 | 2,000 / 2,000 | **5.0 KB** | 20.0 KB | 10.2 KB |"), text);
    assertTrue(text.contains("`byte[]` 700 B"), "the largest class's growth per follower: " + text);
    assertTrue(text.contains("100,000 / 200,000 (50%)"), "delivered against offered: " + text);
    assertTrue(text.contains("**10.0 µs**"), "CPU per delivered event: " + text);
    assertTrue(text.contains("**4.00 ms / 120 ms** | 150 ms (200 probes) |"), "readyz p50 / p99, max: " + text);
    // 512 MB / 5,120 B = 104,857 followers; at the bound a stream and 32 followers take 174,325.76 B: 3,079.
    assertTrue(text.contains("about **104,857 idle followers**, or 3,079 streams each at the bound"), text);
    assertTrue(text.contains("32 × 5.0 KB = 160.0 KB"), text);
    assertTrue(text.contains("1.50 (100 × 20)"), "the machine's load is reported: " + text);
    assertTrue(text.contains("(1 window measured again here; the table shows the least disturbed)"), text);
    assertTrue(text.contains("the followers got 50% of the offered events while the machine was 1.95 of its 2 cores"),
      "a shortfall is explained by the cores: " + text);
    assertTrue(text.contains("RSS with tokens flowing was 400.0 MB against 100.0 MB fresh, while the live heap right "
      + "after was 60.0 MB"), text);
  }

  @Test
  void levelsAreStreamsTimesFollowersAndTheOtherPhasesCanBeSkipped() {
    BenchOptions options = BenchOptions.parse("--paths", "none", "--followers", "100x20,10X20");
    assertEquals(List.of(), options.paths());
    assertEquals(List.of(new FanOutPlan.Level(100, 20), new FanOutPlan.Level(10, 20)), options.followers());
    assertEquals(FanOutPlan.DEFAULT_LEVELS, BenchOptions.parse("--fanout").followers());
    assertEquals(List.of(), BenchOptions.parse().followers(), "no fan-out unless asked");
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--followers", "100"));
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--followers", "0x20"));
  }
}
