package io.tokenlane.bench.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The bench's open-files limit, raised at the start of a run when the machine lets it (root, or a hard limit high
 * enough): 10,000 idle streams through a gateway take 20,000 sockets in the gateway alone, and every process the
 * bench starts inherits its limit.
 */
public final class OpenFiles {

  /** Enough for 10,000 streams with two connections each in one process, and spare. */
  public static final long WANTED = 65_536;

  private OpenFiles() {
  }

  /**
   * Raises this process's limit to {@link #WANTED} with {@code prlimit} when it is lower.
   *
   * @return the limit now in force
   */
  public static long raise() {
    long now = softLimit();
    if (now >= WANTED || now < 0) {
      return now;
    }
    try {
      Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(ProcessHandle.current().pid()),
        "--nofile=" + WANTED + ":" + WANTED).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
      prlimit.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // No prlimit: the limit stays, and the memory runs stop where it runs out.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return softLimit();
  }

  /** Files a process keeps open besides its streams' sockets: jars, its epoll, logs, pipes. */
  private static final int RESERVED = 500;

  /**
   * @param socketsPerStream the gateway's sockets per open stream: two (its client's and its upstream's), or one
   *     when many streams share an upstream connection
   * @return how many streams a gateway can hold open within the limit it inherits from this process, beside what
   *     it opens anyway
   */
  public static int gatewayStreams(int socketsPerStream) {
    long limit = softLimit();
    return limit < 0 ? Integer.MAX_VALUE
      : (int) Math.min(Integer.MAX_VALUE, Math.max(1, (limit - RESERVED) / Math.max(1, socketsPerStream)));
  }

  /** @return the soft limit on open files of this process, or -1 when unknown */
  public static long softLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String value = line.substring(14).trim().split("\\s+")[0];
          return value.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(value);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
