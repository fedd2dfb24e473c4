package io.tokenlane.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.tokenlane.core.stream.StreamEnd;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Every meter of the gateway: names, labels and buckets are declared here and only here, and listed in
 * docs/operations.md ("Metrics"). Label values are bounded: transports are the four below, models and providers
 * are the configured ones, reasons are {@link StreamEnd.Reason}'s. No stream, session or request id is a label.
 *
 * <p>The hot path never looks a meter up: a stream gets its model's {@link ModelMeters} once, when it opens, and
 * then only increments counters and records timers.
 */
public final class Meters {

  /** Open client connections, label {@value #TRANSPORT}. Gauge. */
  public static final String CONNECTIONS = "tokenlane.connections.open";
  /** Streams running on this member. Gauge. */
  public static final String STREAMS_ACTIVE = "tokenlane.streams.active";
  /** Streams opened, label {@value #MODEL}. Counter. */
  public static final String STREAMS_STARTED = "tokenlane.streams.started";
  /** Streams ended, labels {@value #MODEL} and {@value #REASON}. Counter. */
  public static final String STREAMS_ENDED = "tokenlane.streams.ended";
  /** Streams cancelled by their client (a cancel request or a disconnect), label {@value #MODEL}. Counter. */
  public static final String STREAMS_CANCELLED = "tokenlane.streams.cancels";
  /** Completion tokens delivered: the upstream's usage when reported, else the deltas counted. Counter. */
  public static final String TOKENS = "tokenlane.tokens.delivered";
  /** From opening a stream to its first token reaching the client's connection, label {@value #MODEL}. */
  public static final String TIME_TO_FIRST_TOKEN = "tokenlane.time.to.first.token";
  /** Between two deliveries of text to a client (tokens of one upstream read count once), label {@value #MODEL}. */
  public static final String INTER_TOKEN_GAP = "tokenlane.inter.token.gap";
  /** Requests sent upstream, labels {@value #PROVIDER} and {@value #MODEL}. Counter. */
  public static final String UPSTREAM_REQUESTS = "tokenlane.upstream.requests";
  /** Upstream requests that failed (the stream ended with an error), labels as above. Counter. */
  public static final String UPSTREAM_ERRORS = "tokenlane.upstream.errors";
  /** Upstream request duration, from the request to its stream's end, labels as above. Timer (histogram). */
  public static final String UPSTREAM_DURATION = "tokenlane.upstream.duration";
  /** Native streams resumed by a client after a reconnect (events replayed from the buffer). Counter. */
  public static final String RESUMES = "tokenlane.streams.resumes";
  /** Resumes refused because the events asked for had left the replay buffer: the client restarts. Counter. */
  public static final String RESETS = "tokenlane.streams.resets";
  /** Events held in the replay buffers of the native streams on this member. Gauge. */
  public static final String REPLAY_EVENTS = "tokenlane.replay.events";
  /** Native streams running with no client attached. Gauge. */
  public static final String DETACHED = "tokenlane.streams.detached";
  /** Members of the cluster as this member sees it (1 when not clustered). Gauge. */
  public static final String CLUSTER_MEMBERS = "tokenlane.cluster.members";
  /** How late an event loop ran a task that was due ({@link EventLoopDelay}). Timer (histogram). */
  public static final String EVENT_LOOP_DELAY = "tokenlane.event.loop.delay";

  /** Label: {@code websocket}, {@code sse}, {@code long-polling}, {@code openai-sse}, {@code responses-sse} or {@code messages-sse}. */
  public static final String TRANSPORT = "transport";
  /** Label: a configured model's name. */
  public static final String MODEL = "model";
  /** Label: a configured provider's name. */
  public static final String PROVIDER = "provider";
  /** Label: a {@link StreamEnd.Reason}'s wire name. */
  public static final String REASON = "reason";

  /** The transports, the values of {@value #TRANSPORT}. */
  public static final String WEBSOCKET = "websocket";
  public static final String SSE = "sse";
  public static final String LONG_POLLING = "long-polling";
  public static final String OPENAI_SSE = "openai-sse";
  /** Streamed OpenAI Responses API answers. */
  public static final String RESPONSES_SSE = "responses-sse";
  /** Streamed Anthropic Messages API answers. */
  public static final String MESSAGES_SSE = "messages-sse";

  private static final Duration[] TTFT_BUCKETS = seconds(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
  private static final Duration[] GAP_BUCKETS = seconds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5);
  private static final Duration[] UPSTREAM_BUCKETS = seconds(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300);

  private final MeterRegistry registry;
  private final List<Meter> registered = new CopyOnWriteArrayList<>();
  private final Counter resumes;
  private final Counter resets;

  /**
   * @param registry where the meters go
   */
  public Meters(MeterRegistry registry) {
    this.registry = registry;
    this.resumes = track(Counter.builder(RESUMES).description("native streams resumed after a reconnect")
      .register(registry));
    this.resets = track(Counter.builder(RESETS).description("resumes refused: the events had left the replay buffer")
      .register(registry));
  }

  /** Meters that record nothing, shared: an empty composite registry hands out no-op meters. */
  public static final Meters NONE = new Meters(new CompositeMeterRegistry());

  /** @return meters that record nothing, of their own (an empty composite registry hands out no-op meters) */
  public static Meters none() {
    return new Meters(new CompositeMeterRegistry());
  }

  /** @return the registry */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * The meters of one configured model, to resolve once per model and hand to its streams.
   *
   * @param model the model's configured name
   * @param provider its provider's configured name
   * @return the meters
   */
  public ModelMeters model(String model, String provider) {
    return new ModelMeters(this, model, provider);
  }

  /**
   * The meters of a model routed over several providers: its streams' meters, without upstream meters (each
   * attempt records on its target's {@link #upstream}).
   *
   * @param model the model's configured name
   * @return the meters
   */
  public ModelMeters routedModel(String model) {
    return new ModelMeters(this, model, null);
  }

  /**
   * The upstream meters of one target of a routed model.
   *
   * @param model the model's configured name
   * @param provider the target's provider
   * @return the meters
   */
  public UpstreamMeters upstream(String model, String provider) {
    return new UpstreamMeters(this, model, provider);
  }

  <T extends Meter> T track(T meter) {
    registered.add(meter);
    return meter;
  }

  /** Removes every meter registered here from the registry: a gateway started again on it registers its own. */
  public void close() {
    for (Meter meter : registered) {
      registry.remove(meter);
    }
    registered.clear();
  }

  /**
   * Registers a gauge of open connections of one transport.
   *
   * @param transport one of {@link #WEBSOCKET}, {@link #SSE}, {@link #LONG_POLLING}, {@link #OPENAI_SSE}
   * @param count reads the count; called on scrape, from any thread, so it must not block
   */
  public void connections(String transport, Supplier<Number> count) {
    track(Gauge.builder(CONNECTIONS, count).description("open client connections").tag(TRANSPORT, transport)
      .strongReference(true).register(registry));
  }

  /**
   * Registers a gauge without labels, one of {@link #STREAMS_ACTIVE}, {@link #REPLAY_EVENTS}, {@link #DETACHED},
   * {@link #CLUSTER_MEMBERS}.
   *
   * @param name the name
   * @param value reads the value on scrape; must not block
   */
  public void gauge(String name, Supplier<Number> value) {
    track(Gauge.builder(name, value).strongReference(true).register(registry));
  }

  /** Counts a resume. */
  public void resumed() {
    resumes.increment();
  }

  /** Counts a reset. */
  public void reset() {
    resets.increment();
  }

  static Duration[] seconds(double... values) {
    Duration[] durations = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      durations[i] = Duration.ofNanos((long) (values[i] * 1e9));
    }
    return durations;
  }

  /** The meters of one model, resolved once. Thread-safe. */
  public static final class ModelMeters {
    final Counter started;
    final Counter[] ended;
    final Counter cancels;
    final Counter tokens;
    final Timer timeToFirstToken;
    final Timer interTokenGap;
    /** The upstream meters of the model's one provider; {@code null} for a routed model, metered per attempt. */
    final UpstreamMeters upstream;

    ModelMeters(Meters meters, String model, String provider) {
      MeterRegistry registry = meters.registry;
      started = meters.track(Counter.builder(STREAMS_STARTED).description("streams opened").tag(MODEL, model)
        .register(registry));
      StreamEnd.Reason[] reasons = StreamEnd.Reason.values();
      ended = new Counter[reasons.length];
      for (StreamEnd.Reason reason : reasons) {
        ended[reason.ordinal()] = meters.track(Counter.builder(STREAMS_ENDED).description("streams ended, by reason")
          .tag(MODEL, model).tag(REASON, reason.wireName()).register(registry));
      }
      cancels = meters.track(Counter.builder(STREAMS_CANCELLED).description("streams cancelled by their client")
        .tag(MODEL, model).register(registry));
      tokens = meters.track(Counter.builder(TOKENS).description("completion tokens delivered").tag(MODEL, model)
        .register(registry));
      timeToFirstToken = meters.track(Timer.builder(TIME_TO_FIRST_TOKEN)
        .description("time from a stream's start to its first token").tag(MODEL, model)
        .serviceLevelObjectives(TTFT_BUCKETS).register(registry));
      interTokenGap = meters.track(Timer.builder(INTER_TOKEN_GAP).description("time between two deliveries of text")
        .tag(MODEL, model).serviceLevelObjectives(GAP_BUCKETS).register(registry));
      upstream = provider == null ? null : new UpstreamMeters(meters, model, provider);
    }

    /** @return a recorder for one stream, started now */
    public StreamMeter open() {
      started.increment();
      if (upstream != null) {
        upstream.requests.increment();
      }
      return new StreamMeter(this, System.nanoTime());
    }
  }

  /**
   * The upstream meters of one provider serving one model, to resolve once. A model served by one provider records
   * them with its streams; a routed model records them per attempt, so a stream that failed over counts one
   * request on each target it tried and one error on each that failed. Thread-safe.
   */
  public static final class UpstreamMeters {
    final Counter requests;
    final Counter errors;
    final Timer duration;

    UpstreamMeters(Meters meters, String model, String provider) {
      MeterRegistry registry = meters.registry;
      requests = meters.track(Counter.builder(UPSTREAM_REQUESTS).description("requests sent upstream")
        .tag(PROVIDER, provider).tag(MODEL, model).register(registry));
      errors = meters.track(Counter.builder(UPSTREAM_ERRORS).description("upstream requests that failed")
        .tag(PROVIDER, provider).tag(MODEL, model).register(registry));
      duration = meters.track(Timer.builder(UPSTREAM_DURATION).description("upstream request duration")
        .tag(PROVIDER, provider).tag(MODEL, model).serviceLevelObjectives(UPSTREAM_BUCKETS).register(registry));
    }

    /** Counts a request sent upstream. */
    public void request() {
      requests.increment();
    }

    /**
     * An upstream request ended.
     *
     * @param failed whether it ended with an error
     * @param nanos how long it ran
     */
    public void ended(boolean failed, long nanos) {
      if (failed) {
        errors.increment();
      }
      duration.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * One stream's recorder. Not thread-safe: called on the stream's client event loop only. Costs a clock read per
   * delivery of text and plain field updates; nothing is looked up or allocated per token.
   */
  public static final class StreamMeter {
    private final ModelMeters meters;
    private final long startNanos;
    private long lastTextNanos;
    private long firstTextNanos;
    private long endNanos;
    private long counted;
    private long reported = -1;
    private boolean done;

    StreamMeter(ModelMeters meters, long startNanos) {
      this.meters = meters;
      this.startNanos = startNanos;
    }

    /** Counts one token (one text delta from the upstream). */
    public void token() {
      counted++;
    }

    /** Text is being delivered to the client: the first time gives the time to first token, then the gaps. */
    public void delivered() {
      long now = System.nanoTime();
      if (lastTextNanos == 0) {
        firstTextNanos = now;
        meters.timeToFirstToken.record(now - startNanos, TimeUnit.NANOSECONDS);
      } else {
        meters.interTokenGap.record(now - lastTextNanos, TimeUnit.NANOSECONDS);
      }
      lastTextNanos = now;
    }

    /** @param completionTokens the upstream's count, which wins over the deltas counted */
    public void usage(long completionTokens) {
      reported = completionTokens;
    }

    /** The client cancelled. */
    public void cancelled() {
      if (!done) {
        meters.cancels.increment();
      }
    }

    /** @param end how the stream ended; only the first call counts */
    public void ended(StreamEnd end) {
      if (done) {
        return;
      }
      done = true;
      meters.ended[end.reason().ordinal()].increment();
      meters.tokens.increment(reported >= 0 ? reported : counted);
      endNanos = System.nanoTime();
      if (meters.upstream != null) {
        meters.upstream.ended(end.isError(), endNanos - startNanos);
      }
    }

    /** @return the stream's tokens: the upstream's count when it sent one, else the deltas counted */
    public long tokens() {
      return reported >= 0 ? reported : counted;
    }

    /** @return ms from the stream's start to its first delivered text, or -1 when none was delivered */
    public long timeToFirstTokenMillis() {
      return firstTextNanos == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(firstTextNanos - startNanos);
    }

    /** @return ms from the stream's start to its end (or until now, before it ended) */
    public long durationMillis() {
      return TimeUnit.NANOSECONDS.toMillis((endNanos == 0 ? System.nanoTime() : endNanos) - startNanos);
    }
  }
}
