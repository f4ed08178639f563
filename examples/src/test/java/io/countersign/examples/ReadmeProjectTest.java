package io.countersign.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps README.md and readme-project/ (the newcomer's project the build runs through the invoker) the
 * same: every README block marked {@code <!-- readme-project: file#name -->} must be the region
 * {@code readme-snippet: name ... end-readme-snippet} of that file, verbatim; and the BOM lists
 * every published module.
 */
class ReadmeProjectTest {

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path PROJECT = ROOT.resolve("examples/readme-project");
  private static final Pattern MARKED_BLOCK = Pattern.compile(
      "<!-- readme-project: ([^#\\s]+)#([\\w-]+) -->\\s*\\n```\\w*\\n(.*?)\\n```", Pattern.DOTALL);
  private static final Pattern REGION_START = Pattern.compile("(?://|<!--) readme-snippet: ([\\w-]+)(?: -->)?");
  private static final Pattern REGION_END = Pattern.compile("(?://|<!--) end-readme-snippet(?: -->)?");

  @Test
  void everyMarkedReadmeBlockIsVerbatimTheReadmeProjectsCode() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    Matcher m = MARKED_BLOCK.matcher(readme);
    List<String> checked = new ArrayList<>();
    while (m.find()) {
      assertThat(m.group(3)).as("README block readme-project: %s#%s", m.group(1), m.group(2))
          .isEqualTo(region(PROJECT.resolve(m.group(1)), m.group(2)));
      checked.add(m.group(1) + "#" + m.group(2));
    }
    assertThat(checked).containsExactlyInAnyOrder("pom.xml#properties", "pom.xml#bom", "pom.xml#dependencies",
        "pom.xml#plugins", "src/main/java/com/example/Ops.java#ops", "src/main/java/com/example/App.java#install",
        "src/test/java/com/example/OpsTest.java#test-kit", "src/test/java/com/example/GateByHandTest.java#by-hand");
  }

  @Test
  void theReadmeProjectImportsTheBomOfThisVersion() throws IOException {
    String bom = region(PROJECT.resolve("pom.xml"), "bom");
    assertThat(bom).containsPattern("<artifactId>countersign-bom</artifactId>\\s*<version>" + Pattern.quote(projectVersion()) + "</version>");
  }

  @Test
  void theBomListsEveryPublishedModuleAndNothingElse() throws IOException {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    List<String> published = new ArrayList<>();
    Matcher modules = Pattern.compile("<module>([\\w-]+)</module>").matcher(parent);
    while (modules.find()) {
      String module = modules.group(1);
      String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
      if (!module.equals("countersign-bom") && !pom.contains("<maven.deploy.skip>true</maven.deploy.skip>")) {
        published.add(module);
      }
    }
    String bom = Files.readString(ROOT.resolve("countersign-bom/pom.xml"));
    List<String> managed = new ArrayList<>();
    Matcher artifacts = Pattern.compile("<artifactId>(approvals-[\\w-]+)</artifactId>").matcher(bom);
    while (artifacts.find()) {
      managed.add(artifacts.group(1));
    }
    assertThat(managed).as("io.countersign artifacts managed by countersign-bom/pom.xml").containsExactlyInAnyOrderElementsOf(published);
  }

  private static String projectVersion() throws IOException {
    Matcher m = Pattern.compile("<artifactId>countersign-parent</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(ROOT.resolve("pom.xml")));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  /** The lines between the region markers, with their common indentation removed. */
  private static String region(Path file, String name) throws IOException {
    List<String> lines = Files.readAllLines(file);
    int start = -1;
    int end = -1;
    for (int i = 0; i < lines.size() && end < 0; i++) {
      String line = lines.get(i).trim();
      Matcher s = REGION_START.matcher(line);
      if (s.matches() && s.group(1).equals(name)) {
        start = i + 1;
      } else if (start >= 0 && REGION_END.matcher(line).matches()) {
        end = i;
      }
    }
    assertThat(start).as("start of region %s in %s", name, file).isPositive();
    assertThat(end).as("end of region %s in %s", name, file).isGreaterThan(start);
    List<String> region = lines.subList(start, end);
    int indent = region.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    try (Stream<String> stripped = region.stream().map(l -> l.isBlank() ? "" : l.substring(indent))) {
      return String.join("\n", stripped.toList());
    }
  }
}
