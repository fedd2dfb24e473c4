package io.tokenlane.bench.fanout;

import io.tokenlane.bench.phase.Quantiles;
import io.tokenlane.bench.target.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.HdrHistogram.Histogram;

/**
 * {@code GET /readyz} as a Kubernetes probe sends it: a new connection each time, {@code Connection: close}, the
 * whole answer read. Runs on a thread of its own, every {@code periodMs}, until stopped; records each probe's time
 * from connect to the answer's last byte. A probe that fails or answers other than 200 is counted apart.
 */
final class ReadyzProbe implements AutoCloseable {

  /** A probe that takes longer is given up and recorded as this long (a kubelet's default timeout is 1 s). */
  static final int TIMEOUT_MS = 10_000;

  private final Endpoint endpoint;
  private final long periodMs;
  private final Histogram micros = new Histogram(60_000_000L, 3);
  private final Thread thread;
  private volatile boolean running = true;
  private int failed;

  private ReadyzProbe(Endpoint endpoint, long periodMs) {
    this.endpoint = endpoint;
    this.periodMs = periodMs;
    this.thread = new Thread(this::loop, "readyz-probe");
    this.thread.setDaemon(true);
  }

  /** Starts probing {@code endpoint} every {@code periodMs}. */
  static ReadyzProbe start(Endpoint endpoint, long periodMs) {
    ReadyzProbe probe = new ReadyzProbe(endpoint, periodMs);
    probe.thread.start();
    return probe;
  }

  /** Probes {@code count} times in a row, {@code periodMs} apart, on this thread. */
  static ReadyzFigures sample(Endpoint endpoint, int count, long periodMs) {
    ReadyzProbe probe = new ReadyzProbe(endpoint, periodMs);
    for (int i = 0; i < count; i++) {
      probe.probeOnce();
      pause(periodMs);
    }
    return probe.figures();
  }

  private void loop() {
    while (running) {
      long started = System.nanoTime();
      probeOnce();
      pause(Math.max(1, periodMs - (System.nanoTime() - started) / 1_000_000));
    }
  }

  private void probeOnce() {
    long start = System.nanoTime();
    boolean ok = get();
    long took = Math.min((System.nanoTime() - start) / 1000, TIMEOUT_MS * 1000L);
    synchronized (this) {
      if (ok) {
        micros.recordValue(took);
      } else {
        failed++;
      }
    }
  }

  private boolean get() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), TIMEOUT_MS);
      socket.setSoTimeout(TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /readyz HTTP/1.1\r\nHost: " + endpoint.host() + "\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] answer = in.readAllBytes();
      return new String(answer, 0, Math.min(answer.length, 16), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
    } catch (IOException e) {
      return false;
    }
  }

  /** @return what was recorded so far */
  synchronized ReadyzFigures figures() {
    return new ReadyzFigures(Quantiles.millis(micros), failed);
  }

  /** Stops the probing thread and waits for it. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(TIMEOUT_MS + 1000L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
