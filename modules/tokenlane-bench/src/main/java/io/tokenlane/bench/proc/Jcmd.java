package io.tokenlane.bench.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code jcmd} against a JVM the bench started (heap histograms, JFR recordings). */
public final class Jcmd {

  private Jcmd() {
  }

  /**
   * Runs {@code jcmd PID args...}.
   *
   * @return its output
   * @throws IOException when it fails or takes over a minute
   */
  public static String run(long pid, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    command.add(Long.toString(pid));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IOException("jcmd " + String.join(" ", args) + " failed: " + new String(output, StandardCharsets.UTF_8));
      }
      return new String(output, StandardCharsets.UTF_8);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * A full GC then the live objects by class ({@code GC.class_histogram}).
   *
   * @return the histogram
   */
  public static HeapHistogram liveHeap(long pid) throws IOException {
    return HeapHistogram.parse(run(pid, "GC.class_histogram"));
  }

  /** Starts a JFR recording named {@code bench} with the {@code profile} settings. */
  public static void startProfile(long pid) throws IOException {
    run(pid, "JFR.start", "name=bench", "settings=profile");
  }

  /** Stops the {@code bench} recording and writes it to {@code file}. */
  public static void stopProfile(long pid, Path file) throws IOException {
    run(pid, "JFR.stop", "name=bench", "filename=" + file.toAbsolutePath());
  }
}
