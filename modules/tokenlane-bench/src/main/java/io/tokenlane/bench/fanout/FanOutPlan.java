package io.tokenlane.bench.fanout;

import io.tokenlane.bench.BenchPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How much the fan-out phase measures (issue 10: memory and cost per SSE follower).
 *
 * @param levels streams and followers per stream, one fresh gateway each
 * @param intervalMs the upstream's pause between tokens while tokens flow
 * @param warmup tokens flowing to every follower before the measured window (the gateway's JIT)
 * @param window the measured window while tokens flow
 * @param probePeriod how often {@code /readyz} is probed in the window
 * @param settle pause before a heap or RSS reading
 * @param attachTimeout how long the followers of a level may take to get their first token
 * @param quietWait how long to wait, before each level, for other work on the machine to calm down
 */
public record FanOutPlan(List<Level> levels, long intervalMs, Duration warmup, Duration window,
                         Duration probePeriod, Duration settle, Duration attachTimeout, Duration quietWait) {

  /**
   * One level: {@code streams} streams with {@code followers} SSE followers each.
   *
   * @param streams streams at once
   * @param followers followers of each stream
   */
  public record Level(int streams, int followers) {

    /** @return all followers */
    public int total() {
      return streams * followers;
    }

    @Override
    public String toString() {
      return streams + "x" + followers;
    }
  }

  /**
   * Time allowed in the streams' length for the followers to attach: 2,000 take 5 to 20 s here. Not the whole
   * attach timeout: the fake upstream builds a whole answer's events when the request comes.
   */
  static final long ATTACH_BUDGET_MS = 30_000;

  /** Issue 10's case (2,000 followers on 100 streams) and a tenth of it. */
  public static final List<Level> DEFAULT_LEVELS = List.of(new Level(10, 20), new Level(100, 20));

  /** The phase matching a run's mode, at {@code levels}. */
  public static FanOutPlan of(BenchPlan plan, List<Level> levels) {
    return switch (plan.mode()) {
      case "tiny" -> new FanOutPlan(levels, 5, Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ZERO);
      case "full" -> new FanOutPlan(levels, 10, Duration.ofSeconds(30), Duration.ofSeconds(20),
        Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(120));
      default -> new FanOutPlan(levels, 10, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofMillis(50),
        Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofSeconds(60));
    };
  }

  /**
   * Parses {@code 100x20,10x20}.
   *
   * @throws IllegalArgumentException on anything else
   */
  public static List<Level> parseLevels(String list) {
    List<Level> levels = new ArrayList<>();
    for (String item : list.split(",")) {
      String[] parts = item.trim().toLowerCase(java.util.Locale.ROOT).split("x");
      try {
        if (parts.length != 2) {
          throw new NumberFormatException();
        }
        int streams = Integer.parseInt(parts[0].trim());
        int followers = Integer.parseInt(parts[1].trim());
        if (streams < 1 || followers < 1) {
          throw new NumberFormatException();
        }
        levels.add(new Level(streams, followers));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--followers takes STREAMSxFOLLOWERS[,...] such as 100x20, not '"
          + item.trim() + "'");
      }
    }
    return List.copyOf(levels);
  }

  /**
   * Tokens per stream while tokens flow: enough for the followers to attach, the warm-up and the window, so that
   * no stream ends before the window does (the streams are cancelled after it).
   */
  public int flowTokens() {
    long ms = Math.min(attachTimeout.toMillis(), ATTACH_BUDGET_MS) + warmup.toMillis() + window.toMillis() + 5_000;
    return (int) Math.max(10, ms / Math.max(1, intervalMs));
  }

  /** @return the largest number of followers of one stream: the gateway's reader bound must allow it */
  public int maxFollowers() {
    return levels.stream().mapToInt(Level::followers).max().orElse(1);
  }
}
