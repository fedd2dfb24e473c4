package io.tokenlane.bench.proc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where a process's CPU time goes, kernel included, from Linux {@code perf}: CPU-clock samples of the target's
 * processes, each given to one part (a system call in the kernel, the JIT compiler, the garbage collector, compiled
 * code by library, a native program), and the hottest user-space functions.
 *
 * <p>Unlike JFR, which samples Java threads at safepoint-free points of Java code only, {@code perf} samples whatever
 * runs on a CPU: the kernel's network stack, the compiler and GC threads, nginx's C code, so the same table serves
 * nginx and the gateway. A JVM's compiled methods are named from the map {@code jcmd PID Compiler.perfmap} writes
 * ({@code /tmp/perf-PID.map}). Only the sampled frame and the system call under it are used: the JVM keeps no frame
 * pointers, so what perf walks of a Java stack beyond its top frame is not trusted.
 *
 * @param samples samples of the target's processes
 * @param frequency samples per second per CPU the recording asked for
 * @param parts samples per part, largest first
 * @param topFunctions the hottest user-space functions by self samples, most first
 */
public record PerfProfile(long samples, int frequency, List<Part> parts, List<Part> topFunctions) {

  /** The sampling rate: about 3,000 samples in an 8 s window of a process using 0.4 cores. */
  public static final int FREQUENCY = 999;

  /** Kernel parts, by the system call the sample is under. */
  public static final String KERNEL_SEND = "kernel: send, write (the loopback receive runs in it too)";
  public static final String KERNEL_RECEIVE = "kernel: receive, read";
  public static final String KERNEL_EPOLL = "kernel: epoll wait (and the switch back in)";
  public static final String KERNEL_OTHER_CALLS = "kernel: other system calls";
  public static final String KERNEL_NO_CALL = "kernel: interrupts, preemption, page faults";
  /** JVM parts, by thread. */
  public static final String JIT = "JVM: JIT compiler threads";
  public static final String GC = "JVM: garbage collector threads";
  public static final String JVM_RUNTIME = "JVM: runtime (interpreter, stubs, safepoints, other threads)";

  /** A part or function and its samples. */
  public record Part(String name, long samples) {
  }

  /**
   * The kinds of system call the kernel's part is split by: the kernel functions that tell one (kernels inline the
   * {@code __x64_sys_*} entries differently), and the libc wrappers that make one.
   */
  private record CallKind(String part, Pattern kernel, Pattern wrapper) {
  }

  private static final List<CallKind> CALL_KINDS = List.of(
    new CallKind(KERNEL_EPOLL,
      Pattern.compile("^(?:do_epoll_wait|do_epoll_pwait|ep_poll|__x64_sys_epoll|do_sys_poll|do_select)"),
      Pattern.compile("epoll|poll|select")),
    new CallKind(KERNEL_SEND,
      Pattern.compile("^(?:__x64_sys_(?:send|write)|__sys_send|do_writev|vfs_write|sock_write_iter|tcp_sendmsg)"),
      Pattern.compile("send|write")),
    new CallKind(KERNEL_RECEIVE,
      Pattern.compile("^(?:__x64_sys_(?:recv|read)|__sys_recv|do_readv|vfs_read|sock_read_iter|tcp_recvmsg)"),
      Pattern.compile("recv|read")));
  /** A Java method in a perf map: {@code RETURN_TYPE package.Class.method(ARGS)}; lambdas' classes have a slash. */
  private static final Pattern METHOD = Pattern.compile("([\\w$]+(?:[./][\\w$]+)+)\\(");
  private static final Pattern HIDDEN_CLASS = Pattern.compile("\\$\\$Lambda\\$\\d+/0x[0-9a-f]+");
  /** Compiled Java code by package, first match wins. */
  private static final String[][] LIBRARIES = {
    {"io.tokenlane.", "Java: Tokenlane"},
    {"io.netty.", "Java: Netty"},
    {"io.vertx.", "Java: Vert.x"},
    {"io.micrometer.", "Java: metrics (Micrometer, Prometheus)"},
    {"io.prometheus.", "Java: metrics (Micrometer, Prometheus)"},
    {"com.fasterxml.", "Java: Jackson"},
    {"java.", "Java: JDK"},
    {"jdk.", "Java: JDK"},
    {"sun.", "Java: JDK"},
  };

  /**
   * @return whether {@code perf record} can sample processes here, kernel included: installed, allowed to, and run by
   *     root or with {@code kernel.perf_event_paranoid} at most 1 (above that a user's samples leave the kernel out, and
   *     the split would say the kernel costs nothing)
   */
  public static boolean available() {
    return Available.YES;
  }

  private static final class Available {
    static final boolean YES = probe();

    private static boolean probe() {
      try {
        if (!"root".equals(System.getProperty("user.name")) && paranoia() > 1) {
          return false;
        }
        Path data = Files.createTempFile("tokenlane-bench-perf", ".data");
        try {
          return run(List.of("perf", "record", "-e", "cpu-clock", "-o", data.toString(), "--", "true"),
            Duration.ofSeconds(20)) == 0;
        } finally {
          Files.deleteIfExists(data);
        }
      } catch (IOException e) {
        return false;
      }
    }
  }

  private static int paranoia() {
    try {
      return Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/perf_event_paranoid")).strip());
    } catch (IOException | NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  /**
   * Starts recording {@code pids} for {@code length}; {@link Recording#finish} waits for the end and reads it.
   *
   * @param pids the target's processes
   * @param jvm the target's JVM (its compiled methods are named at the end), or -1
   * @param length how long to record
   * @param file where perf writes its data
   */
  public static Recording start(List<Long> pids, long jvm, Duration length, Path file) throws IOException {
    List<String> command = new ArrayList<>(List.of("perf", "record", "-e", "cpu-clock", "-F",
      Integer.toString(FREQUENCY), "-g", "-o", file.toString(), "-p",
      pids.stream().map(String::valueOf).collect(Collectors.joining(",")), "--", "sleep",
      String.format(java.util.Locale.ROOT, "%.3f", length.toMillis() / 1000.0)));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return new Recording(process, jvm, file);
  }

  /** A recording under way. */
  public record Recording(Process process, long jvm, Path file) {

    /**
     * Waits for the recording to end, names the JVM's compiled code, and reads the samples.
     *
     * @return the profile
     * @throws IOException when perf failed
     */
    public PerfProfile finish() throws IOException {
      try {
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
          process.destroyForcibly();
          throw new IOException("perf record failed (exit " + (process.isAlive() ? "none" : process.exitValue()) + ")");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
        throw new IOException("interrupted", e);
      }
      Path map = Path.of("/tmp", "perf-" + jvm + ".map");
      try {
        if (jvm > 0) {
          Jcmd.run(jvm, "Compiler.perfmap");
        }
        Process script = new ProcessBuilder("perf", "script", "-i", file.toString(), "-F", "comm,ip,sym,dso",
          "--no-inline").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (Reader reader = new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8)) {
          return parse(reader, FREQUENCY);
        } finally {
          script.destroy();
        }
      } finally {
        // The data stays in the work directory for perf report; the map goes beside it, as perf report wants it in
        // /tmp under the process's id.
        if (Files.exists(map)) {
          Files.move(map, file.resolveSibling(map.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /**
   * Reads {@code perf script -F comm,ip,sym,dso} output: per sample a line with the thread's name, then one line
   * per frame ({@code ADDRESS SYMBOL (DSO)}), innermost first, then a blank line.
   *
   * @param frequency the sampling rate the recording used
   */
  public static PerfProfile parse(Reader script, int frequency) throws IOException {
    Map<String, Long> parts = new HashMap<>();
    Map<String, Long> functions = new HashMap<>();
    long samples = 0;
    BufferedReader lines = new BufferedReader(script);
    String thread = null;
    List<String[]> frames = new ArrayList<>();
    for (String line = lines.readLine(); ; line = lines.readLine()) {
      if (line == null || line.isBlank()) {
        if (thread != null) {
          samples++;
          attribute(thread, frames, parts, functions);
        }
        thread = null;
        frames.clear();
        if (line == null) {
          break;
        }
      } else if (!Character.isWhitespace(line.charAt(0))) {
        thread = line.strip();
      } else {
        frames.add(frame(line.strip()));
      }
    }
    return new PerfProfile(samples, frequency, sorted(parts), sorted(functions));
  }

  /** @return {symbol, dso} of a frame line */
  private static String[] frame(String line) {
    int space = line.indexOf(' ');
    String rest = space < 0 ? "" : line.substring(space + 1).strip();
    String dso = "";
    if (rest.endsWith(" (deleted))")) {
      // A library unlinked after it was loaded (Netty unpacks its native transport to a temporary file).
      rest = rest.substring(0, rest.length() - " (deleted))".length()) + ")";
    }
    if (rest.endsWith(")")) {
      int open = rest.lastIndexOf(" (");
      if (open >= 0) {
        dso = rest.substring(open + 2, rest.length() - 1);
        rest = rest.substring(0, open).strip();
      } else if (rest.startsWith("(")) {
        dso = rest.substring(1, rest.length() - 1);
        rest = "";
      }
    }
    int offset = rest.lastIndexOf("+0x");
    if (offset > 0) {
      rest = rest.substring(0, offset);
    }
    return new String[] {rest.isEmpty() ? "[unknown]" : rest, dso};
  }

  private static void attribute(String thread, List<String[]> frames, Map<String, Long> parts,
                                Map<String, Long> functions) {
    String[] top = frames.isEmpty() ? new String[] {"[unknown]", ""} : frames.get(0);
    String part;
    if (isKernel(top[1])) {
      part = kernelPart(frames);
    } else if (thread.startsWith("C1 CompilerThre") || thread.startsWith("C2 CompilerThre")) {
      part = JIT;
    } else if (thread.startsWith("GC Thread") || thread.startsWith("G1 ")) {
      part = GC;
    } else {
      part = userPart(top[0], top[1]);
      functions.merge(shortName(top[0]), 1L, Long::sum);
    }
    parts.merge(part, 1L, Long::sum);
  }

  private static boolean isKernel(String dso) {
    return dso.startsWith("[kernel");
  }

  /**
   * The kernel part of a sample: going from the system call's entry inward, the first function that tells what the
   * call does (kernels inline the {@code __x64_sys_*} entries differently), else the user-space function that made
   * the call (a libc wrapper), else no call: an interrupt, or a page fault.
   */
  private static String kernelPart(List<String[]> frames) {
    int user = 0;
    while (user < frames.size() && isKernel(frames.get(user)[1])) {
      user++;
    }
    boolean inCall = false;
    for (int i = user - 1; i >= 0; i--) {
      String function = frames.get(i)[0];
      inCall |= function.startsWith("entry_SYSCALL") || function.equals("do_syscall_64");
      String part = callPart(function, true);
      if (part != null) {
        return part;
      }
    }
    if (user < frames.size()) {
      String part = callPart(frames.get(user)[0], false);
      if (part != null) {
        return part;
      }
    }
    return inCall ? KERNEL_OTHER_CALLS : KERNEL_NO_CALL;
  }

  private static String callPart(String function, boolean inKernel) {
    for (CallKind kind : CALL_KINDS) {
      if ((inKernel ? kind.kernel() : kind.wrapper()).matcher(function).find()) {
        return kind.part();
      }
    }
    return null;
  }

  private static String userPart(String symbol, String dso) {
    if (dso.contains("perf-") && dso.endsWith(".map")) {
      Matcher method = METHOD.matcher(symbol);
      if (method.find()) {
        String name = method.group(1);
        for (String[] library : LIBRARIES) {
          if (name.startsWith(library[0])) {
            return library[1];
          }
        }
        return "Java: other libraries";
      }
      // A JVM names all its code in the map; Node's map (--perf-basic-prof) may not name what V8 compiled.
      return symbol.equals("[unknown]") ? "JIT code the map does not name (V8's, in Node)" : JVM_RUNTIME;
    }
    String file = dso.substring(dso.lastIndexOf('/') + 1);
    if (file.startsWith("libnetty")) {
      return "Java: Netty (native transport)";
    }
    if (file.startsWith("libjvm") || file.startsWith("libjava") || file.startsWith("libnio") || file.startsWith("libnet.")) {
      return JVM_RUNTIME;
    }
    if (file.startsWith("libc.") || file.startsWith("libpthread") || file.startsWith("ld-linux")) {
      return "libc (system call wrappers)";
    }
    if (file.startsWith("[vdso")) {
      return "vDSO (clock reads)";
    }
    if (file.isEmpty() || file.startsWith("[unknown")) {
      return "unnamed code (an interpreter, a JIT without a map)";
    }
    return file;
  }

  /** {@code void io.netty.Foo.bar(java.lang.Object)} to {@code io.netty.Foo.bar}; native symbols as they are. */
  static String shortName(String symbol) {
    if (symbol.equals("[unknown]")) {
      return "(no symbol)";
    }
    Matcher method = METHOD.matcher(symbol);
    return method.find() ? HIDDEN_CLASS.matcher(method.group(1)).replaceAll(Matcher.quoteReplacement("$$Lambda")) : symbol;
  }

  private static List<Part> sorted(Map<String, Long> counts) {
    return counts.entrySet().stream().map(entry -> new Part(entry.getKey(), entry.getValue()))
      .sorted(Comparator.comparingLong(Part::samples).reversed().thenComparing(Part::name)).toList();
  }

  /** @return CPU seconds the samples stand for */
  public double cpuSeconds(long count) {
    return (double) count / frequency;
  }

  /** @return the samples of the part named, 0 if none */
  public long samplesOf(String name) {
    return parts.stream().filter(part -> part.name().equals(name)).mapToLong(Part::samples).sum();
  }

  /** @return samples in the kernel */
  public long kernelSamples() {
    return parts.stream().filter(part -> part.name().startsWith("kernel:")).mapToLong(Part::samples).sum();
  }

  /** @return the parts in the order the report lists them: kernel first, then the rest by size */
  public Map<String, Long> byPart() {
    Map<String, Long> ordered = new LinkedHashMap<>();
    parts.stream().filter(part -> part.name().startsWith("kernel:")).forEach(part -> ordered.put(part.name(), part.samples()));
    parts.stream().filter(part -> !part.name().startsWith("kernel:")).forEach(part -> ordered.put(part.name(), part.samples()));
    return ordered;
  }

  private static int run(List<String> command, Duration timeout) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return -1;
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return -1;
    }
  }
}
