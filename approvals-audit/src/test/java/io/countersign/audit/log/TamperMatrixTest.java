package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;

import static io.countersign.audit.AuditChains.key;
import static io.countersign.audit.log.LogDirs.readLog;
import static io.countersign.audit.AuditChains.rebuild;
import static io.countersign.audit.AuditChains.sampleEvent;
import static io.countersign.audit.log.LogDirs.writeLog;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.internal.CanonicalJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every way of tampering with a log on disk that the threat model names, each detected with the
 * right first bad seq, line and reason, in checkpoint mode (a signed checkpoint every 5 events:
 * checkpoints at seq 6, 12, 18, 24, closing checkpoint at 25) and in per-event mode (20 signed
 * events, closing checkpoint at 21).
 */
class TamperMatrixTest {

  private static final Ed25519Signer K1 = key("k1");

  @TempDir
  static Path logs;

  @TempDir
  Path tmp;

  private static List<String> checkpointLog;
  private static List<String> perEventLog;

  @BeforeAll
  static void writeLogs() throws IOException {
    checkpointLog = writeWithFileSink(logs.resolve("cp"), b -> b.signer(K1).checkpointEvery(5, null));
    perEventLog = writeWithFileSink(logs.resolve("pe"), b -> b.signer(K1));
  }

  private static List<String> writeWithFileSink(Path dir, UnaryOperator<AuditTrail.Builder> settings) throws IOException {
    AtomicLong ids = new AtomicLong();
    try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = settings.apply(AuditTrail.builder().sink(sink))
        .idSource(() -> "evt-" + ids.incrementAndGet()).build()) {
      for (int i = 1; i <= 20; i++) {
        trail.record(sampleEvent(i)).join();
      }
    }
    return readLog(dir);
  }

  /** The verifier under test; {@link TamperMatrixParallelTest} runs every case on several threads. */
  AuditVerifier.Builder verifier() {
    return AuditVerifier.builder().threads(1);
  }

  private VerificationResult verify(List<String> lines) throws IOException {
    return verifier().key(K1.verificationKey()).build().verifyLog(writeLog(Files.createTempDirectory(tmp, "t"), lines));
  }

  private static void assertTampered(VerificationResult r, long seq, long line, String reasonPart) {
    assertThat(r.status()).as(r.summary()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(r.ok()).isFalse();
    assertThat(r.firstBadSeq()).hasValue(seq);
    assertThat(r.reason()).startsWith("seq " + seq + ": ").contains(reasonPart);
    assertThat(r.file()).isEqualTo(LogFiles.fileName(1));
    assertThat(r.line()).isEqualTo(line);
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  private static String edit(String line, String field, Object value) {
    ObjectNode event;
    try {
      event = (ObjectNode) JSON.readTree(line);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    event.set(field, JSON.valueToTree(value));
    return CanonicalJson.canonicalString(event);
  }

  private static AuditEvent event(String line) {
    return AuditEvent.parse(line);
  }

  @Test
  void untouchedLogsVerifyIntactInBothModesAndSayWhichModeWasChecked() throws IOException {
    VerificationResult cp = verify(checkpointLog);
    VerificationResult pe = verify(perEventLog);

    assertThat(cp.status()).as(cp.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(cp.signatureMode()).isEqualTo(VerificationResult.CHECKPOINT);
    assertThat(cp.checkpointsVerified()).isEqualTo(5);
    assertThat(cp.eventsChecked()).isEqualTo(25);
    assertThat(pe.status()).as(pe.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(pe.signatureMode()).isEqualTo(VerificationResult.PER_EVENT);
    assertThat(pe.signaturesVerified()).isEqualTo(21);
    assertThat(cp.summary()).isEqualTo("audit trail verified: 25 events, chain intact, every event covered by 5 valid Ed25519 "
        + "signatures (5 checkpoints, mode checkpoint) (keys: k1); closed at seq 25");
  }

  @ParameterizedTest(name = "S29 editing {0} of seq 3 is detected at seq 3 ({1})")
  @CsvSource({
    "action, hash mismatch",
    "amountMinor, hash mismatch",
    "justification, hash mismatch",
    "time, hash mismatch",
    "eventId, hash mismatch",
    "requestId, hash mismatch",
    "type, hash mismatch",
    "hash, hash mismatch",
    "prevHash, prevHash does not match the hash of seq 2",
    "seq, expected seq 3 but found 4",
  })
  @DisplayName("S29 one field of one event edited -> fails at that seq")
  void s29_editingAnyFieldFailsAtThatSeq(String field, String reason) throws IOException {
    for (List<String> log : List.of(checkpointLog, perEventLog)) {
      List<String> lines = new ArrayList<>(log);
      AuditEvent third = event(lines.get(2));
      Object value = switch (field) {
        case "amountMinor" -> 1;
        case "time" -> "2030-01-01T00:00:00Z";
        case "type" -> "EXECUTED".equals(third.type().name()) ? "FAILED" : "EXECUTED";
        case "hash", "prevHash" -> "ab".repeat(32);
        case "seq" -> 4;
        default -> "edited";
      };
      lines.set(2, edit(lines.get(2), field, value));
      assertTampered(verify(lines), 3, 3, reason);
    }
  }

  @Test
  @DisplayName("S29 editing a checkpoint's content or a per-event signature fails at that seq")
  void s29_editingACheckpointOrASignatureFailsAtThatSeq() throws IOException {
    List<String> cp = new ArrayList<>(checkpointLog);
    cp.set(11, edit(cp.get(11), "checkpoint", java.util.Map.of("reason", "close")));
    assertTampered(verify(cp), 12, 12, "hash mismatch");

    List<String> pe = new ArrayList<>(perEventLog);
    byte[] sig = Base64.getDecoder().decode(event(pe.get(4)).signature());
    sig[0] ^= 1;
    pe.set(4, edit(pe.get(4), "signature", Base64.getEncoder().encodeToString(sig)));
    assertTampered(verify(pe), 5, 5, "signature does not verify with key k1");
  }

  @Test
  @DisplayName("S30 an event deleted -> first bad seq is the deleted one")
  void s30_deletion() throws IOException {
    for (List<String> log : List.of(checkpointLog, perEventLog)) {
      List<String> lines = new ArrayList<>(log);
      lines.remove(6); // seq 7
      assertTampered(verify(lines), 7, 7, "expected seq 7 but found 8 (event deleted or reordered?)");
    }
  }

  @Test
  @DisplayName("S30 a forged event inserted -> detected at the insertion point")
  void s30_insertion() throws IOException {
    // per-event: the forger signs with a key of their own
    List<String> pe = new ArrayList<>(perEventLog);
    AuditEvent second = event(pe.get(1));
    List<AuditEvent> forged = rebuild(List.of(event(pe.get(2))), 2, second.hash(), b -> b.signer(key("mallory")));
    pe.add(2, forged.get(0).toJson());
    assertTampered(verify(pe), 3, 3, "unknown key id mallory (known: k1)");

    // checkpoint mode: an unsigned, correctly chained forgery; the original seq 3 then no longer fits
    List<String> cp = new ArrayList<>(checkpointLog);
    List<AuditEvent> unsigned = rebuild(List.of(event(cp.get(2))), 2, event(cp.get(1)).hash(), b -> b);
    cp.add(2, unsigned.get(0).toJson());
    assertTampered(verify(cp), 4, 4, "expected seq 4 but found 3 (event duplicated or reordered?)");
  }

  @Test
  @DisplayName("S30 two events swapped -> first bad seq is the first position out of order")
  void s30_swap() throws IOException {
    for (List<String> log : List.of(checkpointLog, perEventLog)) {
      List<String> lines = new ArrayList<>(log);
      String third = lines.get(2);
      lines.set(2, lines.get(3));
      lines.set(3, third);
      assertTampered(verify(lines), 3, 3, "expected seq 3 but found 4");
    }
  }

  @Test
  @DisplayName("S30 an event duplicated -> detected right after the original")
  void s30_duplicate() throws IOException {
    for (List<String> log : List.of(checkpointLog, perEventLog)) {
      List<String> lines = new ArrayList<>(log);
      lines.add(3, lines.get(2));
      assertTampered(verify(lines), 4, 4, "expected seq 4 but found 3 (event duplicated or reordered?)");
    }
  }

  @Test
  @DisplayName("S31 tail truncated inside a checkpoint interval -> the unsigned tail is reported, not intact")
  void s31_truncatedInsideACheckpointInterval() throws IOException {
    VerificationResult r = verify(checkpointLog.subList(0, 15)); // checkpoint at 12, events 13..15 uncovered

    assertThat(r.status()).isEqualTo(VerificationResult.Status.UNSIGNED_TAIL);
    assertThat(r.ok()).isFalse();
    assertThat(r.firstBadSeq()).hasValue(13);
    assertThat(r.lastSignedSeq()).isEqualTo(12);
    assertThat(r.reason()).startsWith("seq 13: events 13..15 after the last signed event (seq 12) are not covered by any signature");
  }

  @Test
  @DisplayName("S31 tail truncated right after a checkpoint -> reported as open (with its signed head), and as truncated against a known head or when expected closed")
  void s31_truncatedAfterACheckpoint() throws IOException {
    List<String> cut = checkpointLog.subList(0, 18); // ends with the checkpoint at 18
    VerificationResult r = verify(cut);

    assertThat(r.status()).isEqualTo(VerificationResult.Status.OPEN);
    assertThat(r.closed()).isFalse();
    String head = "18:" + event(cut.get(17)).hash();
    assertThat(r.reason()).isEqualTo("the log ends at seq 18 without a closing checkpoint: normal while its writer is running "
        + "(or after a crash); to tell it from a log whose tail was cut, compare its signed head " + head
        + " with one kept elsewhere (countersign verify --expect-head " + head + ")");
    assertThat(r.code()).isEqualTo(VerificationResult.Code.OPEN);
    assertThat(r.summary()).contains("; OPEN: the log ends at seq 18");

    VerificationResult expectClosed = verifier().key(K1.verificationKey()).expectClosed().build()
        .verifyLog(writeLog(tmp.resolve("closed"), cut));
    assertThat(expectClosed.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(expectClosed.code()).isEqualTo(VerificationResult.Code.NOT_CLOSED);
    assertThat(expectClosed.firstBadSeq()).hasValue(19);

    VerificationResult withHead = verifier().key(K1.verificationKey()).expectHead(25, null).build()
        .verifyLog(writeLog(tmp.resolve("head"), cut));
    assertThat(withHead.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(withHead.firstBadSeq()).hasValue(19);
    assertThat(withHead.reason()).contains("the log ends at seq 18 but the expected head is seq 25", "truncated");
  }

  @Test
  @DisplayName("S31 a whole rotated file removed -> detected at the first missing seq, naming the file")
  void s31_rotatedFileRemoved() throws IOException {
    Path dir = tmp.resolve("rotated");
    AtomicLong ids = new AtomicLong();
    FileAuditSink.Options small = FileAuditSink.Options.builder().rotateAtBytes(2_000).build();
    try (FileAuditSink sink = FileAuditSink.open(dir, small);
        AuditTrail trail = AuditTrail.builder().sink(sink).signer(K1).checkpointEvery(5, null).idSource(() -> "e" + ids.incrementAndGet()).build()) {
      for (int i = 1; i <= 20; i++) {
        trail.record(sampleEvent(i)).join();
      }
    }
    List<LogFiles.LogFile> files = LogFiles.list(dir);
    assertThat(files).hasSizeGreaterThan(3);
    assertThat(verifier().key(K1.verificationKey()).build().verifyLog(dir).status())
        .isEqualTo(VerificationResult.Status.INTACT);

    LogFiles.LogFile removed = files.get(1);
    long nextStart = files.get(2).firstSeq();
    Files.delete(removed.path());
    VerificationResult r = verifier().key(K1.verificationKey()).build().verifyLog(dir);

    assertThat(r.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(r.firstBadSeq()).hasValue(removed.firstSeq());
    assertThat(r.reason()).contains("expected seq " + removed.firstSeq() + " but found " + nextStart,
        "a whole log file is missing");
    assertThat(r.file()).isEqualTo(files.get(2).name());
    assertThat(r.line()).isEqualTo(1);
  }

  @Test
  @DisplayName("S32 the tail re-signed with another key under the same key id -> first unauthenticated seq")
  void s32_resignedWithAnotherKey() throws IOException {
    Ed25519Signer impostor = Ed25519Signer.generate("k1");
    List<AuditEvent> original = checkpointLog.stream().map(AuditEvent::parse).collect(Collectors.toList());

    List<String> cp = new ArrayList<>(checkpointLog.subList(0, 6)); // up to the checkpoint at 6
    rebuild(original.subList(6, 24), 6, original.get(5).hash(), b -> b.signer(impostor).checkpointEvery(5, null))
        .forEach(e -> cp.add(e.toJson()));
    VerificationResult r = verify(cp);
    assertTampered(r, 7, 12, "events 7..12 are not authenticated: seq 12 signature does not verify with key k1");

    List<AuditEvent> pe = perEventLog.stream().map(AuditEvent::parse).collect(Collectors.toList());
    List<String> peLines = new ArrayList<>(perEventLog.subList(0, 6));
    rebuild(pe.subList(6, 20), 6, pe.get(5).hash(), b -> b.signer(impostor)).forEach(e -> peLines.add(e.toJson()));
    assertTampered(verify(peLines), 7, 7, "signature does not verify with key k1");
  }

  @Test
  @DisplayName("S32 the whole chain rebuilt without the private key -> unauthenticated from seq 1, or an unknown key")
  void s32_chainRebuiltWithoutTheKey() throws IOException {
    List<AuditEvent> original = checkpointLog.stream().map(AuditEvent::parse).collect(Collectors.toList());

    List<String> unsigned = rebuild(original, 0, AuditTrail.GENESIS_HASH, b -> b).stream().map(AuditEvent::toJson).toList();
    VerificationResult chainOnly = verifier().build().verifyLog(writeLog(tmp.resolve("chain-only"), unsigned));
    assertThat(chainOnly.ok()).isTrue(); // a chain alone proves nothing about authorship ...
    VerificationResult r = verify(unsigned); // ... the key does
    assertThat(r.status()).isEqualTo(VerificationResult.Status.UNSIGNED_TAIL);
    assertThat(r.firstBadSeq()).hasValue(1);

    List<String> ownKey = rebuild(original, 0, AuditTrail.GENESIS_HASH, b -> b.signer(key("forger")).checkpointEvery(5, null))
        .stream().map(AuditEvent::toJson).toList();
    assertTampered(verify(ownKey), 1, 6, "unknown key id forger (known: k1)");
  }

  @Test
  @DisplayName("S32 a checkpoint whose signature is replaced -> its interval is unauthenticated")
  void s32_replacedCheckpointSignature() throws IOException {
    List<String> lines = new ArrayList<>(checkpointLog);
    AuditEvent cp = event(lines.get(11));
    byte[] otherSignature = key("k-other").sign(io.countersign.internal.Hashing.unhex(cp.hash(), "hash"));
    lines.set(11, edit(lines.get(11), "signature", Base64.getEncoder().encodeToString(otherSignature)));

    assertTampered(verify(lines), 7, 12, "events 7..12 are not authenticated: seq 12 signature does not verify with key k1 "
        + "(checkpoint signature replaced, or events before it rewritten?)");
  }

  @Test
  @DisplayName("S34 key rotation -> old and new events verify with their own keys; the new key must be among the trusted keys")
  void s34_rotationVerifiesOldAndNewEvents() throws IOException {
    Ed25519Signer k2 = key("k2");
    Path dir = tmp.resolve("rotation");
    try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = AuditTrail.builder().sink(sink).signer(K1).build()) {
      trail.record(sampleEvent(1)).join();
      trail.record(sampleEvent(2)).join();
      trail.rotateKey(k2).join();
      trail.record(sampleEvent(3)).join();
    }
    VerificationResult both = verifier().keys(K1.verificationKey(), k2.verificationKey()).build().verifyLog(dir);
    assertThat(both.status()).as(both.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(both.keyIdsUsed()).containsExactly("k1", "k2");

    VerificationResult oldOnly = verifier().key(K1.verificationKey()).build().verifyLog(dir);
    assertThat(oldOnly.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(oldOnly.firstBadSeq()).hasValue(3);
    assertThat(oldOnly.reason()).startsWith("seq 3: KEY_ROTATION introduces key k2 (").contains("not among the trusted keys");
    assertThat(oldOnly.code()).isEqualTo(VerificationResult.Code.ROTATION_KEY_UNTRUSTED);

    VerificationResult unnamed = verifier().key(K1.verificationKey()).keyMatchedBySignature(k2.verificationKey().withId("new.pem"))
        .build().verifyLog(dir);
    assertThat(unnamed.status()).as(unnamed.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(unnamed.notes()).contains("key new.pem was matched to key id k2 by the rotation at seq 3");

    VerificationResult wrongNew = verifier().keys(K1.verificationKey(), key("k3").verificationKey().withId("k2"))
        .build().verifyLog(dir);
    assertThat(wrongNew.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(wrongNew.firstBadSeq()).hasValue(3);
    assertThat(wrongNew.reason()).contains("KEY_ROTATION introduces key k2 with a public key different from the one given");
  }

  @Test
  @DisplayName("S47 a key rotation signed with a leaked old key to a key outside the trusted set -> verification fails")
  void s47_rotationByALeakedOldKeyToAnUntrustedKeyFails() throws IOException {
    Ed25519Signer k2 = key("k2");
    Ed25519Signer attackers = key("k-attacker");
    Path dir = tmp.resolve("leaked");
    // the attacker holds the old key k1 (leaked) and rotates the log to a key of their own
    try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = AuditTrail.builder().sink(sink).signer(K1).build()) {
      trail.record(sampleEvent(1)).join();
      trail.rotateKey(attackers).join();
      trail.record(sampleEvent(2)).join();
    }
    VerificationResult r = verifier().keys(K1.verificationKey(), k2.verificationKey()).build().verifyLog(dir);

    assertThat(r.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(r.firstBadSeq()).hasValue(2);
    assertThat(r.reason()).startsWith("seq 2: KEY_ROTATION introduces key k-attacker (").contains("not among the trusted keys");
    assertThat(r.code()).isEqualTo(VerificationResult.Code.ROTATION_KEY_UNTRUSTED);
    assertThat(r.notes()).isEmpty();
  }

  @Test
  @DisplayName("S34 an event signed with the retired key after a rotation is flagged")
  void s34_retiredKeyAfterRotationIsFlagged() throws IOException {
    Ed25519Signer k2 = key("k2");
    Path dir = tmp.resolve("retired");
    try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = AuditTrail.builder().sink(sink).signer(K1).closingCheckpoint(false).build()) {
      trail.record(sampleEvent(1)).join();
      trail.rotateKey(k2).join();
      trail.record(sampleEvent(2)).join();
    }
    // someone holding the old key appends an event after the rotation
    List<String> lines = new ArrayList<>(readLog(dir));
    AuditEvent last = event(lines.get(lines.size() - 1));
    rebuild(List.of(last), last.seq(), last.hash(), b -> b.signer(K1).closingCheckpoint(false)).forEach(e -> lines.add(e.toJson()));

    VerificationResult r = verifier().keys(K1.verificationKey(), k2.verificationKey()).build()
        .verifyLog(writeLog(tmp.resolve("retired-forged"), lines));
    assertTampered(r, 4, 4, "signed with key k1, which was retired at seq 2 (rotated to k2)");
  }

  @Test
  void keysGivenWithoutTheirIdAreMatchedBySignature() throws IOException {
    VerificationResult r = verifier().keyMatchedBySignature(K1.verificationKey().withId("pub.pem")).build()
        .verifyLog(writeLog(tmp.resolve("unnamed"), checkpointLog));
    assertThat(r.status()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(r.notes()).contains("key pub.pem was matched to key id k1 by its signatures");

    VerificationResult wrong = verifier().keyMatchedBySignature(key("k9").verificationKey()).build()
        .verifyLog(writeLog(tmp.resolve("unnamed-wrong"), checkpointLog));
    assertThat(wrong.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(wrong.reason()).contains("unknown key id k1 and none of the given keys verifies it");
  }
}
