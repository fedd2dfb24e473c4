package io.tokenlane.transport.openai;

import io.tokenlane.core.stream.JsonText;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.OpenAiChunk;
import io.tokenlane.spi.Usage;
import io.tokenlane.transport.http.ChunkedBody;
import io.tokenlane.transport.http.KeepAlives;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Writes a stream as OpenAI's {@code chat.completion.chunk} server-sent events.
 *
 * <p>The status line waits for the first event, so that a failure before the first token still gets its real
 * HTTP status and an OpenAI error body; a keep-alive comment during a long wait commits a 200. Chunks of an
 * OpenAI-compatible upstream are forwarded as they came with only their {@code id} and {@code model} rewritten
 * (the usage chunk only when the client asked for usage); text from other providers is written from a
 * precomputed prefix and suffix around the already escaped text. No JSON tree per token either way, and one write
 * per batch: events accumulate until {@link #flush()}. Called on the connection's event loop.
 */
final class SseCompletionWriter implements StreamObserver, KeepAlives.Member {

  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");
  private static final Buffer KEEP_ALIVE = Buffer.buffer(": keep-alive\n\n");
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONTENT = "\"content\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] REASONING = "\"reasoning_content\":\"".getBytes(StandardCharsets.US_ASCII);

  private final HttpServerResponse response;
  private final ChunkedBody body;
  private final Context context;
  private final KeepAlives keepAlives;
  private final String id;
  private final String model;
  private final long created;
  private final boolean includeUsage;
  private final byte[] idJson;
  private final byte[] modelJson;
  private final byte[] textPrefix;
  /** Made at the first reasoning delta: most streams have none, and an open stream's every byte counts. */
  private byte[] reasoningPrefix;
  private final byte[] textSuffix;
  private volatile long lastWriteNanos = System.nanoTime();
  private Buffer pending;
  private boolean started;
  private boolean roleSent;
  private boolean finishSent;
  private boolean usageSent;
  private Usage usage;
  private OpenAiChunk usageChunk;

  SseCompletionWriter(ChunkedBody body, HttpServerResponse response, Context context, KeepAlives keepAlives, String id,
                      String model, long created, boolean includeUsage) {
    this.body = body;
    this.response = response;
    this.context = context;
    this.keepAlives = keepAlives;
    this.id = id;
    this.model = model;
    this.created = created;
    this.includeUsage = includeUsage;
    this.idJson = JsonText.quoted(id);
    this.modelJson = JsonText.quoted(model);
    Buffer head = Buffer.buffer(128).appendString("data: {\"id\":").appendBytes(idJson)
      .appendString(",\"object\":\"chat.completion.chunk\",\"created\":").appendString(Long.toString(created))
      .appendString(",\"model\":").appendBytes(modelJson)
      .appendString(",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":{");
    this.textPrefix = head.appendBytes(CONTENT).getBytes();
    this.textSuffix = ("\"},\"logprobs\":null,\"finish_reason\":null}]" + (includeUsage ? ",\"usage\":null" : "") + "}\n\n")
      .getBytes(StandardCharsets.UTF_8);
    keepAlives.add(this);
  }

  @Override
  public Context context() {
    return context;
  }

  @Override
  public long lastWriteNanos() {
    return lastWriteNanos;
  }

  @Override
  public boolean acceptsOpenAiChunks() {
    return true;
  }

  @Override
  public void onChunk(OpenAiChunk chunk) {
    if (chunk.hasUsage()) {
      usageChunk = chunk;
    }
    if (chunk.isUsageOnly() && !includeUsage) {
      // The gateway asked the upstream for usage; this client did not.
      return;
    }
    usageSent |= includeUsage && chunk.hasUsage();
    if (chunk.finishReason() != null) {
      finishSent = true;
    }
    roleSent = true;
    Buffer out = pending(chunk.rewrittenLengthHint(idJson.length, modelJson.length) + 8);
    chunk.appendRewritten(out.appendBytes(DATA), idJson, modelJson).appendBytes(EVENT_END);
  }

  @Override
  public void onText(Buffer text) {
    ensureRole();
    pending(textPrefix.length + text.length() + textSuffix.length)
      .appendBytes(textPrefix).appendBuffer(text).appendBytes(textSuffix);
  }

  @Override
  public void onReasoning(Buffer text) {
    ensureRole();
    // As DeepSeek and vLLM send it: the field OpenAI-compatible clients read reasoning from.
    if (reasoningPrefix == null) {
      // The text prefix with its field name swapped.
      reasoningPrefix = Buffer.buffer(textPrefix.length + REASONING.length)
        .appendBytes(textPrefix, 0, textPrefix.length - CONTENT.length).appendBytes(REASONING).getBytes();
    }
    pending(reasoningPrefix.length + text.length() + textSuffix.length)
      .appendBytes(reasoningPrefix).appendBuffer(text).appendBytes(textSuffix);
  }

  @Override
  public void onToolCalls(JsonArray toolCalls) {
    ensureRole();
    pending(256).appendString(chunk(new JsonObject().put("tool_calls", toolCalls), null));
  }

  @Override
  public void onUsage(Usage usage) {
    this.usage = usage;
  }

  @Override
  public void flush() {
    Buffer batch = pending;
    if (batch != null) {
      pending = null;
      write(batch);
    }
  }

  @Override
  public void onEnd(StreamEnd end) {
    keepAlives.remove(this);
    if (response.closed() || response.ended()) {
      dropPending();
      return;
    }
    switch (end.reason()) {
      case ERROR -> endWithError(end);
      case CANCELLED -> {
        dropPending();
        response.reset();
      }
      default -> endNormally(end);
    }
  }

  private void endNormally(StreamEnd end) {
    if (!finishSent) {
      ensureRole();
      pending(256).appendString(chunk(new JsonObject(), end.finishReason()));
    }
    appendUsage();
    Buffer last = pending(DONE.length()).appendBuffer(DONE);
    pending = null;
    start();
    body.end(last);
  }

  private void endWithError(StreamEnd end) {
    if (!started && pending == null) {
      OpenAiErrors.send(response, end.error());
      return;
    }
    // Mid-stream: the usage so far (when asked for), an error event and no [DONE], which OpenAI SDKs raise as an
    // APIError.
    appendUsage();
    Buffer last = pending(256).appendString("data: " + OpenAiErrors.body(end.error()).encode() + "\n\n");
    pending = null;
    start();
    body.end(last);
  }

  /** The usage chunk, when the client asked for usage and the upstream's own did not go out already. */
  private void appendUsage() {
    Usage counts = !includeUsage || usageSent ? null : usageChunk != null ? usageChunk.usage() : usage;
    if (counts != null) {
      JsonObject usageJson = chunkHeader().put("choices", new JsonArray()).put("usage", counts.toJson());
      pending(256).appendString("data: " + usageJson.encode() + "\n\n");
    }
  }

  @Override
  public void keepAlive(long intervalNanos) {
    if (!response.ended() && !response.closed() && System.nanoTime() - lastWriteNanos >= intervalNanos) {
      start();
      lastWriteNanos = System.nanoTime();
      body.write(KEEP_ALIVE);
    }
  }

  @Override
  public boolean writeQueueFull() {
    return response.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    response.drainHandler(handler);
  }

  /** The batch being built: once the head is out, pooled memory the body writes framed where it is. */
  private Buffer pending(int sizeHint) {
    if (pending == null) {
      pending = body.buffer(Math.max(sizeHint, 64));
    }
    return pending;
  }

  /** The batch will not be written (the client went away, or the stream was reset): its memory goes back. */
  private void dropPending() {
    Buffer dropped = pending;
    if (dropped != null) {
      pending = null;
      body.release(dropped);
    }
  }

  /** Before the first event the gateway writes itself: the role chunk, as OpenAI's first chunk. */
  private void ensureRole() {
    if (!roleSent) {
      roleSent = true;
      pending(256).appendString(chunk(new JsonObject().put("role", "assistant").put("content", ""), null));
    }
  }

  private void write(Buffer batch) {
    if (body.releaseIfClosed(batch)) {
      return;
    }
    start();
    lastWriteNanos = System.nanoTime();
    body.write(batch);
  }

  private void start() {
    if (started) {
      return;
    }
    started = true;
    body.eventStreamHead();
  }

  private JsonObject chunkHeader() {
    return new JsonObject()
      .put("id", id)
      .put("object", "chat.completion.chunk")
      .put("created", created)
      .put("model", model)
      .put("system_fingerprint", null);
  }

  private String chunk(JsonObject delta, String finishReason) {
    JsonObject choice = new JsonObject()
      .put("index", 0)
      .put("delta", delta)
      .put("logprobs", null)
      .put("finish_reason", finishReason);
    JsonObject chunk = chunkHeader().put("choices", new JsonArray().add(choice));
    if (includeUsage) {
      chunk.put("usage", null);
    }
    return "data: " + chunk.encode() + "\n\n";
  }
}
