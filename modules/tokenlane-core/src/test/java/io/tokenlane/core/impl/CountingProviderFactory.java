package io.tokenlane.core.impl;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;
import io.tokenlane.spi.StreamSink;
import io.tokenlane.spi.Usage;
import io.vertx.core.Context;
import io.vertx.core.ThreadingModel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A provider that answers each prompt with {@code tokens} numbered tokens {@code "<tag>:<i>,"}, where the tag is the
 * prompt's text, a few per event-loop turn, pausing while the sink is full. It records where each stream ran, so a
 * test can tell whether a stream crossed threads. The {@code blocking} variant runs on worker threads and blocks a
 * little per token, like a plugin built on a blocking SDK.
 */
public class CountingProviderFactory implements ProviderFactory {

  /** What one stream did, by tag. */
  static final class Record {
    volatile Thread streamThread;
    final CompletableFuture<Thread> cancelledOn = new CompletableFuture<>();
    final CompletableFuture<Void> firstToken = new CompletableFuture<>();
    final AtomicInteger produced = new AtomicInteger();
  }

  static final Map<String, Record> RECORDS = new ConcurrentHashMap<>();

  @Override
  public String id() {
    return "counting";
  }

  @Override
  public String spiVersion() {
    return SpiVersion.CURRENT;
  }

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.of(ConfigField.integer("tokens").defaultValue(100L).min(1));
  }

  @Override
  public ProviderVerticle create(ProviderContext context) {
    int tokens = context.config().getLong("tokens", 100L).intValue();
    return new ProviderVerticle() {
      @Override
      public ProviderStream stream(ChatRequest request, StreamSink sink) {
        String tag = request.messages().getJsonObject(0).getString("content");
        Record record = RECORDS.computeIfAbsent(tag, t -> new Record());
        record.streamThread = Thread.currentThread();
        Counting stream = new Counting(providerContext(), sink, tag, tokens, record, blocking());
        stream.pump();
        return stream;
      }
    };
  }

  boolean blocking() {
    return false;
  }

  /** The same provider on worker threads, blocking a little per token. */
  public static final class Blocking extends CountingProviderFactory {
    @Override
    public String id() {
      return "counting-blocking";
    }

    @Override
    public ThreadingModel threadingModel() {
      return ThreadingModel.WORKER;
    }

    @Override
    boolean blocking() {
      return true;
    }
  }

  private static final class Counting implements ProviderStream {
    private final Context context;
    private final StreamSink sink;
    private final String tag;
    private final int total;
    private final Record record;
    private final boolean blocking;
    private boolean cancelled;
    private int sent;

    Counting(Context context, StreamSink sink, String tag, int total, Record record, boolean blocking) {
      this.context = context;
      this.sink = sink;
      this.tag = tag;
      this.total = total;
      this.record = record;
      this.blocking = blocking;
    }

    void pump() {
      for (int i = 0; i < 8 && sent < total; i++) {
        if (cancelled) {
          return;
        }
        if (sink.writeQueueFull()) {
          sink.drainHandler(v -> pump());
          return;
        }
        if (blocking) {
          // What a blocking SDK does between two tokens.
          LockSupport.parkNanos(100_000);
        }
        sink.text(tag + ":" + sent + ",");
        sent++;
        record.produced.incrementAndGet();
        record.firstToken.complete(null);
      }
      if (cancelled) {
        return;
      }
      if (sent == total) {
        sink.usage(new Usage(1, total));
        sink.end(FinishReason.STOP);
      } else {
        context.runOnContext(v -> pump());
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      record.cancelledOn.complete(Thread.currentThread());
    }
  }
}
