package io.tokenlane.bench.proc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Live objects by class after a full GC, as {@code jcmd PID GC.class_histogram} prints them.
 *
 * @param totalBytes bytes of all live objects
 * @param bytesByClass bytes per class name
 * @param countByClass instances per class name
 */
public record HeapHistogram(long totalBytes, Map<String, Long> bytesByClass, Map<String, Long> countByClass) {

  /** One class's growth between two histograms. */
  public record Growth(String className, long bytes, long instances) {
  }

  static HeapHistogram parse(String output) {
    long total = 0;
    Map<String, Long> bytes = new HashMap<>();
    Map<String, Long> counts = new HashMap<>();
    for (String line : output.split("\n")) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length >= 3 && fields[0].equals("Total")) {
        total = Long.parseLong(fields[2]);
      } else if (fields.length >= 4 && fields[0].endsWith(":")) {
        bytes.merge(fields[3], Long.parseLong(fields[2]), Long::sum);
        counts.merge(fields[3], Long.parseLong(fields[1]), Long::sum);
      }
    }
    return new HeapHistogram(total, bytes, counts);
  }

  /**
   * The classes that grew most from {@code baseline} to this one.
   *
   * @param baseline the earlier histogram
   * @param limit how many
   * @return largest growth first
   */
  public List<Growth> growthSince(HeapHistogram baseline, int limit) {
    List<Growth> growth = new ArrayList<>();
    bytesByClass.forEach((name, size) -> growth.add(new Growth(name,
      size - baseline.bytesByClass.getOrDefault(name, 0L),
      countByClass.getOrDefault(name, 0L) - baseline.countByClass.getOrDefault(name, 0L))));
    growth.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
    return growth.subList(0, Math.min(limit, growth.size()));
  }
}
