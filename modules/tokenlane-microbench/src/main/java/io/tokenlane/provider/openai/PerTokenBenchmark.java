package io.tokenlane.provider.openai;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vertx.core.internal.buffer.BufferInternal;

import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.StreamEvent;
import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.OpenAiChunk;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.SseParser;
import io.tokenlane.spi.StreamSink;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gateway's own work per token, from the bytes of one upstream read to the bytes written to the client, for
 * each path a token takes. Network and event-loop costs are not here (the benchmark module measures those, side
 * by side with nginx); this is what a change to the parsing, scanning or encoding code moves.
 *
 * <pre>
 * java -jar modules/tokenlane-microbench/target/tokenlane-microbench.jar PerToken
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PerTokenBenchmark {

  /** One token as OpenAI streams it: one event, one chunk, one network read. */
  static final String CHUNK = "{\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\","
    + "\"created\":1733500000,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\","
    + "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},"
    + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}";
  static final Buffer UPSTREAM_READ = Buffer.buffer("data: " + CHUNK + "\n\n");

  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SSE_ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SSE_DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);

  private final byte[] gatewayId = JsonText.quoted("chatcmpl-6f1c2a9be0d44b1f8a3e5c7d9b0a1c2e");
  private final byte[] publicModel = JsonText.quoted("gpt-4o-mini");
  private final byte[] envelopePrefix = StreamEvent.envelopePrefix("st-0123456789abcdef0123456789");
  private final byte[] textPrefix = ("data: {\"id\":\"chatcmpl-6f1c2a9be0d44b1f8a3e5c7d9b0a1c2e\",\"object\":"
    + "\"chat.completion.chunk\",\"created\":1733500000,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":null,"
    + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"").getBytes(StandardCharsets.UTF_8);
  private final byte[] textSuffix = "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n".getBytes(StandardCharsets.UTF_8);
  private final ByteBuf scratch = Unpooled.buffer(512);
  private final Buffer scratchView = BufferInternal.buffer(scratch);
  private LastChunk sink;
  private SseParser parser;
  private long seq;

  /** Keeps the chunk the decoder hands over, as the gateway's sink would before writing it. */
  static final class LastChunk implements StreamSink {
    OpenAiChunk chunk;

    @Override
    public void chunk(OpenAiChunk received) {
      chunk = received;
    }

    @Override
    public void text(String delta) {
      throw new IllegalStateException("chunks are handed over whole");
    }

    @Override
    public void toolCalls(io.vertx.core.json.JsonArray toolCalls) {
      throw new IllegalStateException("chunks are handed over whole");
    }

    @Override
    public void usage(io.tokenlane.spi.Usage usage) {
      throw new IllegalStateException("chunks are handed over whole");
    }

    @Override
    public void end(FinishReason reason) {
    }

    @Override
    public void fail(ProviderError error) {
      throw new IllegalStateException(error.message());
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
    }
  }

  @Setup
  public void setUp() {
    sink = new LastChunk();
    ChunkDecoder decoder = new ChunkDecoder(sink, () -> false, text -> text);
    parser = new SseParser(new SseParser.Listener() {
      @Override
      public void onEvent(String type, byte[] data, int from, int to) {
        Outcome outcome = decoder.event(type, data, from, to);
        if (outcome != null) {
          throw new IllegalStateException("the stream ended");
        }
      }
    });
  }

  private OpenAiChunk read() {
    parser.feedOwned(UPSTREAM_READ);
    return sink.chunk;
  }

  /** OpenAI upstream to an OpenAI client: parse the event, scan the chunk, write it with id and model rewritten. */
  @Benchmark
  public Buffer openAiPassThrough() {
    OpenAiChunk chunk = read();
    Buffer out = Buffer.buffer(chunk.rewrittenLengthHint(gatewayId.length, publicModel.length) + 8).appendBytes(DATA);
    return chunk.appendRewritten(out, gatewayId, publicModel).appendBytes(EVENT_END);
  }

  /**
   * {@link #openAiPassThrough()} appended piece by piece into pooled direct memory, as into a chunk that
   * {@code ChunkedBody.buffer} lends: Netty's pooled direct buffers copy each piece through a NIO view.
   */
  @Benchmark
  public int openAiPassThroughIntoPooledDirect() {
    OpenAiChunk chunk = read();
    ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(chunk.rewrittenLengthHint(gatewayId.length,
      publicModel.length) + 8);
    Buffer out = BufferInternal.buffer(direct).appendBytes(DATA);
    int length = chunk.appendRewritten(out, gatewayId, publicModel).appendBytes(EVENT_END).length();
    direct.release();
    return length;
  }

  /** The same, assembled in a reused heap buffer first and copied into the pooled direct memory at once. */
  @Benchmark
  public int openAiPassThroughViaHeapScratch() {
    OpenAiChunk chunk = read();
    scratch.clear();
    chunk.appendRewritten(scratchView.appendBytes(DATA), gatewayId, publicModel).appendBytes(EVENT_END);
    ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(scratch.readableBytes());
    Buffer out = BufferInternal.buffer(direct).appendBuffer(scratchView);
    int length = out.length();
    direct.release();
    return length;
  }

  /** OpenAI upstream to a native client: the escaped text becomes one event, encoded once, framed for SSE. */
  @Benchmark
  public Buffer nativeEventOverSse() {
    OpenAiChunk chunk = read();
    StreamEvent event = StreamEvent.token(envelopePrefix, ++seq, chunk.appendTextJson(Buffer.buffer(16)));
    byte[] json = event.encoded();
    return Buffer.buffer(json.length + 32).appendBytes(SSE_ID).appendString(Long.toString(event.seq()))
      .appendBytes(SSE_DATA).appendBytes(json).appendBytes(EVENT_END);
  }

  /** A provider that reports text as Strings (the mock, future non-OpenAI plugins) to an OpenAI client. */
  @Benchmark
  public Buffer textToOpenAiChunk() {
    Buffer text = JsonText.escape(" token");
    return Buffer.buffer(textPrefix.length + text.length() + textSuffix.length)
      .appendBytes(textPrefix).appendBuffer(text).appendBytes(textSuffix);
  }
}
