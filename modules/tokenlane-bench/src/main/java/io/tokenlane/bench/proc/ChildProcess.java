package io.tokenlane.bench.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process the bench started (fake upstream, gateway, nginx, Portkey), its output in a log file. Stopped by its
 * own handle, never by name; a JVM shutdown hook stops whatever is still running when the bench is interrupted.
 */
public final class ChildProcess implements AutoCloseable {

  private static final Set<ChildProcess> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(RUNNING).forEach(ChildProcess::close),
      "bench-children-stop"));
  }

  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts a process with stdout and stderr in {@code log}.
   *
   * @param name for messages
   * @param command the command line
   * @param dir working directory
   * @param log output file
   * @param env extra environment
   * @return the running process
   * @throws IOException when it cannot be started
   */
  public static ChildProcess start(String name, List<String> command, Path dir, Path log, Map<String, String> env)
    throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
      .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    ChildProcess child = new ChildProcess(name, builder.start(), log);
    RUNNING.add(child);
    return child;
  }

  /** @return the process id */
  public long pid() {
    return process.pid();
  }

  /** @return the process and its descendants (nginx workers) */
  public List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    pids.add(process.pid());
    process.descendants().forEach(handle -> pids.add(handle.pid()));
    return pids;
  }

  /** @return whether it still runs */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits for a line matching {@code pattern} in the output.
   *
   * @return the match
   * @throws IOException when the process exits first or the time runs out; the message quotes the log's end
   */
  public Matcher awaitLine(Pattern pattern, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        Matcher matcher = pattern.matcher(line);
        if (matcher.find()) {
          return matcher;
        }
      }
      if (!process.isAlive()) {
        throw new IOException(name + " exited with " + process.exitValue() + ": " + tail());
      }
      sleep(50);
    }
    throw new IOException(name + " not ready within " + timeout.toSeconds() + " s: " + tail());
  }

  /**
   * Waits until {@code ready} is true, checking every 50 ms.
   *
   * @throws IOException when the process exits first or the time runs out
   */
  public void await(BooleanSupplier ready, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (ready.getAsBoolean()) {
        return;
      }
      if (!process.isAlive()) {
        throw new IOException(name + " exited with " + process.exitValue() + ": " + tail());
      }
      sleep(50);
    }
    throw new IOException(name + " not ready within " + timeout.toSeconds() + " s: " + tail());
  }

  /** @return the last lines of the output, for error messages */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  /**
   * SIGKILL at once, as {@code kill -9} does (a member dying, not leaving): no shutdown hook of the process runs.
   *
   * @return the {@link System#nanoTime()} taken just before the signal
   */
  public long kill() {
    long now = System.nanoTime();
    process.destroyForcibly();
    return now;
  }

  /** SIGTERM, then SIGKILL after 5 s; this process and its descendants only. */
  @Override
  public void close() {
    RUNNING.remove(this);
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return name + "[pid " + process.pid() + "]";
  }
}
