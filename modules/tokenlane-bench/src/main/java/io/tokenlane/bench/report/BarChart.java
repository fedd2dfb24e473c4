package io.tokenlane.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * Horizontal bars, one row per path or transport, one bar per measure in the row (p50 and p99, heap and RSS),
 * on a linear scale from 0, with an optional target line.
 */
final class BarChart {

  /** A row: its label, one value per measure ({@code NaN}: none), and what to write instead of a missing bar. */
  record Row(String label, double[] values, String[] notes) {
  }

  /** @return {@code note} for each of {@code count} measures */
  static String[] notes(int count, String note) {
    String[] notes = new String[count];
    java.util.Arrays.fill(notes, note);
    return notes;
  }

  /** A measure: its name and color. */
  record Measure(String name, String color) {
  }

  private static final int LABEL_WIDTH = 190;
  private static final int PLOT_WIDTH = 560;
  private static final int BAR = 14;
  private static final int TOP = 96;

  private BarChart() {
  }

  static String render(String title, String subtitle, String axis, List<Measure> measures, List<Row> rows,
                       double target, String targetLabel, DoubleFunction<String> format) {
    int rowHeight = measures.size() * (BAR + 2) + 12;
    int height = TOP + rows.size() * rowHeight + 46;
    int width = LABEL_WIDTH + PLOT_WIDTH + 120;
    Svg svg = new Svg(width, height);
    svg.text(16, 26, title, 17, "#1f2328", "start", true);
    svg.text(16, 46, subtitle, 12, "#57606a", "start", false);
    for (int i = 0; i < measures.size(); i++) {
      double x = LABEL_WIDTH + i * 150;
      svg.rect(x, 60, 12, 12, measures.get(i).color(), null);
      svg.text(x + 18, 70, measures.get(i).name(), 12, "#1f2328", "start", false);
    }
    double max = Math.max(target, 0);
    for (Row row : rows) {
      for (double value : row.values()) {
        if (!Double.isNaN(value)) {
          max = Math.max(max, value);
        }
      }
    }
    double scale = max <= 0 ? 1 : niceCeiling(max * 1.08);
    double bottom = TOP + rows.size() * rowHeight;
    for (int i = 0; i <= 4; i++) {
      double x = LABEL_WIDTH + PLOT_WIDTH * i / 4.0;
      svg.line(x, TOP - 4, x, bottom, "#d0d7de", 1, null);
      svg.text(x, bottom + 16, LineChart.number(scale * i / 4.0), 11, "#57606a", "middle", false);
    }
    svg.text(LABEL_WIDTH + PLOT_WIDTH / 2.0, bottom + 34, axis, 11, "#57606a", "middle", false);
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      double top = TOP + r * rowHeight + 4;
      svg.text(LABEL_WIDTH - 10, top + rowHeight / 2.0, row.label(), 12, "#1f2328", "end", false);
      for (int m = 0; m < measures.size(); m++) {
        double value = row.values()[m];
        double y = top + m * (BAR + 2);
        if (Double.isNaN(value)) {
          String note = row.notes()[m];
          if (note != null || m == 0) {
            svg.text(LABEL_WIDTH + 4, y + BAR - 3, note == null ? "n/a" : note, 11, "#8c959f", "start", false);
          }
          continue;
        }
        double w = PLOT_WIDTH * value / scale;
        svg.rect(LABEL_WIDTH, y, w, BAR, measures.get(m).color(), row.label() + " " + measures.get(m).name() + ": "
          + format.apply(value));
        svg.text(LABEL_WIDTH + w + 5, y + BAR - 3, format.apply(value), 11, "#1f2328", "start", false);
      }
    }
    if (target > 0) {
      double x = LABEL_WIDTH + PLOT_WIDTH * target / scale;
      svg.line(x, TOP - 12, x, bottom, "#cf222e", 1.5, "6 4");
      svg.text(x + 4, TOP - 4, targetLabel, 11, "#cf222e", "start", false);
    }
    return svg.toString();
  }

  private static double niceCeiling(double value) {
    double decade = Math.pow(10, Math.floor(Math.log10(value)));
    for (double step : new double[] {1, 1.2, 1.6, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (step * decade >= value) {
        return step * decade;
      }
    }
    return 10 * decade;
  }

  static String thousands(double value) {
    return String.format(Locale.ROOT, "%,.0f", value);
  }
}
