package io.tokenlane.bench.phase;

import org.HdrHistogram.Histogram;

/**
 * A distribution's summary, in milliseconds (or plain counts for events per poll).
 *
 * @param count values recorded
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max largest
 * @param mean mean
 */
public record Quantiles(long count, double p50, double p90, double p99, double p999, double max, double mean) {

  public static final Quantiles EMPTY = new Quantiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
    Double.NaN);

  /** A histogram of microseconds, summarized in milliseconds. */
  public static Quantiles millis(Histogram micros) {
    return of(micros, 1000.0);
  }

  /** A histogram of plain counts. */
  static Quantiles counts(Histogram counts) {
    return of(counts, 1.0);
  }

  private static Quantiles of(Histogram histogram, double unit) {
    if (histogram.getTotalCount() == 0) {
      return EMPTY;
    }
    return new Quantiles(histogram.getTotalCount(), histogram.getValueAtPercentile(50) / unit,
      histogram.getValueAtPercentile(90) / unit, histogram.getValueAtPercentile(99) / unit,
      histogram.getValueAtPercentile(99.9) / unit, histogram.getMaxValue() / unit, histogram.getMean() / unit);
  }

  /** @return whether anything was recorded */
  public boolean present() {
    return count > 0;
  }
}
