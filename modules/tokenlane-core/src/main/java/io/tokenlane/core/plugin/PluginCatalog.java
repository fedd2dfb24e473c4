package io.tokenlane.core.plugin;

import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.SpiVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The provider plugins this gateway can use: the bundled ones found on the classpath and the third-party jars of
 * the plugins directory, each jar in its own class loader.
 *
 * <p>Discovery never throws: what cannot load is reported. A plugin built for an incompatible SPI version is
 * refused (kept out, with the reason, so a provider configured with it fails with that reason); two plugins
 * with the same id are a fatal problem, since picking one by file order or date would be a silent guess.
 * Called once at startup, from the starting thread (it reads the file system).
 */
public final class PluginCatalog implements AutoCloseable {

  /** The classpath source name. */
  public static final String CLASSPATH = "classpath";

  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]*");
  private static final System.Logger LOG = System.getLogger(PluginCatalog.class.getName());

  private final Map<String, LoadedPlugin> plugins = new LinkedHashMap<>();
  private final Map<String, String> refused = new LinkedHashMap<>();
  private final Map<String, String> refusedSources = new LinkedHashMap<>();
  private final List<String> problems = new ArrayList<>();
  private final List<PluginClassLoader> loaders = new ArrayList<>();

  private PluginCatalog() {
  }

  /**
   * Discovers plugins.
   *
   * @param host the class loader of the gateway (bundled plugins and the SPI)
   * @param directory the plugins directory; {@code null} or a missing directory means no third-party plugins
   * @return the catalog, with its problems
   */
  public static PluginCatalog load(ClassLoader host, Path directory) {
    PluginCatalog catalog = new PluginCatalog();
    catalog.discover(ServiceLoader.load(ProviderFactory.class, host), CLASSPATH, null);
    if (directory != null && Files.isDirectory(directory)) {
      for (Path jar : jars(directory)) {
        catalog.loadJar(jar, host);
      }
    } else if (directory != null && Files.exists(directory)) {
      catalog.problems.add("plugins.directory: " + directory + " is not a directory");
    }
    return catalog;
  }

  private static List<Path> jars(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(file -> file.getFileName().toString().endsWith(".jar")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list plugins directory " + directory, e);
    }
  }

  private void loadJar(Path jar, ClassLoader host) {
    PluginClassLoader loader;
    try {
      loader = new PluginClassLoader("plugin:" + jar.getFileName(), jar.toUri().toURL(), host);
    } catch (MalformedURLException e) {
      problems.add(jar + ": " + e.getMessage());
      return;
    }
    loaders.add(loader);
    int found = discover(ServiceLoader.load(ProviderFactory.class, loader), jar.toString(), loader);
    if (found == 0) {
      problems.add(jar + ": no provider plugin in it (a plugin jar lists its factory in "
        + "META-INF/services/io.tokenlane.spi.ProviderFactory)");
    }
  }

  /** Registers what a service loader finds; returns how many factories it tried, loadable or not. */
  private int discover(ServiceLoader<ProviderFactory> services, String source, ClassLoader own) {
    Iterator<ProviderFactory> iterator = services.iterator();
    int found = 0;
    while (true) {
      try {
        if (!iterator.hasNext()) {
          return found;
        }
        found++;
        ProviderFactory factory = iterator.next();
        if (own == null || factory.getClass().getClassLoader() == own) {
          register(factory, source);
        }
      } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
        problems.add(source + ": cannot load a provider plugin: " + e);
        if (e instanceof LinkageError) {
          return found;
        }
      }
    }
  }

  private void register(ProviderFactory factory, String source) {
    String id = factory.id();
    String version = factory.spiVersion();
    if (id == null || !ID.matcher(id).matches()) {
      problems.add(source + ": plugin " + factory.getClass().getName() + " has an invalid id '" + id
        + "' (lower-case letters, digits and dashes)");
      return;
    }
    String existing = plugins.containsKey(id) ? plugins.get(id).source() : refusedSources.get(id);
    if (existing != null) {
      problems.add("plugin id '" + id + "' is provided twice: by " + existing + " and by " + source
        + "; remove one of them");
      return;
    }
    if (!SpiVersion.isCompatible(version, SpiVersion.CURRENT)) {
      String reason = "plugin '" + id + "' (" + source + ") was built for SPI " + version + ", this gateway speaks SPI "
        + SpiVersion.CURRENT + ": rebuild it against tokenlane-spi " + majorOf(SpiVersion.CURRENT) + ".x";
      refused.put(id, reason);
      refusedSources.put(id, source);
      LOG.log(System.Logger.Level.WARNING, "refused " + reason);
      return;
    }
    plugins.put(id, new LoadedPlugin(factory, source));
  }

  private static String majorOf(String version) {
    int[] parsed = SpiVersion.parse(version);
    return parsed == null ? version : Integer.toString(parsed[0]);
  }

  /**
   * A loaded plugin by id.
   *
   * @param id the plugin id
   * @return the plugin, if it loaded
   */
  public Optional<LoadedPlugin> plugin(String id) {
    return Optional.ofNullable(plugins.get(id));
  }

  /** @return the loaded plugins by id, in discovery order */
  public Map<String, LoadedPlugin> plugins() {
    return Collections.unmodifiableMap(plugins);
  }

  /** @return the refused plugins by id, with the reason */
  public Map<String, String> refused() {
    return Collections.unmodifiableMap(refused);
  }

  /** @return problems that must stop startup (broken jars, duplicate ids) */
  public List<String> problems() {
    return Collections.unmodifiableList(problems);
  }

  /**
   * Closes the class loaders of third-party plugins. Call after their verticles are undeployed.
   */
  @Override
  public void close() {
    for (PluginClassLoader loader : loaders) {
      try {
        loader.close();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.DEBUG, "closing " + loader.getName(), e);
      }
    }
  }
}
