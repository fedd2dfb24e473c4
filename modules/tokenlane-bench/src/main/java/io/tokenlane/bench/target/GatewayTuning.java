package io.tokenlane.bench.target;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the command line adds to the gateway the bench starts, so that runs can compare settings: environment
 * variables (the gateway reads {@code TOKENLANE_<SECTION>_<KEY>} as configuration overrides, such as {@code
 * TOKENLANE_HTTP_INSTANCES=4}) and JVM flags. The report shows them.
 *
 * @param env extra environment of the gateway's process
 * @param jvmFlags extra JVM flags, after the bench's own {@code -Xmx}
 */
public record GatewayTuning(Map<String, String> env, List<String> jvmFlags) {

  /** The gateway as the bench configures it, nothing added. */
  public static final GatewayTuning NONE = new GatewayTuning(Map.of(), List.of());

  /**
   * Adds {@code KEY=VALUE} to the environment.
   *
   * @throws IllegalArgumentException when it is not {@code KEY=VALUE}
   */
  public GatewayTuning withEnv(String assignment) {
    int equals = assignment.indexOf('=');
    if (equals < 1) {
      throw new IllegalArgumentException("--gateway-env takes KEY=VALUE, not '" + assignment + "'");
    }
    Map<String, String> more = new LinkedHashMap<>(env);
    more.put(assignment.substring(0, equals), assignment.substring(equals + 1));
    return new GatewayTuning(Map.copyOf(more), jvmFlags);
  }

  /** Adds a JVM flag such as {@code -XX:+UseParallelGC}. */
  public GatewayTuning withJvmFlag(String flag) {
    if (!flag.startsWith("-")) {
      throw new IllegalArgumentException("--gateway-jvm takes a JVM flag starting with '-', not '" + flag + "'");
    }
    List<String> more = new ArrayList<>(jvmFlags);
    more.add(flag);
    return new GatewayTuning(env, List.copyOf(more));
  }

  /** @return "none", or the environment and flags as a reader would type them */
  public String describe() {
    if (env.isEmpty() && jvmFlags.isEmpty()) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    env.entrySet().stream().sorted(Map.Entry.comparingByKey())
      .forEach(entry -> parts.add("`" + entry.getKey() + "=" + entry.getValue() + "`"));
    jvmFlags.forEach(flag -> parts.add("`" + flag + "`"));
    return String.join(", ", parts);
  }
}
