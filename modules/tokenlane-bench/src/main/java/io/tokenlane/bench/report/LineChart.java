package io.tokenlane.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Panels of lines over the concurrency levels (evenly spaced categories), y on a log scale: latency
 * percentiles by concurrency, one line per path.
 */
final class LineChart {

  /** One line: a path's values at each level ({@code NaN} where it has none). */
  record Series(String name, String color, double[] values, String dash) {
  }

  /** One panel: a title, its y unit, the lines, and an optional target drawn as a red dashed line. */
  record Panel(String title, String unit, List<Series> series, double target, String targetLabel) {
  }

  private static final int PANEL_WIDTH = 330;
  private static final int PANEL_HEIGHT = 250;
  private static final int LEFT = 58;
  private static final int TOP = 70;
  private static final int GAP = 40;

  private LineChart() {
  }

  static String render(String title, String subtitle, List<Integer> levels, List<Panel> panels, List<Series> legend) {
    int width = LEFT + panels.size() * (PANEL_WIDTH + GAP) + 10;
    int legendRows = (legend.size() + 3) / 4;
    int height = TOP + PANEL_HEIGHT + 60 + legendRows * 20 + 10;
    Svg svg = new Svg(width, height);
    svg.text(16, 26, title, 17, "#1f2328", "start", true);
    svg.text(16, 46, subtitle, 12, "#57606a", "start", false);
    for (int i = 0; i < panels.size(); i++) {
      panel(svg, LEFT + i * (PANEL_WIDTH + GAP), levels, panels.get(i));
    }
    double legendTop = TOP + PANEL_HEIGHT + 52;
    for (int i = 0; i < legend.size(); i++) {
      Series series = legend.get(i);
      double x = 16 + (i % 4) * ((width - 32) / 4.0);
      double y = legendTop + (i / 4) * 20;
      svg.line(x, y - 4, x + 22, y - 4, series.color(), 3, series.dash());
      svg.text(x + 28, y, series.name(), 12, "#1f2328", "start", false);
    }
    return svg.toString();
  }

  private static void panel(Svg svg, double left, List<Integer> levels, Panel panel) {
    double top = TOP;
    double bottom = TOP + PANEL_HEIGHT;
    double right = left + PANEL_WIDTH;
    double[] range = range(panel);
    svg.text(left + PANEL_WIDTH / 2.0, top - 10, panel.title(), 13, "#1f2328", "middle", true);
    svg.rect(left, top, PANEL_WIDTH, PANEL_HEIGHT, "#f6f8fa", null);
    for (double tick : ticks(range[0], range[1])) {
      double y = y(tick, range, top, bottom);
      svg.line(left, y, right, y, "#d0d7de", 1, null);
      svg.text(left - 6, y + 4, number(tick), 11, "#57606a", "end", false);
    }
    svg.verticalText(left - 44, (top + bottom) / 2, panel.unit(), 11, "#57606a");
    for (int i = 0; i < levels.size(); i++) {
      double x = x(i, levels.size(), left);
      svg.line(x, bottom, x, bottom + 4, "#57606a", 1, null);
      svg.text(x, bottom + 17, String.format(Locale.ROOT, "%,d", levels.get(i)), 11, "#57606a", "middle", false);
    }
    svg.text(left + PANEL_WIDTH / 2.0, bottom + 34, "concurrent streams", 11, "#57606a", "middle", false);
    if (panel.target() > 0 && panel.target() >= range[0] && panel.target() <= range[1]) {
      double y = y(panel.target(), range, top, bottom);
      svg.line(left, y, right, y, "#cf222e", 1.5, "6 4");
      svg.text(right - 4, y - 5, panel.targetLabel(), 11, "#cf222e", "end", false);
    }
    for (Series series : panel.series()) {
      drawSeries(svg, series, levels, left, range, top, bottom);
    }
  }

  private static void drawSeries(Svg svg, Series series, List<Integer> levels, double left, double[] range,
                                 double top, double bottom) {
    List<double[]> points = new ArrayList<>();
    for (int i = 0; i < series.values().length; i++) {
      double value = series.values()[i];
      if (!Double.isNaN(value)) {
        points.add(new double[] {x(i, levels.size(), left), y(Math.max(value, range[0]), range, top, bottom), value, i});
      }
    }
    if (points.size() > 1) {
      svg.polyline(points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray(),
        series.color(), 2.2, series.dash());
    }
    for (double[] point : points) {
      svg.circle(point[0], point[1], 3.2, series.color(), series.name() + " at " + levels.get((int) point[3]) + ": "
        + number(point[2]));
    }
  }

  private static double x(int index, int count, double left) {
    return count == 1 ? left + PANEL_WIDTH / 2.0 : left + 24 + index * (PANEL_WIDTH - 48.0) / (count - 1);
  }

  private static double y(double value, double[] range, double top, double bottom) {
    double fraction = (Math.log10(value) - Math.log10(range[0])) / (Math.log10(range[1]) - Math.log10(range[0]));
    return bottom - fraction * (bottom - top);
  }

  /** Log range covering every value and the target, widened to 1-2-5 steps. */
  private static double[] range(Panel panel) {
    double min = Double.MAX_VALUE;
    double max = 0;
    for (Series series : panel.series()) {
      for (double value : series.values()) {
        if (!Double.isNaN(value) && value > 0) {
          min = Math.min(min, value);
          max = Math.max(max, value);
        }
      }
    }
    if (panel.target() > 0) {
      min = Math.min(min, panel.target());
      max = Math.max(max, panel.target());
    }
    if (max == 0) {
      return new double[] {0.1, 10};
    }
    min = Math.max(min, max / 1e6);
    double low = Math.pow(10, Math.floor(Math.log10(min)));
    double high = Math.pow(10, Math.ceil(Math.log10(max * 1.05)));
    return new double[] {low, high == low ? high * 10 : high};
  }

  private static List<Double> ticks(double low, double high) {
    List<Double> ticks = new ArrayList<>();
    boolean dense = Math.log10(high / low) <= 2;
    for (double decade = low; decade <= high * 1.0001; decade *= 10) {
      ticks.add(decade);
      if (dense && decade * 2 < high) {
        ticks.add(decade * 2);
        ticks.add(decade * 5);
      }
    }
    return ticks;
  }

  static String number(double value) {
    if (value == 0) {
      return "0";
    }
    if (value >= 100) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (value >= 1) {
      return String.format(Locale.ROOT, "%.1f", value).replace(".0", "");
    }
    return String.format(Locale.ROOT, "%.2g", value);
  }
}
