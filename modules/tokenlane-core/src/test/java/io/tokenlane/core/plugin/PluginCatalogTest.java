package io.tokenlane.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.SpiVersion;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginCatalogTest {

  @TempDir
  Path dir;

  private PluginCatalog load(Path plugins) {
    return PluginCatalog.load(PluginCatalogTest.class.getClassLoader(), plugins);
  }

  @Test
  void bundledPluginsAreFoundOnTheClasspath() {
    try (PluginCatalog catalog = load(null)) {
      assertEquals(PluginCatalog.CLASSPATH, catalog.plugin("scripted").orElseThrow().source());
      assertTrue(catalog.problems().isEmpty(), catalog.problems().toString());
    }
  }

  @Test
  void aJarInThePluginsDirectoryLoadsInItsOwnClassLoader() throws Exception {
    Path plugins = dir.resolve("plugins");
    java.nio.file.Files.createDirectories(plugins);
    PluginJars.factoryJar(dir, "hello.jar", "hello", "hello", SpiVersion.CURRENT, java.util.Map.of());
    java.nio.file.Files.move(dir.resolve("hello.jar"), plugins.resolve("hello.jar"));
    try (PluginCatalog catalog = load(plugins)) {
      LoadedPlugin hello = catalog.plugin("hello").orElseThrow();
      assertTrue(hello.source().endsWith("hello.jar"), hello.source());
      assertTrue(hello.factory().getClass().getClassLoader() instanceof PluginClassLoader);
      assertEquals("hi", hello.factory().configSchema().validate(null).config().getString("greeting"));
      assertTrue(catalog.problems().isEmpty(), catalog.problems().toString());
    }
  }

  @Test
  void aPluginBuiltForAnotherSpiMajorIsRefusedNamingPluginItsVersionAndOurs() throws Exception {
    Path plugins = java.nio.file.Files.createDirectories(dir.resolve("plugins"));
    PluginJars.factoryJar(plugins, "future.jar", "future", "future", "2.0", java.util.Map.of());
    try (PluginCatalog catalog = load(plugins)) {
      assertFalse(catalog.plugin("future").isPresent());
      String reason = catalog.refused().get("future");
      assertTrue(reason.contains("'future'") && reason.contains("SPI 2.0") && reason.contains("SPI " + SpiVersion.CURRENT),
        reason);
    }
  }

  @Test
  void aPluginBuiltForANewerMinorIsRefusedButAnOlderMinorLoads() {
    assertFalse(SpiVersion.isCompatible("1.9", "1.0"));
    assertTrue(SpiVersion.isCompatible("1.0", "1.3"));
    assertFalse(SpiVersion.isCompatible("0.9", "1.0"));
    assertFalse(SpiVersion.isCompatible("garbage", "1.0"));
  }

  @Test
  void twoPluginsWithTheSameIdStopStartupNamingBothSources() throws Exception {
    Path plugins = java.nio.file.Files.createDirectories(dir.resolve("plugins"));
    PluginJars.factoryJar(plugins, "a.jar", "a", "twin", SpiVersion.CURRENT, java.util.Map.of());
    PluginJars.factoryJar(plugins, "b.jar", "b", "twin", SpiVersion.CURRENT, java.util.Map.of());
    try (PluginCatalog catalog = load(plugins)) {
      assertEquals(1, catalog.problems().size(), catalog.problems().toString());
      String problem = catalog.problems().get(0);
      assertTrue(problem.contains("'twin'") && problem.contains("a.jar") && problem.contains("b.jar"), problem);
    }
  }

  @Test
  void aPluginThatReusesABundledIdIsAProblem() throws Exception {
    Path plugins = java.nio.file.Files.createDirectories(dir.resolve("plugins"));
    PluginJars.factoryJar(plugins, "impostor.jar", "impostor", "scripted", SpiVersion.CURRENT, java.util.Map.of());
    try (PluginCatalog catalog = load(plugins)) {
      assertTrue(catalog.problems().stream().anyMatch(p -> p.contains("classpath") && p.contains("impostor.jar")),
        catalog.problems().toString());
      assertEquals(PluginCatalog.CLASSPATH, catalog.plugin("scripted").orElseThrow().source());
    }
  }

  @Test
  void aJarWithoutAServiceEntryIsReported() throws Exception {
    Path plugins = java.nio.file.Files.createDirectories(dir.resolve("plugins"));
    PluginJars.emptyJar(plugins, "notaplugin.jar");
    try (PluginCatalog catalog = load(plugins)) {
      assertTrue(catalog.problems().stream().anyMatch(p -> p.contains("notaplugin.jar") && p.contains("META-INF/services")),
        catalog.problems().toString());
    }
  }

  @Test
  void aPluginsOwnClassesWinOverTheHostsButTheSpiComesFromTheHost() throws Exception {
    // The plugin bundles its own copy of a class the host also has: child-first gives it its own.
    String helper = """
      package test.shadow;
      public final class Helper {
        public String name() {
          return io.tokenlane.core.plugin.Shadowed.name() + "/" + io.tokenlane.spi.ProviderFactory.class.getClassLoader();
        }
      }
      """;
    String ownCopy = """
      package io.tokenlane.core.plugin;
      public final class Shadowed {
        public static String name() { return "plugin's own copy"; }
      }
      """;
    Path plugins = java.nio.file.Files.createDirectories(dir.resolve("plugins"));
    PluginJars.factoryJar(plugins, "shadow.jar", "shadow", "shadow", SpiVersion.CURRENT, java.util.Map.of(
      "test/shadow/Helper.java", helper, "io/tokenlane/core/plugin/Shadowed.java", ownCopy));
    try (PluginCatalog catalog = load(plugins)) {
      String description = catalog.plugin("shadow").orElseThrow().factory().description();
      assertEquals("host", Shadowed.name());
      assertTrue(description.startsWith("plugin's own copy/"), description);
      assertFalse(description.contains("plugin:"), "the SPI must come from the host: " + description);
    }
  }

  @Test
  void aMissingPluginsDirectoryMeansNoThirdPartyPlugins() {
    try (PluginCatalog catalog = load(dir.resolve("absent"))) {
      assertTrue(catalog.problems().isEmpty());
      assertTrue(catalog.plugin("scripted").isPresent());
    }
  }
}
