package io.tokenlane.core.plugin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds real plugin jars for tests: compiles a factory with javac against the test classpath and packs it with
 * its {@code META-INF/services} entry, the way a third party's build would.
 */
final class PluginJars {

  private PluginJars() {
  }

  /**
   * A jar with one factory class {@code test.<pkg>.Factory}.
   *
   * @param dir where to write the jar
   * @param jarName the file name
   * @param pkg the package of the factory, also used to tell jars apart
   * @param id the plugin id
   * @param spiVersion the version the factory reports
   * @param extraSources more classes to compile into the jar (path under the source root to source), with a
   *     {@code test.<pkg>.Helper} whose {@code name()} becomes the factory's description; empty for none
   * @return the jar
   */
  static Path factoryJar(Path dir, String jarName, String pkg, String id, String spiVersion,
                         java.util.Map<String, String> extraSources)
    throws IOException {
    String factory = """
      package test.%s;
      import io.tokenlane.spi.*;
      public final class Factory implements ProviderFactory {
        public String id() { return "%s"; }
        public String spiVersion() { return "%s"; }
        public ConfigSchema configSchema() { return ConfigSchema.of(ConfigField.string("greeting").defaultValue("hi")); }
        public String description() { return %s; }
        public ProviderVerticle create(ProviderContext context) { throw new UnsupportedOperationException(); }
      }
      """.formatted(pkg, id, spiVersion, extraSources.isEmpty() ? "\"plain\"" : "new test." + pkg + ".Helper().name()");
    Path src = Files.createTempDirectory(dir, "src");
    Path classes = Files.createTempDirectory(dir, "classes");
    Path pkgDir = Files.createDirectories(src.resolve("test").resolve(pkg));
    Files.writeString(pkgDir.resolve("Factory.java"), factory);
    for (java.util.Map.Entry<String, String> extra : extraSources.entrySet()) {
      Path file = src.resolve(extra.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, extra.getValue());
    }
    compile(src, classes);
    Path jar = dir.resolve(jarName);
    write(jar, classes, "test." + pkg + ".Factory");
    return jar;
  }

  /**
   * A jar with no service entry.
   *
   * @param dir where to write the jar
   * @param jarName the file name
   * @return the jar
   */
  static Path emptyJar(Path dir, String jarName) throws IOException {
    Path jar = dir.resolve(jarName);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("readme.txt"));
      out.write("not a plugin".getBytes(StandardCharsets.UTF_8));
    }
    return jar;
  }

  private static void compile(Path src, Path classes) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> args = new java.util.ArrayList<>(List.of("-d", classes.toString(), "-classpath",
      System.getProperty("java.class.path"), "-proc:none"));
    try (Stream<Path> files = Files.walk(src)) {
      files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
    }
    int code = javac.run(null, null, null, args.toArray(String[]::new));
    if (code != 0) {
      throw new IllegalStateException("javac failed with " + code);
    }
  }

  private static void write(Path jar, Path classes, String factoryClass) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
         Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
        Files.copy(file, out);
      }
      out.putNextEntry(new JarEntry("META-INF/services/io.tokenlane.spi.ProviderFactory"));
      OutputStream entry = out;
      entry.write((factoryClass + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }
}
