package io.tokenlane.bench;

import io.tokenlane.bench.report.ReportWriter;
import io.tokenlane.bench.report.RunResult;
import java.nio.file.Path;

/**
 * {@code java -jar tokenlane-bench.jar --quick --out docs/benchmarks}: measures every path and writes the report.
 * Exit code 0 when the report was written (whatever the figures), 2 for a bad command line, 1 when the run failed.
 */
public final class BenchMain {

  private BenchMain() {
  }

  /** Kept referenced: JUL holds loggers weakly, and a collected logger forgets its level. */
  private static final java.util.logging.Logger CONNECTIONS =
    java.util.logging.Logger.getLogger("io.vertx.core.net.impl.ConnectionBase");

  public static void main(String[] args) {
    // A target closing idle pooled connections (Node closes them after 5 s) is not news on the console.
    CONNECTIONS.setLevel(java.util.logging.Level.OFF);
    if (java.util.Arrays.asList(args).contains("--help")) {
      System.out.print(BenchOptions.USAGE);
      return;
    }
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("tokenlane-bench: " + e.getMessage());
      System.err.print(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    try {
      BenchRun run = new BenchRun(options, new Console(System.out));
      RunResult result = run.run();
      Path copy = ReportWriter.write(result, run.workDir().resolve("report"));
      Path readme = ReportWriter.write(result, options.out());
      System.out.println("report: " + readme.toAbsolutePath() + " (a copy in " + copy.getParent() + ")");
      System.exit(0);
    } catch (Exception e) {
      System.err.println("tokenlane-bench: the run failed: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }
}
