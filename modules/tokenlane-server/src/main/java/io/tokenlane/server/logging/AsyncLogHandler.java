package io.tokenlane.server.logging;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import io.netty.util.internal.PlatformDependent;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * A log handler that never blocks its caller: records are formatted on the calling thread (cheap, and the record's
 * thread name stays right), queued (bounded), and written to the stream by one daemon thread. An event loop that logs
 * an access line per request never waits for a slow terminal or a full pipe to a log collector; when the queue is
 * full, records are dropped and counted, and the count is written as soon as there is room.
 *
 * <p>The queue is lock-free and the writer is not woken per record: it wakes every {@link #FLUSH_INTERVAL_MS} ms
 * (sooner once the queue is a quarter full) and writes what came through one 64 KB buffer, as nginx's
 * {@code access_log ... flush=} does. A lock and a wake-up per record cost the event loops a futex call per access
 * line and kept the writer thread waking hundreds of times a second for a line each.
 */
public final class AsyncLogHandler extends Handler {

  /** Records queued at most before new ones are dropped. */
  static final int CAPACITY = 16_384;
  /** How long a line waits at most before it is written. */
  static final long FLUSH_INTERVAL_MS = 50;

  private final Queue<String> queue = PlatformDependent.newFixedMpscQueue(CAPACITY);
  /** Notified by the writer after each round it wrote: what {@link #flush()} waits on. */
  private final Object written = new Object();
  /** The writer is parked between rounds: a burst may wake it. */
  private volatile boolean sleeping;
  private final AtomicLong dropped = new AtomicLong();
  private final Writer out;
  private final Thread writer;
  private volatile boolean closed;

  /**
   * @param stream where lines go ({@code System.err} for the standalone server)
   * @param formatter how records become lines
   */
  public AsyncLogHandler(OutputStream stream, Formatter formatter) {
    setFormatter(formatter);
    this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 64 * 1024);
    this.writer = new Thread(this::drain, "tokenlane-log-writer");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void publish(LogRecord record) {
    if (closed || !isLoggable(record)) {
      return;
    }
    String line;
    try {
      line = getFormatter().format(record);
    } catch (RuntimeException e) {
      reportError("cannot format a log record", e, ErrorManager.FORMAT_FAILURE);
      return;
    }
    if (!queue.offer(line)) {
      dropped.incrementAndGet();
    } else if (sleeping && queue.size() >= CAPACITY / 4) {
      // A burst: the writer starts now rather than at its next round, so that it keeps ahead of the bound.
      sleeping = false;
      LockSupport.unpark(writer);
    }
  }

  /** @return how many records were dropped because the queue was full */
  public long dropped() {
    return dropped.get();
  }

  private void drain() {
    try {
      boolean interrupted = false;
      while (!interrupted && (!closed || !queue.isEmpty())) {
        String line = queue.poll();
        if (line == null) {
          sleeping = true;
          LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(FLUSH_INTERVAL_MS));
          sleeping = false;
          // Interrupted, the thread ends (parking again would return at once, a spin).
          interrupted = Thread.currentThread().isInterrupted();
          continue;
        }
        out.write(line);
        for (String more = queue.poll(); more != null; more = queue.poll()) {
          out.write(more);
        }
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
          out.write("log: " + lost + " records dropped (the log output was too slow)" + System.lineSeparator());
        }
        out.flush();
        synchronized (written) {
          written.notifyAll();
        }
      }
    } catch (IOException e) {
      reportError("cannot write the log", e, ErrorManager.WRITE_FAILURE);
    } finally {
      synchronized (written) {
        written.notifyAll();
      }
    }
  }

  /** Wakes the writer and waits (2 s at most) until it has taken everything queued. */
  @Override
  public void flush() {
    LockSupport.unpark(writer);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    synchronized (written) {
      while (!queue.isEmpty() && writer.isAlive()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          written.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    flush();
    closed = true;
    LockSupport.unpark(writer);
    try {
      writer.join(2_000);
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      reportError("cannot flush the log", e, ErrorManager.CLOSE_FAILURE);
    }
  }
}
