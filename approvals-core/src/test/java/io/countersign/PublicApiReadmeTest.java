package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Holds the README's "Public API" section against the code: for each package it lists (with its
 * module), the backticked type names are exactly the package's public top-level types; and every
 * non-internal package with a public type in a listed module is listed.
 */
class PublicApiReadmeTest {

  private static final Pattern BULLET = Pattern.compile("(?m)^- \\*\\*`([\\w.]+)`\\*\\* \\(`([\\w-]+)`\\) — ((?:.|\\n(?!- |\\n))*)");
  private static final Pattern TYPE = Pattern.compile("`([A-Z]\\w*)`");
  private static final Pattern PUBLIC_TYPE = Pattern.compile(
      "(?m)^public (?:final |abstract |sealed |non-sealed )*(?:class|interface|record|enum|@interface) (\\w+)");

  @Test
  void readmePublicApiSectionNamesExactlyThePublicTypesOfEachListedPackage() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    String readme = Files.readString(root.resolve("README.md"));
    String section = readme.substring(readme.indexOf("## Public API"), readme.indexOf("\n## ", readme.indexOf("## Public API") + 1));
    Map<String, Set<String>> listed = new TreeMap<>();
    Set<String> modules = new TreeSet<>();
    Matcher bullet = BULLET.matcher(section);
    while (bullet.find()) {
      Set<String> types = new TreeSet<>();
      Matcher t = TYPE.matcher(bullet.group(3));
      while (t.find()) {
        types.add(t.group(1));
      }
      listed.put(bullet.group(2) + " " + bullet.group(1), types);
      modules.add(bullet.group(2));
    }
    assertThat(modules).as("modules listed in README's Public API").contains("approvals-core", "approvals-aspectj", "approvals-http");

    Map<String, Set<String>> actual = new TreeMap<>();
    for (String module : modules) {
      Path sources = root.resolve(module).resolve("src/main/java");
      assertThat(sources).as("sources of " + module).isDirectory();
      try (Stream<Path> files = Files.walk(sources)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String pkg = sources.relativize(f.getParent()).toString().replace(f.getFileSystem().getSeparator(), ".");
          if (pkg.contains("internal")) {
            continue;
          }
          Matcher m = PUBLIC_TYPE.matcher(Files.readString(f));
          if (m.find()) {
            actual.computeIfAbsent(module + " " + pkg, k -> new TreeSet<>()).add(m.group(1));
          }
        }
      }
    }
    assertThat(listed).isEqualTo(actual);
  }
}
