package io.countersign.ltw;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Member;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

/** Tells whether a class was woven, and whether its class file on disk was (it must not be: javac only). */
final class Weaving {

  private Weaving() {}

  /** Whether the class as loaded carries the members AspectJ adds when it weaves around advice. */
  static boolean isWoven(Class<?> type) {
    return Stream.concat(Stream.of(type.getDeclaredFields()), Stream.of(type.getDeclaredMethods()))
        .map(Member::getName)
        .anyMatch(name -> name.startsWith("ajc$") || name.contains("_aroundBody"));
  }

  /** Whether the class file as compiled (read from the class path, not as loaded) mentions AspectJ. */
  static boolean classFileMentionsAspectJ(Class<?> type) {
    String resource = type.getName().replace('.', '/') + ".class";
    try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("class file " + resource + " is not on the class path");
      }
      String bytes = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return bytes.contains("ajc$") || bytes.contains("org/aspectj");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
