package io.tokenlane.bench.proc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/** CPU time and resident memory of processes, from {@code /proc} (Linux). */
public final class ProcStats {

  /** {@code getconf CLK_TCK}: 100 on every Linux the bench targets. */
  private static final double TICKS_PER_SECOND = 100.0;

  private ProcStats() {
  }

  /**
   * User + system CPU seconds used so far by these processes (0 for one that is gone).
   *
   * @param pids process ids
   * @return seconds of CPU
   */
  public static double cpuSeconds(List<Long> pids) {
    long ticks = 0;
    for (long pid : pids) {
      ticks += cpuTicks(Path.of("/proc", Long.toString(pid), "stat"));
    }
    return ticks / TICKS_PER_SECOND;
  }

  /**
   * System (kernel) CPU seconds used so far by these processes: system calls, network stack, page faults.
   *
   * @param pids process ids
   * @return seconds of CPU in the kernel
   */
  public static double systemCpuSeconds(List<Long> pids) {
    long ticks = 0;
    for (long pid : pids) {
      ticks += ticks(Path.of("/proc", Long.toString(pid), "stat"), false);
    }
    return ticks / TICKS_PER_SECOND;
  }

  /** @return CPU seconds used by the whole machine (all cores, busy time only) */
  public static double machineCpuSeconds() {
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      // cpu user nice system idle iowait irq softirq steal: everything but idle and iowait.
      for (int i = 1; i < Math.min(fields.length, 9); i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(fields[i]);
        }
      }
      return busy / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * User + system CPU seconds used so far by the threads of a process whose name matches ({@code
   * /proc/PID/task/TID/comm}; the kernel cuts names to 15 characters, so HotSpot's JIT threads are {@code
   * "C2 CompilerThre"} and {@code "C1 CompilerThre"}). A thread that ended is no longer counted.
   *
   * @param pid process id
   * @param name which threads
   * @return seconds of CPU
   */
  public static double threadCpuSeconds(long pid, Predicate<String> name) {
    long ticks = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        if (name.test(readName(task))) {
          ticks += cpuTicks(task.resolve("stat"));
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return ticks / TICKS_PER_SECOND;
  }

  /** HotSpot's JIT compiler threads, C1 and C2. */
  public static boolean isCompilerThread(String name) {
    return name.startsWith("C2 CompilerThre") || name.startsWith("C1 CompilerThre");
  }

  private static String readName(Path task) {
    try {
      return Files.readString(task.resolve("comm")).strip();
    } catch (IOException e) {
      return "";
    }
  }

  private static long cpuTicks(Path stat) {
    return ticks(stat, true);
  }

  private static long ticks(Path stat, boolean withUser) {
    try {
      String text = Files.readString(stat);
      String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
      // After the command: state is field 3 of the man page, utime 14 and stime 15.
      return (withUser ? Long.parseLong(fields[11]) : 0) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * Resident set size of these processes together ({@code VmRSS}).
   *
   * @param pids process ids
   * @return bytes
   */
  public static long rssBytes(List<Long> pids) {
    long total = 0;
    for (long pid : pids) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
          if (line.startsWith("VmRSS:")) {
            total += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | RuntimeException e) {
        // gone
      }
    }
    return total;
  }
}
