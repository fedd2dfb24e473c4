package io.tokenlane.bench;

import io.tokenlane.bench.fanout.FanOutPlan;
import io.tokenlane.bench.target.GatewayTuning;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line ({@link #USAGE}).
 *
 * @param plan what to measure
 * @param out where README.md and the SVGs go
 * @param paths which paths, in order
 * @param jar the gateway's runnable jar
 * @param portkeyDir where Portkey is (or gets) installed
 * @param install whether to npm-install Portkey when missing
 * @param work scratch directory (logs, configurations, JFR files)
 * @param gateway environment and JVM flags added to the gateway's process
 * @param cluster whether to measure two clustered members after the paths (issue 9's figures)
 * @param followers the fan-out levels to measure after the paths (issue 10's figures), empty for none
 * @param args the arguments as given
 */
public record BenchOptions(BenchPlan plan, Path out, List<BenchPath> paths, Path jar, Path portkeyDir, boolean install,
                           Path work, GatewayTuning gateway, boolean cluster,
                           List<FanOutPlan.Level> followers, List<String> args) {

  static final String USAGE = """
    usage: java -jar tokenlane-bench.jar [--quick | --full | --tiny] [--out DIR] [--paths a,b,...]
                                         [--levels L] [--intervals L] [--tokens N] [--window-ms W] [--memory L]
                                         [--warmup-max S] [--wait-quiet S]
                                         [--gateway-env KEY=VALUE]... [--gateway-jvm FLAG]... [--cluster]
                                         [--fanout | --followers SxF,...]
                                         [--jar TOKENLANE_JAR] [--portkey-dir DIR] [--no-install] [--work DIR]
      --quick        about three minutes: levels 50, 200, 1000 at 10 ms and 0 ms, 0.8 s windows (default)
      --full         fresh processes per path, 8 s windows, the issue's warm-up, 10,000 idle streams (30-45 min)
      --tiny         a few seconds per path (the smoke test; its figures mean nothing)
      --out DIR      writes DIR/README.md and DIR/*.svg (default docs/benchmarks)
      --levels LIST       concurrency levels (closed loop), e.g. 50,200,1000
      --intervals LIST    the upstream's pause between tokens, ms, e.g. 10,0 (0: as fast as it writes)
      --tokens N          tokens per stream (default 50)
      --window-ms W       measured time per level and interval
      --memory LIST       idle streams per memory run (empty: none)
      --warmup-max S      cap on each path's warm-up, seconds (it ends earlier once the JIT is quiet)
      --wait-quiet S      before each path, wait up to S seconds for other work on the machine to calm down
                          (default: 0 in quick mode, 120 in full mode)
      --gateway-env KEY=VALUE   environment of the gateway's process, repeatable; TOKENLANE_<SECTION>_<KEY>
                                overrides a configuration key, e.g. TOKENLANE_HTTP_INSTANCES=4;
                                TOKENLANE_BENCH_UPSTREAM_HTTP2=true: the gateway speaks HTTP/2 to the fake upstream
                                (one socket per open stream instead of two: 10,000 idle streams under a 20,000
                                open-files limit)
      --gateway-jvm FLAG        a JVM flag for the gateway, repeatable, e.g. --gateway-jvm -XX:+UseParallelGC
      --paths LIST   direct,nginx,tokenlane-openai-sse,tokenlane-sse,tokenlane-websocket,tokenlane-long-poll,
                     tokenlane-anthropic,portkey, or none (only --cluster or --fanout then). tokenlane-anthropic is
                     the OpenAI path from an Anthropic-format upstream (the gateway's anthropic provider, the fake's
                     second port): its CPU per token is set against tokenlane-openai-sse's (issue 12)
      --cluster      after the paths, two gateway members as a cluster: cross-member followers against local ones,
                     cluster operations per token, cross-member cancel, heap per stream and mirror, kill -9 of the
                     owner to owner_lost (issue 9; a few minutes). --paths tokenlane-openai-sse,tokenlane-sse gives
                     the single-node figures it is compared with
      --fanout       after the paths, issue 10's fan-out: S streams with F native SSE followers each on a fresh
                     gateway per level (10x20 and 100x20): live heap and RSS per idle follower, then tokens flowing
                     every 10 ms to every follower: the gateway's CPU per delivered event, /readyz p50/p99
      --followers LIST    the fan-out's levels, STREAMSxFOLLOWERS, e.g. 100x20,10x20 (implies --fanout)
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
    GatewayTuning gateway = GatewayTuning.NONE;
    boolean cluster = false;
    List<FanOutPlan.Level> followers = List.of();
    List<String> tweaks = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick", "--full", "--tiny" -> plan = BenchPlan.named(args[i].substring(2));
        case "--out" -> out = Path.of(value(args, ++i));
        case "--paths" -> paths = paths(value(args, ++i));
        case "--jar" -> jar = Path.of(value(args, ++i));
        case "--portkey-dir" -> portkey = Path.of(value(args, ++i));
        case "--no-install" -> install = false;
        case "--work" -> work = Path.of(value(args, ++i));
        case "--gateway-env" -> gateway = gateway.withEnv(value(args, ++i));
        case "--gateway-jvm" -> gateway = gateway.withJvmFlag(value(args, ++i));
        case "--cluster" -> cluster = true;
        case "--fanout" -> followers = followers.isEmpty() ? FanOutPlan.DEFAULT_LEVELS : followers;
        case "--followers" -> followers = FanOutPlan.parseLevels(value(args, ++i));
        case "--levels", "--intervals", "--tokens", "--window-ms", "--memory", "--warmup-max", "--wait-quiet" -> {
          // Applied after the loop: they change whichever mode the command line names, wherever it names it.
          tweaks.add(args[i]);
          tweaks.add(value(args, ++i));
        }
        default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
      }
    }
    for (int i = 0; i < tweaks.size(); i += 2) {
      plan = tweak(plan, tweaks.get(i), tweaks.get(i + 1));
    }
    return new BenchOptions(plan, out, List.copyOf(paths), jar, portkey, install, work, gateway, cluster, followers,
      List.of(args));
  }

  private static BenchPlan tweak(BenchPlan plan, String option, String value) {
    return switch (option) {
      case "--levels" -> plan.withLevels(integers(value));
      case "--intervals" -> plan.withIntervals(integers(value).stream().map(Integer::longValue).toList());
      case "--tokens" -> plan.withTokens(Integer.parseInt(value));
      case "--window-ms" -> plan.withWindow(Duration.ofMillis(Long.parseLong(value)));
      case "--memory" -> plan.withMemoryLevels(integers(value));
      case "--warmup-max" -> plan.withWarmupMax(Duration.ofSeconds(Long.parseLong(value)));
      case "--wait-quiet" -> plan.withQuietWait(Duration.ofSeconds(Long.parseLong(value)));
      default -> throw new IllegalArgumentException("unknown argument '" + option + "'");
    };
  }

  private static List<BenchPath> paths(String list) {
    List<BenchPath> chosen = new ArrayList<>();
    if (list.trim().equals("none")) {
      return chosen;
    }
    for (String id : list.split(",")) {
      chosen.add(BenchPath.byId(id.trim()));
    }
    return chosen;
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
