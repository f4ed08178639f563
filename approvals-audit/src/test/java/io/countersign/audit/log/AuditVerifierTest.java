package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.VerificationKey;
import io.countersign.audit.AuditChains;

import static io.countersign.audit.AuditChains.chain;
import static io.countersign.audit.AuditChains.lines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuditVerifierTest {

  private final Ed25519Signer k1 = AuditChains.key("k1");
  private final VerificationKey key1 = k1.verificationKey();
  private final List<AuditEvent> events = chain(10, k1);

  private static void assertBrokenAt(VerificationResult result, long seq, String reason) {
    assertThat(result.ok()).as(result.summary()).isFalse();
    assertThat(result.firstBadSeq()).hasValue(seq);
    assertThat(result.reason()).isEqualTo(reason);
    assertThat(result.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(result.summary()).isEqualTo("audit trail BROKEN at " + reason);
    assertThat(result.eventsChecked()).isEqualTo(seq - 1);
  }

  private static void assertUnsignedFrom(VerificationResult result, long seq, long lastSeq) {
    assertThat(result.ok()).as(result.summary()).isFalse();
    assertThat(result.status()).isEqualTo(VerificationResult.Status.UNSIGNED_TAIL);
    assertThat(result.firstBadSeq()).hasValue(seq);
    assertThat(result.reason()).startsWith("seq " + seq + ": events " + seq + ".." + lastSeq + " after the last signed event")
        .contains("are not covered by any signature");
  }

  /** Re-seals {@code contents} as a fresh chain continuing after {@code after}, as an attacker would. */
  private static List<AuditEvent> rebuild(List<AuditEvent> contents, long afterSeq, String afterHash, Ed25519Signer signer) {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail.Builder builder = AuditTrail.builder().sink(sink).continueAfter(afterSeq, afterHash);
    AuditTrail trail = (signer == null ? builder : builder.signer(signer)).build();
    for (AuditEvent original : contents) {
      AuditEvent.Builder copy = AuditEvent.builder(original.type()).time(original.time()).requestId(original.requestId());
      for (String field : List.of("action", "amountMinor", "justification", "rule")) {
        copy.field(field, original.get(field));
      }
      trail.record(copy).join();
    }
    return sink.events();
  }

  @Test
  void intactSignedChainVerifiesWithASummaryForHumans() {
    VerificationResult result = AuditVerifier.verify(events, key1);

    assertThat(result.ok()).isTrue();
    assertThat(result.eventsChecked()).isEqualTo(10);
    assertThat(result.firstBadSeq()).isEqualTo(OptionalLong.empty());
    assertThat(result.status()).isEqualTo(VerificationResult.Status.OPEN);
    assertThat(result.closed()).isFalse();
    assertThat(result.signatureMode()).isEqualTo("per-event");
    assertThat(result.lastSeq()).isEqualTo(10);
    assertThat(result.lastHash()).isEqualTo(events.get(9).hash());
    assertThat(result.summary()).isEqualTo("audit trail verified: 10 events, chain intact, 10 Ed25519 signatures valid (keys: k1)"
        + "; OPEN: the log ends at seq 10 without a closing checkpoint: normal while its writer is running (or after a crash); "
        + "to tell it from a log whose tail was cut, compare its signed head 10:" + events.get(9).hash() + " with one kept "
        + "elsewhere (countersign verify --expect-head 10:" + events.get(9).hash() + ")");
  }

  @Test
  void withoutKeysOnlyTheChainIsCheckedAndTheResultSaysSo() {
    VerificationResult result = AuditVerifier.verify(chain(3, null));

    assertThat(result.ok()).isTrue();
    assertThat(result.signatureMode()).isEqualTo("none");
    assertThat(result.summary())
        .startsWith("audit trail verified: 3 events, chain intact, signatures not checked (no verification key given); OPEN");
  }

  @Test
  void emptyLogVerifiesWithZeroEvents() {
    assertThat(AuditVerifier.verify(List.of(), key1).eventsChecked()).isZero();
  }

  @Test
  @DisplayName("S29 editing any one byte of one event's JSON line makes verification fail at exactly that seq")
  void s29_editingAnyByteOfOneLineIsDetectedAtThatSeq() {
    List<String> lines = lines(events);
    byte[] original = lines.get(4).getBytes(StandardCharsets.UTF_8);
    int variants = 0;
    for (int i = 0; i < original.length; i++) {
      for (int flip : new int[] {0x01, 0x20}) {
        byte[] edited = original.clone();
        edited[i] ^= (byte) flip;
        List<String> tampered = new ArrayList<>(lines);
        tampered.set(4, new String(edited, StandardCharsets.UTF_8));

        VerificationResult result = AuditVerifier.verifyLines(tampered, key1);

        assertThat(result.ok()).as("byte %d ^ 0x%02x went undetected: %s", i, flip, tampered.get(4)).isFalse();
        assertThat(result.firstBadSeq()).as("byte %d ^ 0x%02x: %s", i, flip, result.reason()).hasValue(5);
        variants++;
      }
    }
    assertThat(variants).isGreaterThan(600);
  }

  @Test
  @DisplayName("S29 editing a field value is reported as a hash mismatch at that seq")
  void s29_editedValueIsAHashMismatch() {
    List<String> tampered = new ArrayList<>(lines(events));
    tampered.set(4, tampered.get(4).replace("\"amountMinor\":5000", "\"amountMinor\":9000"));

    assertBrokenAt(AuditVerifier.verifyLines(tampered, key1), 5, "seq 5: hash mismatch (event edited?)");
  }

  @Test
  @DisplayName("S30 deleting an event is detected at its seq")
  void s30_deletionDetected() {
    List<AuditEvent> tampered = new ArrayList<>(events);
    tampered.remove(4);

    assertBrokenAt(AuditVerifier.verify(tampered, key1), 5, "seq 5: expected seq 5 but found 6 (event deleted or reordered?)");
  }

  @Test
  @DisplayName("S30 inserting a forged, correctly chained event is detected at the inserted seq (signature) or the next one (chain only)")
  void s30_insertionDetected() {
    AuditEvent fourth = events.get(3);
    AuditEvent forged = rebuild(List.of(events.get(4)), 4, fourth.hash(), AuditChains.key("mallory")).get(0);
    List<AuditEvent> tampered = new ArrayList<>(events);
    tampered.add(4, forged);

    assertBrokenAt(AuditVerifier.verify(tampered, key1), 5, "seq 5: unknown key id mallory (known: k1)");
    assertBrokenAt(AuditVerifier.verify(tampered), 6, "seq 6: expected seq 6 but found 5 (event duplicated or reordered?)");
  }

  @Test
  @DisplayName("S30 swapping two events is detected at the first swapped seq")
  void s30_reorderingDetected() {
    List<AuditEvent> tampered = new ArrayList<>(events);
    tampered.set(4, events.get(5));
    tampered.set(5, events.get(4));

    assertBrokenAt(AuditVerifier.verify(tampered, key1), 5, "seq 5: expected seq 5 but found 6 (event deleted or reordered?)");
  }

  @Test
  @DisplayName("S30 duplicating an event is detected at the seq after the original")
  void s30_duplicationDetected() {
    List<AuditEvent> tampered = new ArrayList<>(events);
    tampered.add(5, events.get(4));

    assertBrokenAt(AuditVerifier.verify(tampered, key1), 6, "seq 6: expected seq 6 but found 5 (event duplicated or reordered?)");
  }

  @Test
  @DisplayName("S30 replacing an event with a renumbered copy of another breaks the prevHash link")
  void s30_replacementBreaksTheLink() {
    List<AuditEvent> tampered = new ArrayList<>(events);
    List<String> lines = lines(events);
    // Take event 7, give it seq 5 and event 4's hash as prevHash, but keep its own hash: the link holds, the hash does not.
    String forged = lines.get(6).replace("\"seq\":7", "\"seq\":5");
    tampered.set(4, AuditEvent.parse(forged));

    assertBrokenAt(AuditVerifier.verify(tampered, key1), 5,
        "seq 5: prevHash does not match the hash of seq 4 (event replaced or inserted?)");
  }

  @Test
  @DisplayName("S30 truncating the tail leaves a valid chain; lastSeq exposes it against a separately kept head")
  void s30_truncationNeedsAnExternalHead() {
    VerificationResult result = AuditVerifier.verify(events.subList(0, 7), key1);

    assertThat(result.ok()).isTrue();
    assertThat(result.lastSeq()).isEqualTo(7).isNotEqualTo(events.get(9).seq());
  }

  @Test
  @DisplayName("S32 a chain edited and fully re-hashed without the private key verifies as a chain but fails on signatures")
  void s32_rehashedChainWithoutKeyIsDetected() {
    List<AuditEvent> rebuilt = new ArrayList<>(events.subList(0, 4));
    rebuilt.addAll(rebuild(events.subList(4, 10), 4, events.get(3).hash(), null));

    assertThat(AuditVerifier.verify(rebuilt).ok()).isTrue();
    assertUnsignedFrom(AuditVerifier.verify(rebuilt, key1), 5, 10);
  }

  @Test
  @DisplayName("S32 a chain re-signed with another key under the same key id fails signature verification")
  void s32_chainResignedWithAnotherKeyIsDetected() {
    Ed25519Signer impostor = Ed25519Signer.generate("k1");
    List<AuditEvent> rebuilt = new ArrayList<>(events.subList(0, 4));
    rebuilt.addAll(rebuild(events.subList(4, 10), 4, events.get(3).hash(), impostor));

    assertBrokenAt(AuditVerifier.verify(rebuilt, key1), 5, "seq 5: signature does not verify with key k1");
  }

  @Test
  @DisplayName("S32 a whole chain rebuilt from genesis with an attacker's key id is rejected at seq 1")
  void s32_chainRebuiltFromGenesisWithUnknownKeyIsDetected() {
    List<AuditEvent> rebuilt = rebuild(events, 0, AuditTrail.GENESIS_HASH, AuditChains.key("k9"));

    assertBrokenAt(AuditVerifier.verify(rebuilt, key1), 1, "seq 1: unknown key id k9 (known: k1)");
  }

  @Test
  void aKeyChangeWithoutARotationFailsEvenWhenBothKeysAreTrusted() {
    Ed25519Signer k2 = AuditChains.key("k2");
    List<AuditEvent> switched = new ArrayList<>(events);
    switched.addAll(rebuild(chain(3, null), 10, events.get(9).hash(), k2));

    VerificationResult result = AuditVerifier.verify(switched, key1, k2.verificationKey());

    assertBrokenAt(result, 11, "seq 11: signed with key k2 but the log's key is k1 and no KEY_ROTATION introduced k2");
    assertThat(result.code()).isEqualTo(VerificationResult.Code.KEY_CHANGED_WITHOUT_ROTATION);
  }

  @Test
  void aLineThatDoesNotParseFailsAtItsPositionNamingTheLine() {
    List<String> tampered = new ArrayList<>(lines(events));
    tampered.set(2, "{not json");

    VerificationResult result = AuditVerifier.verifyLines(tampered, key1);

    assertThat(result.firstBadSeq()).hasValue(3);
    assertThat(result.reason()).startsWith("seq 3: line 3 is not a valid audit event: audit event is not valid JSON");
  }

  @Test
  void aLineNotInCanonicalFormFails() {
    List<String> tampered = new ArrayList<>(lines(events));
    tampered.set(2, tampered.get(2).replace("\"seq\":3,", "\"seq\": 3,"));

    assertBrokenAt(AuditVerifier.verifyLines(tampered, key1), 3,
        "seq 3: line is not in canonical form (whitespace, key order or escaping changed)");
  }

  @Test
  void aLogThatDoesNotStartAtGenesisNeedsTheStartHead() {
    List<AuditEvent> tail = events.subList(5, 10);

    assertBrokenAt(AuditVerifier.verify(tail, key1), 1, "seq 1: expected seq 1 but found 6 "
        + "(events deleted, or a log continuing an earlier one: verify it with startAfterSeq/startAfterHash)");
    assertThat(AuditVerifier.verify(tail, 5, events.get(4).hash(), key1).ok()).isTrue();
  }

  @Test
  void aFirstEventWithAWrongPrevHashFailsAtSeq1() {
    List<AuditEvent> tampered = rebuild(events.subList(0, 1), 0, AuditTrail.GENESIS_HASH, null);
    String forged = tampered.get(0).toJson().replace(AuditTrail.GENESIS_HASH, "1".repeat(64));

    VerificationResult result = AuditVerifier.verifyLines(List.of(forged));

    assertThat(result.firstBadSeq()).hasValue(1);
    assertThat(result.reason()).isEqualTo("seq 1: prevHash " + "1".repeat(64) + " is not the expected start hash "
        + AuditTrail.GENESIS_HASH + " (genesis)");
  }

  @Test
  void verifyRejectsTwoDifferentKeysWithTheSameId() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditVerifier.verify(events, key1, Ed25519Signer.generate("k1").verificationKey()))
        .withMessage("two different verification keys have key id 'k1'");
  }

  @Test
  void unsignedEventsNotCoveredBySignatureAreReportedAsUnauthenticatedWhenKeysAreGiven() {
    assertUnsignedFrom(AuditVerifier.verify(chain(2, null), key1), 1, 2);
  }
}
