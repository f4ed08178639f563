package io.countersign;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The public surface is declared, not hoped for: nothing public in an API or SPI package exposes an
 * {@code internal} type, no module reaches into another module's internals, and core's packages
 * do not depend on each other in a cycle.
 */
class ArchitectureTest {

  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    // core's own classes only (the build's output directory), not every io.countersign class on the class path
    core = new ClassFileImporter().importPath(Path.of("target/classes"));
    assertThat(core.contain(ApprovalGate.class)).as("core classes imported from target/classes").isTrue();
  }

  @Test
  void noPublicSignatureOfAnApiOrSpiPackageExposesAnInternalType() {
    classes().that().resideOutsideOfPackage("..internal..").and().arePublic()
        .should(new ArchCondition<JavaClass>("expose no type of an internal package in a public signature") {
          @Override
          public void check(JavaClass type, ConditionEvents events) {
            List<String> leaks = new ArrayList<>();
            type.getRawSuperclass().ifPresent(s -> leak(leaks, "extends", s.toErasure()));
            type.getInterfaces().forEach(i -> leak(leaks, "implements", i.toErasure()));
            for (JavaCodeUnit unit : type.getCodeUnits()) {
              if (!isVisible(unit.getModifiers())) {
                continue;
              }
              for (JavaType t : unit.getParameterTypes()) {
                t.getAllInvolvedRawTypes().forEach(r -> leak(leaks, unit.getFullName() + " parameter", r));
              }
              unit.getReturnType().getAllInvolvedRawTypes().forEach(r -> leak(leaks, unit.getFullName() + " returns", r));
              unit.getThrowsClause().getTypes().forEach(r -> leak(leaks, unit.getFullName() + " throws", r));
            }
            for (JavaField field : type.getFields()) {
              if (isVisible(field.getModifiers())) {
                field.getType().getAllInvolvedRawTypes().forEach(r -> leak(leaks, field.getFullName(), r));
              }
            }
            leaks.forEach(l -> events.add(SimpleConditionEvent.violated(type, type.getName() + ": " + l)));
          }
        })
        .check(core);
  }

  @Test
  @Disabled("enabled by the lead after the Core v2 merge: cycles left: "
      + "audit <-> internal, audit <-> spi, internal <-> policy, policy <-> spi (and longer ones through them)")
  void corePackagesAreFreeOfCycles() {
    slices().matching("io.countersign.(*)..").should().beFreeOfCycles().check(core);
  }

  /**
   * The one known exception, listed so that it cannot grow unnoticed: approvals-audit is the other
   * half of the audit format and still hashes and writes canonical JSON with core's internal
   * {@code Hashing} and {@code CanonicalJson}; it goes away when the single canonical writer
   * (issue 16, part 2) gets its public home in core.
   */
  private static boolean allowedInternal(Path module, String reference) {
    return module.getFileName().toString().equals("approvals-audit")
        && (reference.startsWith("io.countersign.internal.H") || reference.startsWith("io.countersign.internal.C"));
  }

  @Test
  void noModuleImportsAnotherModulesInternalPackages() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    assertThat(root.resolve("pom.xml")).as("the reactor root above " + Path.of("").toAbsolutePath()).exists();
    Pattern reference = Pattern.compile("\\b(io\\.countersign(?:\\.[a-z0-9_]+)*\\.internal)(?:\\.[a-z0-9_]+)*\\.[A-Z*]");
    Pattern packageLine = Pattern.compile("(?m)^package\\s+([\\w.]+)\\s*;");
    List<String> violations = new ArrayList<>();
    int modules = 0;
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path module : dirs.filter(d -> Files.isRegularFile(d.resolve("pom.xml"))).sorted().toList()) {
        Path sources = module.resolve("src/main/java");
        if (!Files.isDirectory(sources)) {
          continue;
        }
        modules++;
        List<Path> files = javaFiles(sources);
        Set<String> ownPackages = new TreeSet<>();
        for (Path f : files) {
          Matcher m = packageLine.matcher(read(f));
          if (m.find()) {
            ownPackages.add(m.group(1));
          }
        }
        for (Path f : files) {
          Matcher m = reference.matcher(read(f));
          while (m.find()) {
            if (!ownPackages.contains(m.group(1)) && !allowedInternal(module, m.group())) {
              violations.add(root.relativize(f) + " uses " + m.group() + " (an internal package of another module)");
            }
          }
        }
      }
    }
    assertThat(modules).as("modules with sources under " + root).isGreaterThan(5);
    assertThat(violations).isEmpty();
  }

  private static boolean isVisible(Set<JavaModifier> modifiers) {
    return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
  }

  private static void leak(List<String> leaks, String where, JavaClass type) {
    if (type.getPackageName().contains(".internal") && type.getPackageName().startsWith("io.countersign")) {
      leaks.add(where + " " + type.getName());
    }
  }

  private static List<Path> javaFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
