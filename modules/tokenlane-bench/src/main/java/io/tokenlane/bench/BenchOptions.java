package io.tokenlane.bench;

import io.tokenlane.bench.upstream.ScriptSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line.
 *
 * <pre>
 * java -jar tokenlane-bench.jar [--quick | --full | --tiny] [--out DIR] [--paths a,b,...] [--jar TOKENLANE_JAR]
 *                               [--portkey-dir DIR] [--no-install] [--work DIR]
 * </pre>
 *
 * @param plan what to measure
 * @param out where README.md and the SVGs go
 * @param paths which paths, in order
 * @param jar the gateway's runnable jar
 * @param portkeyDir where Portkey is (or gets) installed
 * @param install whether to npm-install Portkey when missing
 * @param work scratch directory (logs, configurations, JFR files)
 * @param args the arguments as given
 */
public record BenchOptions(BenchPlan plan, Path out, List<BenchPath> paths, Path jar, Path portkeyDir, boolean install,
                           Path work, List<String> args) {

  static final String USAGE = """
    usage: java -jar tokenlane-bench.jar [--quick | --full | --tiny] [--out DIR] [--paths a,b,...]
                                         [--levels L] [--saturation L] [--memory L] [--tokens N] [--delay-ms D]
                                         [--wait-quiet S]
                                         [--jar TOKENLANE_JAR] [--portkey-dir DIR] [--no-install] [--work DIR]
      --quick        under two minutes: levels 1, 100, 1000 (default)
      --full         longer windows, more levels, memory up to 9,000 idle streams
      --tiny         a few seconds per path (the smoke test)
      --out DIR      writes DIR/README.md and DIR/*.svg (default docs/benchmarks)
      --levels LIST       concurrency levels of the latency runs (e.g. 1,100,1000)
      --saturation LIST   concurrency of the saturation runs
      --memory LIST       idle streams per memory run (empty: none)
      --tokens N          tokens per paced answer of the latency runs
      --delay-ms D        the upstream's pause between paced tokens
      --wait-quiet S      before each path, wait up to S seconds for other work on the machine to calm down
                          (default: 0 in quick mode, 120 in full mode)
      --paths LIST   direct,nginx,tokenlane-openai-sse,tokenlane-sse,tokenlane-websocket,tokenlane-long-poll,portkey
    """;

  /**
   * Parses the command line; paths default relative to the repository found from the working directory.
   *
   * @throws IllegalArgumentException on a bad argument
   */
  public static BenchOptions parse(String... args) {
    Path root = repositoryRoot();
    BenchPlan plan = BenchPlan.quick();
    Path out = root.resolve("docs/benchmarks");
    List<BenchPath> paths = Arrays.asList(BenchPath.values());
    Path jar = System.getProperty("tokenlane.jar") != null ? Path.of(System.getProperty("tokenlane.jar"))
      : root.resolve("modules/tokenlane-server/target/tokenlane.jar");
    Path portkey = System.getProperty("tokenlane.bench.portkeyDir") != null
      ? Path.of(System.getProperty("tokenlane.bench.portkeyDir")) : root.resolve("modules/tokenlane-bench/portkey");
    boolean install = true;
    Path work = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick", "--full", "--tiny" -> plan = BenchPlan.named(args[i].substring(2));
        case "--out" -> out = Path.of(value(args, ++i));
        case "--paths" -> {
          List<BenchPath> chosen = new ArrayList<>();
          for (String id : value(args, ++i).split(",")) {
            chosen.add(BenchPath.byId(id.trim()));
          }
          paths = chosen;
        }
        case "--levels" -> plan = plan.withLevels(integers(value(args, ++i)));
        case "--saturation" -> plan = plan.withThroughputLevels(integers(value(args, ++i)));
        case "--memory" -> plan = plan.withMemoryLevels(integers(value(args, ++i)));
        case "--tokens" -> plan = plan.withPaced(new ScriptSpec(Integer.parseInt(value(args, ++i)), plan.paced().delayMs(), -1));
        case "--delay-ms" -> plan = plan.withPaced(new ScriptSpec(plan.paced().tokens(), Long.parseLong(value(args, ++i)), -1));
        case "--wait-quiet" -> plan = plan.withQuietWait(java.time.Duration.ofSeconds(Long.parseLong(value(args, ++i))));
        case "--jar" -> jar = Path.of(value(args, ++i));
        case "--portkey-dir" -> portkey = Path.of(value(args, ++i));
        case "--no-install" -> install = false;
        case "--work" -> work = Path.of(value(args, ++i));
        default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
      }
    }
    return new BenchOptions(plan, out, List.copyOf(paths), jar, portkey, install, work, List.of(args));
  }

  private static List<Integer> integers(String list) {
    List<Integer> values = new ArrayList<>();
    for (String value : list.split(",")) {
      if (!value.isBlank()) {
        values.add(Integer.parseInt(value.trim()));
      }
    }
    return values;
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  /** The nearest directory up from the working directory that holds the gateway's modules, else the working one. */
  static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path at = dir; at != null; at = at.getParent()) {
      if (Files.isDirectory(at.resolve("modules/tokenlane-server"))) {
        return at;
      }
    }
    return dir;
  }
}
