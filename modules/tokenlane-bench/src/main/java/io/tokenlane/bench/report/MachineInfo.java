package io.tokenlane.bench.report;

import io.tokenlane.bench.target.PortkeyTarget;
import io.tokenlane.bench.target.Targets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine a run measured: CPU, cores, memory, OS, and the versions of everything on the paths. Read from
 * {@code /proc} and the tools themselves.
 *
 * @param facts name to value, in display order
 * @param cores CPU cores the bench sees
 */
public record MachineInfo(Map<String, String> facts, int cores) {

  /** @return what this machine is */
  public static MachineInfo probe() {
    Map<String, String> facts = new LinkedHashMap<>();
    int cores = Runtime.getRuntime().availableProcessors();
    facts.put("CPU", cpuModel() + ", " + cores + " cores");
    facts.put("Memory", memory());
    facts.put("OS", osName() + ", kernel " + read("/proc/sys/kernel/osrelease").strip());
    facts.put("Open files limit", openFilesLimit());
    facts.put("Thread wake-up latency", WakeProbe.measure());
    facts.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    facts.put("Vert.x", vertxVersion());
    facts.put("Node", orNone(Targets.firstLine("node", "--version")));
    facts.put("nginx", orNone(Targets.firstLine("nginx", "-v")));
    facts.put("Portkey gateway", "@portkey-ai/gateway " + PortkeyTarget.VERSION + " (@hono/node-server 1.13.8 override)");
    return new MachineInfo(facts, cores);
  }

  private static String cpuModel() {
    for (String line : read("/proc/cpuinfo").split("\n")) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).strip();
      }
    }
    return "unknown CPU";
  }

  private static String memory() {
    long total = 0;
    long available = 0;
    for (String line : read("/proc/meminfo").split("\n")) {
      if (line.startsWith("MemTotal:")) {
        total = kilobytes(line);
      } else if (line.startsWith("MemAvailable:")) {
        available = kilobytes(line);
      }
    }
    return String.format("%.1f GiB total, %.1f GiB available at start", total / 1048576.0, available / 1048576.0);
  }

  private static String osName() {
    for (String line : read("/etc/os-release").split("\n")) {
      if (line.startsWith("PRETTY_NAME=")) {
        return line.substring(12).replace("\"", "");
      }
    }
    return System.getProperty("os.name");
  }

  private static String openFilesLimit() {
    for (String line : read("/proc/self/limits").split("\n")) {
      if (line.startsWith("Max open files")) {
        List<String> fields = List.of(line.substring(14).trim().split("\\s+"));
        return fields.get(0) + " soft, " + fields.get(1) + " hard (per process)";
      }
    }
    return "unknown";
  }

  private static String vertxVersion() {
    try (InputStream in = io.vertx.core.Vertx.class.getResourceAsStream("/META-INF/vertx/vertx-version.txt")) {
      return in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static long kilobytes(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }

  private static String orNone(String value) {
    return value == null ? "not installed" : value;
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      return "";
    }
  }
}
