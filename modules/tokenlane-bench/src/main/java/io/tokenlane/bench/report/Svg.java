package io.tokenlane.bench.report;

import java.util.Locale;

/** A small SVG writer: the shapes the charts need, as plain text. */
final class Svg {

  static final String FONT = "font-family=\"-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\"";

  private final StringBuilder body = new StringBuilder();
  private final int width;
  private final int height;

  Svg(int width, int height) {
    this.width = width;
    this.height = height;
    rect(0, 0, width, height, "#ffffff", null);
  }

  Svg rect(double x, double y, double w, double h, String fill, String title) {
    body.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"",
      x, y, Math.max(0, w), Math.max(0, h), fill));
    if (title == null) {
      body.append("/>\n");
    } else {
      body.append("><title>").append(escape(title)).append("</title></rect>\n");
    }
    return this;
  }

  Svg line(double x1, double y1, double x2, double y2, String stroke, double width, String dash) {
    body.append(String.format(Locale.ROOT,
      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>\n",
      x1, y1, x2, y2, stroke, width, dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
    return this;
  }

  Svg polyline(double[] xs, double[] ys, String stroke, double width, String dash) {
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < xs.length; i++) {
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", xs[i], ys[i]));
    }
    body.append(String.format(Locale.ROOT,
      "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"%s/>\n",
      points.toString().trim(), stroke, width, dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
    return this;
  }

  Svg circle(double x, double y, double r, String fill, String title) {
    body.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\">", x, y, r, fill))
      .append("<title>").append(escape(title)).append("</title></circle>\n");
    return this;
  }

  /** Text; {@code anchor} is start, middle or end. */
  Svg text(double x, double y, String text, int size, String fill, String anchor, boolean bold) {
    body.append(String.format(Locale.ROOT,
      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" fill=\"%s\" text-anchor=\"%s\"%s %s>%s</text>\n",
      x, y, size, fill, anchor, bold ? " font-weight=\"600\"" : "", FONT, escape(text)));
    return this;
  }

  /** Text turned 90 degrees counter-clockwise (a y-axis title). */
  Svg verticalText(double x, double y, String text, int size, String fill) {
    body.append(String.format(Locale.ROOT,
      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" fill=\"%s\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f %.1f)\" %s>%s</text>\n",
      x, y, size, fill, x, y, FONT, escape(text)));
    return this;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n",
      width, height, width, height) + body + "</svg>\n";
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
