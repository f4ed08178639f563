package io.countersign.policy.cel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Compiles a guarded class the way many builds do, without {@code -parameters}, so that reflection
 * only knows {@code arg0, arg1, ...}: the situation of scenario S49 (this project compiles with it).
 */
final class CompiledWithoutParameters {

  private CompiledWithoutParameters() {}

  /** Compiles {@code source} (class {@code pkg.Name}) into {@code dir} without -parameters and loads it. */
  static Class<?> compile(Path dir, String className, String source) {
    try {
      Path src = dir.resolve("src").resolve(className.replace('.', '/') + ".java");
      Files.createDirectories(src.getParent());
      Files.writeString(src, source);
      Path out = Files.createDirectories(dir.resolve("classes"));
      JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
      int rc = javac.run(null, null, null, List.of("--release", "17", "-proc:none", "-cp", System.getProperty("java.class.path"),
          "-d", out.toString(), src.toString()).toArray(String[]::new));
      if (rc != 0) {
        throw new IllegalStateException("javac failed with " + rc + " for " + className);
      }
      URLClassLoader loader = new URLClassLoader(new java.net.URL[] {out.toUri().toURL()}, CompiledWithoutParameters.class.getClassLoader());
      return loader.loadClass(className);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
