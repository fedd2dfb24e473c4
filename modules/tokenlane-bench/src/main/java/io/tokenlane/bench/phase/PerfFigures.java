package io.tokenlane.bench.phase;

import io.tokenlane.bench.proc.PerfProfile;

/**
 * A {@code perf} profile of the target under load, with the tokens delivered while it recorded: CPU per token by
 * where it ran.
 *
 * @param profile the samples
 * @param tokens tokens delivered to clients in the recorded window
 * @param seconds the window's length
 * @param concurrency streams at once
 * @param intervalMs the upstream's pause between tokens
 */
public record PerfFigures(PerfProfile profile, long tokens, double seconds, int concurrency, long intervalMs) {

  /** @return µs of CPU per delivered token that {@code samples} stand for */
  public double microsPerToken(long samples) {
    return tokens == 0 ? Double.NaN : profile.cpuSeconds(samples) * 1e6 / tokens;
  }

  /** @return the profile's whole CPU per token */
  public double totalMicrosPerToken() {
    return microsPerToken(profile.samples());
  }

  /** @return the part in the kernel, per token */
  public double kernelMicrosPerToken() {
    return microsPerToken(profile.kernelSamples());
  }

  /** @return the part in user space (everything not in the kernel), per token */
  public double userMicrosPerToken() {
    return microsPerToken(profile.samples() - profile.kernelSamples());
  }

  /** @return the cores the target used while recorded */
  public double cores() {
    return profile.cpuSeconds(profile.samples()) / seconds;
  }
}
