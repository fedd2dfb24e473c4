package io.tokenlane.bench.phase;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How late the gateway's event loops ran what was due during a measured window, from its
 * {@code tokenlane_event_loop_delay_seconds} histogram read at the window's edges: every stream on a loop waits as
 * long as the loop does, so this is the gateway's own share of a slow first token or a long gap.
 *
 * @param samples probes in the window (one per loop every 20 ms)
 * @param p99Ms the bucket bound under which 99% of the probes ran, ms (buckets: 1, 2, 5, 10, 20, 50, 100... ms)
 * @param over10msShare the share of probes more than 10 ms late
 */
public record LoopDelay(long samples, double p99Ms, double over10msShare) {

  /** Not measured: a target that is not Tokenlane, or metrics off. */
  public static final LoopDelay NONE = new LoopDelay(0, Double.NaN, Double.NaN);

  private static final String METRIC = "tokenlane_event_loop_delay_seconds";
  private static final Pattern BUCKET = Pattern.compile(
    "^" + METRIC + "_bucket\\{le=\"([^\"]+)\"} ([0-9.eE+-]+)$", Pattern.MULTILINE);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** @return whether it was measured */
  public boolean measured() {
    return samples > 0;
  }

  /** Reads the histogram at a window's edges; blocking, on the bench's own thread. */
  static final class Meter {
    private final URI metrics;
    private TreeMap<Double, Double> started;

    /** @param metrics the gateway's metrics URI, or {@code null} for a target that is not Tokenlane */
    Meter(URI metrics) {
      this.metrics = metrics;
    }

    void start() {
      started = metrics == null ? null : read();
    }

    LoopDelay stop() {
      // Without a reading at the start, counts since the gateway started would pass for the window's.
      TreeMap<Double, Double> now = metrics == null || started == null || started.isEmpty() ? null : read();
      if (now == null || now.isEmpty()) {
        return NONE;
      }
      TreeMap<Double, Double> window = new TreeMap<>();
      now.forEach((bound, count) -> window.put(bound, count - started.getOrDefault(bound, 0.0)));
      double total = window.lastEntry().getValue();
      if (total <= 0) {
        return NONE;
      }
      double p99 = Double.POSITIVE_INFINITY;
      double atOrBelow10ms = 0;
      for (Map.Entry<Double, Double> bucket : window.entrySet()) {
        if (p99 == Double.POSITIVE_INFINITY && bucket.getValue() >= 0.99 * total) {
          p99 = bucket.getKey() * 1000;
        }
        if (bucket.getKey() <= 0.010) {
          atOrBelow10ms = bucket.getValue();
        }
      }
      return new LoopDelay((long) total, p99, (total - atOrBelow10ms) / total);
    }

    /** @return cumulative counts by upper bound, seconds ({@code +Inf} last); empty when unreadable */
    private TreeMap<Double, Double> read() {
      TreeMap<Double, Double> buckets = new TreeMap<>();
      try {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          return buckets;
        }
        Matcher matcher = BUCKET.matcher(response.body());
        while (matcher.find()) {
          double bound = "+Inf".equals(matcher.group(1)) ? Double.POSITIVE_INFINITY : Double.parseDouble(matcher.group(1));
          buckets.merge(bound, Double.parseDouble(matcher.group(2)), Double::sum);
        }
      } catch (IOException e) {
        return buckets;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return buckets;
      }
      return buckets;
    }
  }
}
