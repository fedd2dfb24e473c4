package io.tokenlane.bench.report;

import java.util.Locale;

/** Number formats of the report. */
final class Fmt {

  private Fmt() {
  }

  /** Milliseconds with sensible precision. */
  static String ms(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    double abs = Math.abs(value);
    String digits = abs >= 100 ? "%.0f" : abs >= 10 ? "%.1f" : "%.2f";
    return String.format(Locale.ROOT, digits + " ms", value);
  }

  /** A signed difference in milliseconds. */
  static String addedMs(double value) {
    return Double.isNaN(value) ? "n/a" : (value >= 0 ? "+" : "−") + ms(Math.abs(value));
  }

  static String ratio(double value) {
    return Double.isNaN(value) || Double.isInfinite(value) ? "n/a" : String.format(Locale.ROOT, "%.2f×", value);
  }

  static String percent(double fraction) {
    return Double.isNaN(fraction) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", fraction * 100);
  }

  /** A share with one decimal: compiler shares are meant to be near zero. */
  static String percentOne(double fraction) {
    return Double.isNaN(fraction) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", fraction * 100);
  }

  /** CPU time per token. */
  static String micros(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, value >= 100 ? "%.0f µs" : "%.1f µs", value);
  }

  /** A duration in seconds, "0.4 s" or "180 s". */
  static String seconds(java.time.Duration duration) {
    double seconds = duration.toMillis() / 1000.0;
    return String.format(Locale.ROOT, seconds < 10 ? "%.1f s" : "%.0f s", seconds);
  }

  static String rate(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%,.0f", value);
  }

  static String cores(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.2f", value);
  }

  static String kb(double bytes) {
    return Double.isNaN(bytes) ? "n/a" : String.format(Locale.ROOT, "%.1f KB", bytes / 1024);
  }

  static String mb(double bytes) {
    return Double.isNaN(bytes) || bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MB", bytes / 1048576);
  }

  static String count(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%,.0f", value);
  }

  /** "50, 200 and 1,000". */
  static String counts(java.util.List<Integer> values) {
    java.util.List<String> shown = values.stream().map(value -> String.format(Locale.ROOT, "%,d", value)).toList();
    return shown.size() < 2 ? String.join("", shown)
      : String.join(", ", shown.subList(0, shown.size() - 1)) + " and " + shown.get(shown.size() - 1);
  }

  static String decimal(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.2f", value);
  }
}
