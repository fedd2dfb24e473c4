package io.tokenlane.spi;

/**
 * The version of this SPI, and the rule that decides whether a plugin built for another version may load.
 *
 * <p>A plugin returns {@link #CURRENT} from {@link ProviderFactory#spiVersion()}. Because {@code CURRENT} is a
 * compile-time constant, {@code javac} copies its value into the plugin's class file: the plugin reports the
 * version it was compiled against, not the version of the gateway that loads it.
 *
 * <p>Compatibility: the major versions must be equal and the plugin's minor version must not be newer than
 * the gateway's (a plugin built for 1.0 runs on a 1.3 gateway; a plugin built for 1.3 does not run on 1.0,
 * nor one built for 2.0 on any 1.x).
 *
 * <p>1.1 added {@link StreamSink#chunk} with {@link OpenAiChunk}, {@link ProviderFactory#threadingModel()} and
 * {@link ChatRequest#adopt}/{@link ChatRequest#toBuffer}; plugins built for 1.0 load unchanged. 1.2 added
 * {@link StreamSink#reasoning} (and {@link OpenAiChunk#reasoning()}), {@link SseParser}, {@link Watchdog},
 * {@link ProviderError#OVERLOADED}, {@link ProviderError#retryAfterMs}, {@link Usage#estimated} and
 * {@link ProviderError#isRetryable()}; plugins built for 1.0 and 1.1 load unchanged. 1.3 added
 * {@link SseParser#feedOwned}; plugins built for 1.0 to 1.2 load unchanged. 1.4 added {@link UpstreamHttp};
 * plugins built for 1.0 to 1.3 load unchanged.
 *
 * @since 1.0
 */
public final class SpiVersion {

  /** The SPI version of this jar, {@code major.minor}. */
  public static final String CURRENT = "1.4";

  private SpiVersion() {
  }

  /**
   * Tells whether a plugin built for {@code pluginVersion} can run on a gateway that speaks {@code hostVersion}.
   *
   * @param pluginVersion the version the plugin reports, {@code major.minor}
   * @param hostVersion the gateway's version, {@code major.minor}
   * @return {@code true} when the plugin may load
   */
  public static boolean isCompatible(String pluginVersion, String hostVersion) {
    int[] plugin = parse(pluginVersion);
    int[] host = parse(hostVersion);
    return plugin != null && host != null && plugin[0] == host[0] && plugin[1] <= host[1];
  }

  /**
   * Parses {@code major.minor} (a trailing {@code .patch} is ignored).
   *
   * @param version the text to parse
   * @return {@code [major, minor]}, or {@code null} when the text is not a version
   */
  public static int[] parse(String version) {
    if (version == null) {
      return null;
    }
    String[] parts = version.trim().split("\\.");
    if (parts.length < 2) {
      return null;
    }
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = Integer.parseInt(parts[1]);
      return major < 0 || minor < 0 ? null : new int[] {major, minor};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
