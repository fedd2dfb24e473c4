package io.tokenlane.core.auth;

import io.tokenlane.core.GatewayException;
import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.session.SessionTokens;
import io.tokenlane.core.stream.StreamEnd;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.spi.OpenAiChunk;
import io.tokenlane.spi.Usage;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Admits requests against their principal's model list and limits: requests per minute, tokens per minute and the
 * token budget (in the {@link QuotaStore}), and concurrent streams (slots in the {@link StreamDirectory}, so that a
 * member that dies frees its slots). The prompt's tokens are estimated up front and the stream is settled with the
 * upstream's usage when it ends, cancelled and failed streams included.
 *
 * <p>Thread-safe. A principal without limits costs one model check: no shared state is touched.
 */
public final class Admissions {

  /** A rough tokens-per-byte ratio for English text and code, used only where the upstream reports no usage. */
  static final int BYTES_PER_TOKEN = 4;
  /** What every message costs besides its text (role, separators), as OpenAI counts it. */
  static final int TOKENS_PER_MESSAGE = 4;

  private final QuotaStore quotas;
  private final StreamDirectory directory;

  /**
   * @param quotas where request and token counts live
   * @param directory where concurrent-stream slots live
   */
  public Admissions(QuotaStore quotas, StreamDirectory directory) {
    this.quotas = quotas;
    this.directory = directory;
  }

  /** @return admissions without limits, for a gateway without authentication */
  public static Admissions unlimited() {
    return new Admissions(QuotaStore.local(), StreamDirectory.local());
  }

  /**
   * Admits a request, or refuses it.
   *
   * @param principal who asks
   * @param body a validated chat-completions body
   * @return the ticket to open the stream with, or a failed future with a {@link GatewayException}: 403
   *     {@code model_not_allowed}, 429 {@code rate_limit_exceeded}, {@code tokens_per_minute_exceeded},
   *     {@code insufficient_quota} or {@code too_many_concurrent_streams}, with the time to retry after
   */
  public Future<Ticket> admit(Principal principal, JsonObject body) {
    String model = body.getValue("model") instanceof String name ? name : "";
    if (!principal.allows(model)) {
      return Future.failedFuture(new GatewayException(403, "permission_error", "model_not_allowed", "model",
        "this API key may not use the model '" + io.tokenlane.core.ClientValues.bounded(model) + "'"));
    }
    Limits limits = principal.limits();
    if (!limits.any()) {
      return Future.succeededFuture(Ticket.NONE);
    }
    long estimate = estimatePromptTokens(body);
    Future<QuotaState.Verdict> counted = limits.metered()
      ? quotas.admit(principal.id(), limits, estimate) : Future.succeededFuture();
    return counted.compose(verdict -> {
      if (verdict != null) {
        return Future.failedFuture(GatewayException.rateLimited(verdict.code(), verdict.message(),
          verdict.retryAfterMs()));
      }
      Metered ticket = new Metered(principal, estimate);
      if (limits.concurrentStreams() <= 0) {
        return Future.succeededFuture(ticket);
      }
      return directory.reserve(ticket.slotKey(), ticket.slotId, limits.concurrentStreams()).compose(reserved -> {
        if (reserved) {
          ticket.slotTaken = true;
          return Future.succeededFuture(ticket);
        }
        ticket.abandon();
        return Future.failedFuture(GatewayException.rateLimited("too_many_concurrent_streams",
          "this API key already runs " + limits.concurrentStreams() + " streams at once", 1000));
      });
    });
  }

  /**
   * Admits again, on this member, a prompt admitted on another one that was lost mid-stream: the re-issued
   * generation counts against the same principal, with the limits it had (its model was allowed then).
   *
   * @param described what {@link Ticket#describe()} gave on the first member, or {@code null}
   * @param body the prompt
   * @return the ticket, or a failed future as {@link #admit}
   */
  public Future<Ticket> readmit(JsonObject described, JsonObject body) {
    if (described == null || !(described.getValue("principal") instanceof String id)
        || !(described.getValue("limits") instanceof JsonObject json)) {
      return Future.succeededFuture(Ticket.NONE);
    }
    List<String> problems = new ArrayList<>();
    Limits limits = Limits.fromJson(json, Limits.NONE, "limits", problems);
    if (!problems.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("unreadable limits of a re-issued prompt: " + problems));
    }
    return admit(new Principal(id, null, Set.of(), limits, 0), body);
  }

  /**
   * Estimates a prompt's tokens from its text: four bytes a token, plus a few per message.
   *
   * @param body a chat-completions body
   * @return the estimate, at least 1
   */
  public static long estimatePromptTokens(JsonObject body) {
    long bytes = 0;
    long messages = 0;
    if (body.getValue("messages") instanceof JsonArray list) {
      for (Object message : list) {
        messages++;
        if (message instanceof JsonObject object) {
          Object content = object.getValue("content");
          if (content instanceof String text) {
            bytes += text.length();
          } else if (content instanceof JsonArray parts) {
            for (Object part : parts) {
              if (part instanceof JsonObject p && p.getValue("text") instanceof String text) {
                bytes += text.length();
              }
            }
          }
        }
      }
    }
    return Math.max(1, (bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN + messages * TOKENS_PER_MESSAGE);
  }

  /** A ticket with something to settle. */
  private final class Metered implements Ticket {
    private final Principal principal;
    private final long estimate;
    private final String slotId = SessionTokens.randomId("t-");
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile boolean slotTaken;

    Metered(Principal principal, long estimate) {
      this.principal = principal;
      this.estimate = estimate;
    }

    String slotKey() {
      return "principal\n" + principal.id();
    }

    @Override
    public StreamObserver meter(StreamObserver observer) {
      return new MeteredObserver(observer, this);
    }

    @Override
    public void abandon() {
      settle(0);
    }

    @Override
    public JsonObject describe() {
      return new JsonObject().put("principal", principal.id()).put("limits", principal.limits().toJson());
    }

    /** @param used tokens the stream used; 0 refunds the estimate */
    void settle(long used) {
      if (!settled.compareAndSet(false, true)) {
        return;
      }
      if (slotTaken) {
        directory.release(slotKey(), slotId);
      }
      if (principal.limits().metered() && used != estimate) {
        quotas.settle(principal.id(), principal.limits(), used - estimate);
      }
    }
  }

  /** Forwards everything, counting what the stream used, and settles its ticket at the end. */
  private final class MeteredObserver implements StreamObserver {
    private final StreamObserver next;
    private final Metered ticket;
    private Usage usage;
    private long textBytes;
    private long textChunks;

    MeteredObserver(StreamObserver next, Metered ticket) {
      this.next = next;
      this.ticket = ticket;
    }

    @Override
    public void onText(Buffer text) {
      textBytes += text.length();
      next.onText(text);
    }

    @Override
    public void onReasoning(Buffer text) {
      textBytes += text.length();
      next.onReasoning(text);
    }

    @Override
    public boolean acceptsOpenAiChunks() {
      return next.acceptsOpenAiChunks();
    }

    @Override
    public void onChunk(OpenAiChunk chunk) {
      if (chunk.hasUsage()) {
        usage = chunk.usage();
      } else if (chunk.hasText() || chunk.hasReasoning()) {
        // OpenAI-compatible servers send about one token per chunk.
        textChunks++;
      }
      next.onChunk(chunk);
    }

    @Override
    public void onToolCalls(JsonArray toolCalls) {
      textBytes += toolCalls.toString().length();
      next.onToolCalls(toolCalls);
    }

    @Override
    public void onUsage(Usage reported) {
      if (!reported.estimated()) {
        // The gateway's own estimate counts deltas only; this one also counts their bytes.
        usage = reported;
      }
      next.onUsage(reported);
    }

    @Override
    public void onEnd(StreamEnd end) {
      try {
        next.onEnd(end);
      } finally {
        ticket.settle(usage != null ? usage.totalTokens()
          : ticket.estimate + textChunks + (textBytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN);
      }
    }

    @Override
    public void flush() {
      next.flush();
    }

    @Override
    public boolean writeQueueFull() {
      return next.writeQueueFull();
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
      next.drainHandler(handler);
    }
  }
}
