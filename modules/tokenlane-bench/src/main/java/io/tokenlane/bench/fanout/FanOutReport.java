package io.tokenlane.bench.fanout;

import io.tokenlane.bench.proc.HeapHistogram;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Everything the fan-out phase measured, level by level, or why it stopped. Filled by {@link FanOutPhase}. */
public final class FanOutReport {

  /**
   * Idle followers: streams whose upstream sent one token and went silent, then their followers; live heap after a
   * full GC and RSS of the gateway at each step.
   *
   * @param streams streams open
   * @param followers followers that got the token
   * @param heapFresh live heap of the warmed, fresh gateway, bytes
   * @param heapStreams with the streams and no follower
   * @param heapFollowers with the streams and their followers
   * @param rssFresh the gateway's RSS, fresh
   * @param rssStreams with the streams
   * @param rssFollowers with the followers
   * @param growth the classes that grew most from the streams to the followers
   */
  public record Idle(int streams, int followers, long heapFresh, long heapStreams, long heapFollowers, long rssFresh,
                     long rssStreams, long rssFollowers, List<HeapHistogram.Growth> growth) {

    /** @return live heap per follower (the followers' growth over the same process before them), bytes */
    public double heapPerFollower() {
      return per(heapFollowers - heapStreams, followers);
    }

    /** @return live heap per stream with no follower, bytes */
    public double heapPerStream() {
      return per(heapStreams - heapFresh, streams);
    }

    /** @return RSS growth per follower, bytes */
    public double rssPerFollower() {
      return per(rssFollowers - rssStreams, followers);
    }
  }

  /**
   * Tokens flowing to every follower: the measured window after the warm-up.
   *
   * @param followers followers attached
   * @param offeredEventsPerSecond token events per second the followers would get if every one kept up
   * @param events token events delivered to the followers in the window
   * @param tokens tokens in them
   * @param ends {@code end} events in the window (a stream that ended early; 0 is right)
   * @param seconds the window's length
   * @param cpu cores busy in the window
   * @param readyz {@code GET /readyz} probed in the window
   * @param rss the gateway's RSS at the window's end
   * @param liveHeap the gateway's live heap after a full GC right after the window, tokens still flowing
   */
  public record Flow(int followers, double offeredEventsPerSecond, long events, long tokens, long ends, double seconds,
                     Cpu cpu, ReadyzFigures readyz, long rss, long liveHeap) {

    /** @return token events delivered per second */
    public double eventsPerSecond() {
      return seconds <= 0 ? Double.NaN : events / seconds;
    }

    /** @return the gateway's CPU per delivered token event, µs */
    public double cpuMicrosPerEvent() {
      return events == 0 ? Double.NaN : cpu.gateway() * seconds * 1e6 / events;
    }

    /** @return the gateway's CPU per delivered token, µs (a follower behind gets several tokens in one event) */
    public double cpuMicrosPerToken() {
      return tokens == 0 ? Double.NaN : cpu.gateway() * seconds * 1e6 / tokens;
    }

    /** @return delivered over offered */
    public double delivered() {
      return offeredEventsPerSecond <= 0 ? Double.NaN : eventsPerSecond() / offeredEventsPerSecond;
    }
  }

  /**
   * Cores busy in a window (1.0 = one core the whole time).
   *
   * @param gateway the gateway
   * @param gatewayJit its JIT compiler threads
   * @param upstream the fake upstream
   * @param bench the load generator (and the probe)
   * @param other the machine's busy time outside these (other work on the machine)
   */
  public record Cpu(double gateway, double gatewayJit, double upstream, double bench, double other) {
  }

  /**
   * One level's figures.
   *
   * @param streams streams asked for
   * @param followersPerStream followers of each
   * @param idle idle followers' memory, or {@code null}
   * @param flow tokens flowing, or {@code null}
   * @param failures what failed, and how often
   * @param loadAverage the machine's 1-minute load average when the level started
   * @param flowAttempts windows with tokens flowing measured (more than one: other work disturbed the first)
   */
  public record Level(int streams, int followersPerStream, Idle idle, Flow flow, Map<String, Integer> failures,
                      double loadAverage, int flowAttempts) {
  }

  private final FanOutPlan plan;
  private final List<Level> levels = new ArrayList<>();
  ReadyzFigures readyzIdle;
  private String failure;

  public FanOutReport(FanOutPlan plan) {
    this.plan = plan;
  }

  /** Adds a level's figures (the phase, or a test of the report). */
  public FanOutReport add(Level level) {
    levels.add(level);
    return this;
  }

  /** Sets {@code /readyz} of the fresh gateway with nothing else running. */
  public FanOutReport readyzIdle(ReadyzFigures figures) {
    readyzIdle = figures;
    return this;
  }

  void failed(String failure) {
    this.failure = failure;
  }

  public FanOutPlan plan() {
    return plan;
  }

  public List<Level> levels() {
    return List.copyOf(levels);
  }

  /** @return {@code /readyz} of a fresh gateway with nothing else running, or {@code null} */
  public ReadyzFigures readyzIdle() {
    return readyzIdle;
  }

  /** @return where and why the phase stopped, or {@code null} */
  public String failure() {
    return failure;
  }

  /** @return the idle figures of the level with the most followers, or {@code null} */
  public Idle largestIdle() {
    return levels.stream().filter(level -> level.idle() != null && level.idle().followers() > 0)
      .max(java.util.Comparator.comparingInt(level -> level.idle().followers())).map(Level::idle).orElse(null);
  }

  private static double per(long bytes, int count) {
    return count == 0 ? Double.NaN : bytes / (double) count;
  }
}
