package io.countersign.audit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.VerificationKey;
import io.countersign.audit.log.VerificationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every test vector in {@code docs/audit-test-vectors/} through {@link AuditVerifier} and
 * through {@code countersign verify --json}, exactly as the vectors' README tells any other
 * implementation to, and checks that the committed vectors are what {@link AuditTestVectors}
 * generates (run with {@code -Dcountersign.vectors.regenerate=true} to rewrite them).
 */
class AuditTestVectorsTest {

  private static final Path VECTORS = Path.of("..", "docs", "audit-test-vectors");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> everyVectorGivesItsExpectedResultInTheLibraryAndTheCli() throws IOException {
    List<Path> dirs;
    try (Stream<Path> list = Files.list(VECTORS)) {
      dirs = list.filter(Files::isDirectory).sorted().toList();
    }
    assertThat(dirs).hasSizeGreaterThanOrEqualTo(40);
    return dirs.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
  }

  private static void check(Path dir) throws IOException {
    JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
    Path log = dir.resolve(expected.get("log").textValue());

    AuditVerifier.Builder verifier = AuditVerifier.builder().threads(1);
    List<String> args = new ArrayList<>(List.of("verify", "--json"));
    for (JsonNode key : expected.get("keys")) {
      String id = key.get("keyId").textValue();
      Path pem = dir.resolve(key.get("pem").textValue());
      verifier.key(VerificationKey.fromPem(id, Files.readString(pem, StandardCharsets.US_ASCII)));
      args.add("--key");
      args.add(id + "=" + pem);
    }
    if (expected.get("keys").isEmpty()) {
      args.add("--chain-only");
    }
    if (expected.path("expectClosed").asBoolean()) {
      verifier.expectClosed();
      args.add("--expect-closed");
    }
    if (expected.has("expectHead")) {
      verifier.expectHead(Long.parseLong(expected.get("expectHead").textValue()), null);
      args.add("--expect-head");
      args.add(expected.get("expectHead").textValue());
    }
    args.add(log.toString());

    VerificationResult result = verifier.build().verifyLog(log);
    String description = dir.getFileName() + ": " + result.summary();
    assertThat(result.status().name()).as(description).isEqualTo(expected.get("status").textValue());
    assertThat(result.code() == null ? null : result.code().name()).as(description)
        .isEqualTo(expected.has("code") ? expected.get("code").textValue() : null);
    if (expected.has("firstBadSeq")) {
      assertThat(result.firstBadSeq()).as(description).hasValue(expected.get("firstBadSeq").longValue());
    } else {
      assertThat(result.firstBadSeq()).as(description).isEmpty();
    }
    if (expected.has("noteContains")) {
      assertThat(result.notes()).as(description).anyMatch(n -> n.contains(expected.get("noteContains").textValue()));
    }

    CountersignCliTest.Run run = CountersignCliTest.cli(args.toArray(String[]::new));
    JsonNode out = JSON.readTree(run.out());
    assertThat(out.get("status").textValue()).as(description).isEqualTo(expected.get("status").textValue());
    assertThat(out.path("code").textValue()).as(description).isEqualTo(expected.path("code").textValue());
    assertThat(out.path("firstBadSeq").isMissingNode() ? null : out.get("firstBadSeq").longValue()).as(description)
        .isEqualTo(expected.has("firstBadSeq") ? expected.get("firstBadSeq").longValue() : null);
    boolean fails = expected.get("status").textValue().equals("TAMPERED") || expected.get("status").textValue().equals("UNSIGNED_TAIL");
    assertThat(run.exit()).as(description).isEqualTo(fails ? CountersignCli.TAMPERED : CountersignCli.INTACT);
  }

  @Test
  void theCommittedVectorsAreTheGeneratedOnes(@TempDir Path tmp) throws IOException {
    if (Boolean.getBoolean("countersign.vectors.regenerate")) {
      AuditTestVectors.write(VECTORS);
    }
    AuditTestVectors.write(tmp);
    assertThat(contents(VECTORS)).as("docs/audit-test-vectors differs from what AuditTestVectors generates; regenerate them "
        + "with -Dcountersign.vectors.regenerate=true").isEqualTo(contents(tmp));
  }

  /** Relative path to content of every file under {@code root} except the README. */
  private static Map<String, String> contents(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        String name = root.relativize(p).toString().replace('\\', '/');
        if (!name.equals("README.md")) {
          files.put(name, Files.readString(p, StandardCharsets.ISO_8859_1));
        }
      }
    }
    return files;
  }
}
