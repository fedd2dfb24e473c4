package io.tokenlane.core.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * Loads one plugin jar child-first, so that the libraries a plugin bundles cannot clash with the gateway's,
 * while the SPI and the types it exposes (Vert.x, Netty, Jackson) always come from the host: a plugin that
 * bundled its own copy would otherwise see a different {@code ProviderFactory} class and fail to load.
 */
final class PluginClassLoader extends URLClassLoader {

  private static final String[] HOST_FIRST = {
    "java.", "javax.", "jdk.", "sun.", "com.sun.", "org.w3c.", "org.xml.", "org.ietf.", "io.tokenlane.spi.", "io.vertx.", "io.netty.", "com.fasterxml.jackson."
  };
  private static final String SERVICES = "META-INF/services/io.tokenlane.spi.";

  static {
    ClassLoader.registerAsParallelCapable();
  }

  PluginClassLoader(String name, URL jar, ClassLoader host) {
    super(name, new URL[] {jar}, host);
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (isHostFirst(name)) {
      return super.loadClass(name, resolve);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> loaded = findLoadedClass(name);
      if (loaded == null) {
        try {
          loaded = findClass(name);
        } catch (ClassNotFoundException e) {
          return super.loadClass(name, resolve);
        }
      }
      if (resolve) {
        resolveClass(loaded);
      }
      return loaded;
    }
  }

  @Override
  public URL getResource(String name) {
    URL own = findResource(name);
    return own != null ? own : super.getResource(name);
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    // The jar's own service entries only: the host's would make ServiceLoader find the bundled plugins again.
    if (name.startsWith(SERVICES)) {
      return findResources(name);
    }
    List<URL> urls = new ArrayList<>(Collections.list(findResources(name)));
    urls.addAll(Collections.list(getParent().getResources(name)));
    return Collections.enumeration(urls);
  }

  private static boolean isHostFirst(String className) {
    for (String prefix : HOST_FIRST) {
      if (className.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
