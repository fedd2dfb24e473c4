package io.tokenlane.bench.proc;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * What a JFR recording says the CPU did: the share of samples by area (the first frame of a known area going down
 * from the top), by the Tokenlane method that caused them (the first {@code io.tokenlane} frame from the top), and
 * the hottest methods (self time).
 *
 * @param samples execution samples in the recording
 * @param topFrames hottest methods, most samples first
 * @param areas share of samples per area, largest first
 * @param callers share of samples per Tokenlane method on the stack, largest first
 */
public record JfrProfile(long samples, List<Share> topFrames, List<Share> areas, List<Share> callers) {

  /** The caller of samples with no Tokenlane frame on their stack. */
  public static final String NO_TOKENLANE = "(no Tokenlane frame: Vert.x, Netty, JDK)";

  /** A method or area and the fraction of samples it got. */
  public record Share(String name, long samples, double fraction) {
  }

  /** Areas, checked from the top of the stack down; the first match names the sample. */
  private static final String[][] AREAS = {
    {"sun.nio.ch.", "socket I/O (JDK NIO syscalls)"},
    {"io.netty.channel.epoll.", "socket I/O (epoll)"},
    {"com.fasterxml.jackson.", "JSON (Jackson)"},
    {"io.vertx.core.json.", "JSON (Vert.x JsonObject)"},
    {"io.tokenlane.provider.openai.", "Tokenlane openai provider (SSE parse, chunk decode)"},
    {"io.tokenlane.transport.", "Tokenlane transports (encode, write)"},
    {"io.tokenlane.core.", "Tokenlane core (bridge, hub, replay)"},
    {"io.netty.handler.codec.http.websocketx", "Netty WebSocket codec"},
    {"io.netty.handler.codec.http.", "Netty HTTP codec"},
    {"io.netty.buffer.", "Netty buffers"},
    {"io.netty.", "Netty (other)"},
    {"io.vertx.ext.web.", "Vert.x Web (routing)"},
    {"io.vertx.core.http.", "Vert.x HTTP"},
    {"io.vertx.", "Vert.x (other)"},
    {"java.lang.String", "JDK strings"},
    {"java.", "JDK (other)"},
    {"jdk.", "JDK (other)"},
    {"sun.", "JDK (other)"},
  };

  /**
   * Reads {@code jdk.ExecutionSample} events.
   *
   * @param file the recording
   * @param from samples before this are ignored
   * @param top how many methods to keep
   * @return the summary
   */
  public static JfrProfile read(Path file, Instant from, int top) throws IOException {
    Map<String, Long> frames = new HashMap<>();
    Map<String, Long> areas = new HashMap<>();
    Map<String, Long> callers = new HashMap<>();
    long samples = 0;
    try (RecordingFile recording = new RecordingFile(file)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent event = recording.readEvent();
        RecordedStackTrace stack = event.getStackTrace();
        if (!event.getEventType().getName().equals("jdk.ExecutionSample") || stack == null || stack.getFrames().isEmpty()
          || event.getStartTime().isBefore(from)) {
          continue;
        }
        samples++;
        frames.merge(name(stack.getFrames().get(0)), 1L, Long::sum);
        areas.merge(area(stack.getFrames()), 1L, Long::sum);
        callers.merge(caller(stack.getFrames()), 1L, Long::sum);
      }
    }
    return new JfrProfile(samples, shares(frames, samples, top), shares(areas, samples, AREAS.length + 1),
      shares(callers, samples, top));
  }

  private static String caller(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      if (frame.getMethod().getType().getName().startsWith("io.tokenlane.")) {
        String type = frame.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName();
      }
    }
    return NO_TOKENLANE;
  }

  private static String name(RecordedFrame frame) {
    return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
  }

  private static String area(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String type = frame.getMethod().getType().getName();
      for (String[] area : AREAS) {
        if (type.startsWith(area[0]) && !area[1].startsWith("JDK")) {
          return area[1];
        }
      }
    }
    String type = frames.get(0).getMethod().getType().getName();
    for (String[] area : AREAS) {
      if (type.startsWith(area[0])) {
        return area[1];
      }
    }
    return "other";
  }

  private static List<Share> shares(Map<String, Long> counts, long total, int limit) {
    List<Share> shares = new ArrayList<>();
    counts.forEach((name, count) -> shares.add(new Share(name, count, total == 0 ? 0 : (double) count / total)));
    shares.sort((a, b) -> Long.compare(b.samples(), a.samples()));
    return List.copyOf(shares.subList(0, Math.min(limit, shares.size())));
  }
}
