package io.tokenlane.transport.openai;

import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.Usage;
import io.tokenlane.transport.JsonText;
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
 * HTTP status and an OpenAI error body; a keep-alive comment during a long wait commits a 200. Text chunks are
 * written from a precomputed prefix and suffix around the escaped text: no JSON tree per token. Called on the
 * connection's event loop.
 */
final class SseCompletionWriter implements StreamObserver {

  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");
  private static final Buffer KEEP_ALIVE = Buffer.buffer(": keep-alive\n\n");

  private final HttpServerResponse response;
  private final Context context;
  private final KeepAlives keepAlives;
  private final String id;
  private final String model;
  private final long created;
  private final boolean includeUsage;
  private final byte[] textPrefix;
  private final byte[] textSuffix;
  private volatile long lastWriteNanos = System.nanoTime();
  private boolean started;
  private Usage usage;

  SseCompletionWriter(HttpServerResponse response, Context context, KeepAlives keepAlives, String id, String model,
                      long created, boolean includeUsage) {
    this.response = response;
    this.context = context;
    this.keepAlives = keepAlives;
    this.id = id;
    this.model = model;
    this.created = created;
    this.includeUsage = includeUsage;
    StringBuilder prefix = new StringBuilder("data: {\"id\":");
    JsonText.appendQuoted(prefix, id).append(",\"object\":\"chat.completion.chunk\",\"created\":").append(created)
      .append(",\"model\":");
    JsonText.appendQuoted(prefix, model).append(",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":{\"content\":");
    this.textPrefix = prefix.toString().getBytes(StandardCharsets.UTF_8);
    this.textSuffix = ("},\"logprobs\":null,\"finish_reason\":null}]" + (includeUsage ? ",\"usage\":null" : "") + "}\n\n")
      .getBytes(StandardCharsets.UTF_8);
    keepAlives.add(this);
  }

  Context context() {
    return context;
  }

  long lastWriteNanos() {
    return lastWriteNanos;
  }

  @Override
  public void onText(String text) {
    // Encoded once, straight into the buffer that goes to the socket: prefix and suffix are bytes already.
    String quoted = JsonText.appendQuoted(new StringBuilder(text.length() + 8), text).toString();
    Buffer event = Buffer.buffer(textPrefix.length + quoted.length() + textSuffix.length + 16)
      .appendBytes(textPrefix).appendString(quoted).appendBytes(textSuffix);
    write(event);
  }

  @Override
  public void onToolCalls(JsonArray toolCalls) {
    write(chunk(new JsonObject().put("tool_calls", toolCalls), null));
  }

  @Override
  public void onUsage(Usage usage) {
    this.usage = usage;
  }

  @Override
  public void onEnd(StreamEnd end) {
    keepAlives.remove(this);
    if (response.closed() || response.ended()) {
      return;
    }
    switch (end.reason()) {
      case ERROR -> endWithError(end);
      case CANCELLED -> response.reset();
      default -> endNormally(end);
    }
  }

  private void endNormally(StreamEnd end) {
    write(chunk(new JsonObject(), end.finishReason()));
    if (includeUsage && usage != null) {
      JsonObject usageChunk = chunkHeader().put("choices", new JsonArray()).put("usage", usage.toJson());
      write("data: " + usageChunk.encode() + "\n\n");
    }
    response.end(DONE);
  }

  private void endWithError(StreamEnd end) {
    if (!started) {
      OpenAiErrors.send(response, end.error());
      return;
    }
    // Mid-stream: an error event and no [DONE], which OpenAI SDKs raise as an APIError.
    response.end(Buffer.buffer("data: " + OpenAiErrors.body(end.error()).encode() + "\n\n"));
  }

  void keepAlive(long intervalNanos) {
    if (!response.ended() && !response.closed() && System.nanoTime() - lastWriteNanos >= intervalNanos) {
      start();
      lastWriteNanos = System.nanoTime();
      response.write(KEEP_ALIVE);
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

  private void write(String event) {
    write(Buffer.buffer(event));
  }

  private void write(Buffer event) {
    if (response.closed()) {
      return;
    }
    start();
    lastWriteNanos = System.nanoTime();
    response.write(event);
  }

  private void start() {
    if (started) {
      return;
    }
    started = true;
    response.setChunked(true)
      .putHeader("content-type", "text/event-stream; charset=utf-8")
      .putHeader("cache-control", "no-cache, no-transform")
      .putHeader("x-accel-buffering", "no");
    response.write(chunk(new JsonObject().put("role", "assistant").put("content", ""), null));
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
