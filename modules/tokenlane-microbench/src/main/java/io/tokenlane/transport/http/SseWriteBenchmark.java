package io.tokenlane.transport.http;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.Router;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One server-sent event made and written to a client on loopback, socket write included, as the gateway writes a
 * token's batch: its bytes appended to a new heap buffer written through Vert.x's {@code response.write}
 * ({@code vertx}) or framed by {@link ChunkedBody} ({@code framed}, copied into the framed chunk), or appended to a
 * buffer the body lends, framed where it is ({@code lent}, as {@code SseCompletionWriter} writes).
 * The server is in strict thread mode, as the gateway runs it; the client reads and discards on another event loop.
 * Writes go in runs of {@link #RUN} on the server's event loop, each its own write and flush, as a token is.
 *
 * <pre>
 * java -jar modules/tokenlane-microbench/target/tokenlane-microbench.jar SseWrite
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class SseWriteBenchmark {

  /** Writes per invocation: the hand-off to the event loop and back is spread over them. */
  static final int RUN = 64;

  /** A pass-through OpenAI chunk as the gateway writes it: one token's event. */
  static final String EVENT = "data: {\"id\":\"chatcmpl-6f1c2a9be0d44b1f8a3e5c7d9b0a1c2e\",\"object\":"
    + "\"chat.completion.chunk\",\"created\":1733500000,\"model\":\"gpt-4o-mini\",\"service_tier\":\"default\","
    + "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},"
    + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n";

  @Param({"vertx", "framed", "lent"})
  public String writer;

  private final byte[] event = EVENT.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  private final AtomicLong received = new AtomicLong();
  private volatile long awaited = Long.MAX_VALUE;
  private final CompletableFuture<Void> reached = new CompletableFuture<>();
  private Vertx vertx;
  private Context context;
  private HttpServerResponse response;
  private ChunkedBody body;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setPreferNativeTransport(true));
    Promise<Void> opened = Promise.promise();
    Router router = Router.router(vertx);
    router.get("/").handler(ctx -> {
      context = vertx.getOrCreateContext();
      response = ctx.response();
      response.setChunked(true).putHeader("content-type", "text/event-stream").write(": open\n\n");
      body = ChunkedBody.of(ctx.request());
      opened.complete();
    });
    int port = vertx.createHttpServer(new HttpServerOptions().setStrictThreadMode(true)).requestHandler(router)
      .listen(0, "127.0.0.1").await().actualPort();
    NetSocket socket = vertx.createNetClient().connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    socket.handler(bytes -> {
      if (received.addAndGet(bytes.length()) >= awaited) {
        reached.complete(null);
      }
    });
    socket.write("GET / HTTP/1.1\r\nhost: localhost\r\n\r\n");
    opened.future().await(10, TimeUnit.SECONDS);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** @return what the client read so far */
  long receivedBytes() {
    return received.get();
  }

  /**
   * For tests: completes once the client has read {@code bytes} in all (the head included).
   *
   * @param bytes the count to reach
   * @return completed when it is reached
   */
  CompletableFuture<Void> whenReceived(long bytes) {
    awaited = bytes;
    if (received.get() >= bytes) {
      reached.complete(null);
    }
    return reached;
  }

  @Benchmark
  @OperationsPerInvocation(RUN)
  public void writeEvent() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    int how = "vertx".equals(writer) ? 0 : "framed".equals(writer) ? 1 : 2;
    context.runOnContext(v -> {
      for (int i = 0; i < RUN; i++) {
        switch (how) {
          case 0 -> response.write(Buffer.buffer(event.length).appendBytes(event));
          case 1 -> body.write(Buffer.buffer(event.length).appendBytes(event));
          default -> body.write(body.buffer(event.length).appendBytes(event));
        }
      }
      if (response.writeQueueFull()) {
        // The client is behind: the next run waits for it, so that nothing piles up.
        response.drainHandler(d -> done.complete(null));
      } else {
        done.complete(null);
      }
    });
    done.join();
  }
}
