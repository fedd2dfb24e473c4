package io.tokenlane.bench.report;

import java.util.List;

/** Markdown text: headings, paragraphs, tables. */
final class Md {

  private final StringBuilder text = new StringBuilder();

  Md heading(int level, String title) {
    text.append("#".repeat(level)).append(' ').append(title).append("\n\n");
    return this;
  }

  Md paragraph(String paragraph) {
    text.append(paragraph).append("\n\n");
    return this;
  }

  Md line(String line) {
    text.append(line).append('\n');
    return this;
  }

  Md image(String alt, String file) {
    text.append("![").append(alt).append("](").append(file).append(")\n\n");
    return this;
  }

  Md code(String language, String code) {
    text.append("```").append(language).append('\n').append(code.strip()).append("\n```\n\n");
    return this;
  }

  /** A table; a cell may not contain a newline, and a pipe in it is escaped. */
  Md table(List<String> header, List<List<String>> rows) {
    row(header);
    text.append('|');
    for (int i = 0; i < header.size(); i++) {
      text.append(i == 0 ? " --- |" : " ---: |");
    }
    text.append('\n');
    rows.forEach(this::row);
    text.append('\n');
    return this;
  }

  private void row(List<String> cells) {
    text.append('|');
    for (String cell : cells) {
      text.append(' ').append(cell.replace("|", "\\|")).append(" |");
    }
    text.append('\n');
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
