package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.VerificationKey;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ManualTimeSource;
import io.countersign.internal.Hashing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps the worked example in {@code docs/AUDIT-FORMAT.md} true: the example chain is generated
 * here with a fixed key, and the document must contain it verbatim. If the format changes, the
 * expected text is written to {@code target/audit-format-example.md} to paste into the document.
 */
class AuditFormatDocTest {

  /** RFC 8032 section 7.1 TEST 1 private key, so readers can cross-check the public key. */
  static final String PRIVATE_KEY_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

  private static final Path DOC = Path.of("..", "docs", "AUDIT-FORMAT.md");

  static List<AuditEvent> exampleChain() {
    Ed25519Signer signer = Ed25519Signer.of("example-key", Hashing.unhex(PRIVATE_KEY_HEX, "private key"));
    InMemoryAuditSink sink = new InMemoryAuditSink();
    Iterator<String> ids = List.of("3f2c9a4e-5b1d-4c7e-9a0f-1d2e3f4a5b6c", "8b7a6c5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d",
        "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f").iterator();
    ManualTimeSource clock = new ManualTimeSource(Instant.parse("2025-03-01T09:05:00Z"));
    AuditTrail trail = AuditTrail.builder().sink(sink).signer(signer).idSource(ids::next).timeSource(clock).build();
    trail.record(AuditEvent.builder(EventType.REQUESTED)
        .time(Instant.parse("2025-03-01T09:00:00Z"))
        .requestId("req-7f3a")
        .field("action", "com.example.Payments#refund")
        .field("actor", Map.of("id", "agent:refund-bot", "kind", "AGENT"))
        .field("amountMinor", 125000)
        .field("justification", "caf\u00e9 order #881 charged twice\nsee ticket")).join();
    trail.record(AuditEvent.builder(EventType.DECIDED)
        .time(Instant.parse("2025-03-01T09:04:30.250Z"))
        .requestId("req-7f3a")
        .field("outcome", "APPROVED")
        .field("approvers", List.of("alice"))).join();
    trail.close(); // the closing checkpoint: without it the log would verify as OPEN, not INTACT
    return sink.events();
  }

  static String exampleMarkdown() {
    Ed25519Signer signer = Ed25519Signer.of("example-key", Hashing.unhex(PRIVATE_KEY_HEX, "private key"));
    List<AuditEvent> events = exampleChain();
    StringBuilder md = new StringBuilder();
    md.append("Key id: `example-key`\n\n");
    md.append("Private key (32-byte seed, hex; RFC 8032 section 7.1 TEST 1 — never use it for real):\n\n");
    md.append("```\n").append(PRIVATE_KEY_HEX).append("\n```\n\n");
    md.append("Public key (32 bytes, hex):\n\n");
    md.append("```\n").append(Hashing.hex(signer.verificationKey().publicKey())).append("\n```\n\n");
    md.append("Public key (PEM):\n\n");
    md.append("```\n").append(signer.verificationKey().toPem()).append("```\n\n");
    md.append("The log file (three lines, each followed by `\\n`):\n\n");
    md.append("```\n");
    for (AuditEvent event : events) {
      md.append(event.toJson()).append('\n');
    }
    md.append("```\n\n");
    for (AuditEvent event : events) {
      md.append("#### Event ").append(event.seq()).append("\n\n");
      md.append("Hashed content (the event without `hash` and `signature`, canonical):\n\n");
      md.append("```\n").append(event.hashedContent()).append("\n```\n\n");
      md.append("Hash input: the 64 ASCII characters of `prevHash` (`").append(event.prevHash())
          .append("`) followed by the UTF-8 bytes above (")
          .append(event.hashedContent().getBytes(StandardCharsets.UTF_8).length).append(" bytes).\n\n");
      md.append("`hash` = SHA-256 of the hash input = `").append(event.hash()).append("`\n\n");
      md.append("`signature` = Base64(Ed25519-sign(private key, the 32 bytes of `hash` decoded from hex)) =\n`")
          .append(event.signature()).append("`\n\n");
    }
    return md.toString();
  }

  @Test
  void exampleChainVerifies() {
    Ed25519Signer signer = Ed25519Signer.of("example-key", Hashing.unhex(PRIVATE_KEY_HEX, "private key"));

    VerificationResult result = AuditVerifier.verify(exampleChain(), signer.verificationKey());

    assertThat(result.status()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(result.summary()).isEqualTo("audit trail verified: 3 events, chain intact, 3 Ed25519 signatures valid (keys: "
        + "example-key); closed at seq 3");
  }

  /** The log lines and the PEM exactly as the document prints them, read back from the document. */
  @Test
  void theDocumentsOwnExampleBytesVerifyIntactWithTheDocumentsPublicKey() throws IOException {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    String example = doc.substring(doc.indexOf("## 10. Worked example"), doc.indexOf("## 11."));
    List<String> blocks = List.of(example.split("```\n"));
    String pem = blocks.stream().filter(b -> b.startsWith("-----BEGIN PUBLIC KEY-----")).findFirst().orElseThrow();
    String log = blocks.stream().filter(b -> b.startsWith("{\"action\"")).findFirst().orElseThrow();
    Path file = Files.createTempFile("worked-example", ".jsonl");
    try {
      Files.writeString(file, log, StandardCharsets.UTF_8);
      VerificationResult result = AuditVerifier.builder().key(VerificationKey.fromPem("example-key", pem)).build().verifyLog(file);

      assertThat(result.status()).as(result.summary()).isEqualTo(VerificationResult.Status.INTACT);
      assertThat(result.eventsChecked()).isEqualTo(3);
      byte[] bytes = Files.readAllBytes(file);
      bytes[bytes.length / 2] ^= 1; // and any single-byte change breaks it
      Files.write(file, bytes);
      assertThat(AuditVerifier.builder().key(VerificationKey.fromPem("example-key", pem)).build().verifyLog(file).ok()).isFalse();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void auditFormatDocumentContainsTheGeneratedWorkedExampleVerbatim() throws IOException {
    String expected = exampleMarkdown();
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);

    if (!doc.contains(expected)) {
      Path out = Path.of("target", "audit-format-example.md");
      Files.createDirectories(out.getParent());
      Files.writeString(out, expected, StandardCharsets.UTF_8);
    }
    assertThat(doc.contains(expected))
        .as("docs/AUDIT-FORMAT.md must contain the worked example exactly as generated; see target/audit-format-example.md")
        .isTrue();
  }
}
