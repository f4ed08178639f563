package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.AuditChains;

import static io.countersign.audit.AuditChains.T0;
import static io.countersign.audit.AuditChains.key;
import static io.countersign.audit.AuditChains.sampleEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.countersign.ManualTimeSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Checkpoint signing mode, closing checkpoints and key rotation in {@link AuditTrail}. */
class CheckpointSigningTest {

  private final InMemoryAuditSink sink = new InMemoryAuditSink();
  private final Ed25519Signer k1 = key("k1");
  private final ManualTimeSource clock = new ManualTimeSource(T0);

  private AuditTrail checkpointTrail(int every, Duration maxDelay) {
    return AuditChains.trail(sink, k1).checkpointEvery(every, maxDelay).timeSource(clock).build();
  }

  private List<EventType> types() {
    return sink.events().stream().map(AuditEvent::type).toList();
  }

  @Test
  void checkpointModeSignsOnlyACheckpointAfterEveryNEvents() {
    AuditTrail trail = checkpointTrail(3, null);
    for (int i = 1; i <= 7; i++) {
      trail.record(sampleEvent(i)).join();
    }

    assertThat(types()).containsExactly(EventType.VOTE, EventType.DECIDED, EventType.EXECUTED, EventType.CHECKPOINT,
        EventType.FAILED, EventType.EXPIRED, EventType.DELIVERY_FAILED, EventType.CHECKPOINT, EventType.CANCELLED);
    AuditEvent checkpoint = sink.events().get(3);
    assertThat(checkpoint.seq()).isEqualTo(4);
    assertThat(checkpoint.keyId()).isEqualTo("k1");
    assertThat(checkpoint.signature()).isNotNull();
    assertThat(checkpoint.time()).isEqualTo(T0);
    assertThat(checkpoint.get("checkpoint").path("reason").textValue()).isEqualTo("count");
    assertThat(sink.events().get(0).signature()).isNull();
    assertThat(trail.signingMode()).isEqualTo("checkpoint");
  }

  @Test
  @DisplayName("S31 a quiet log is not left unsigned: a checkpoint follows at most maxDelay after the first uncovered event")
  void checkpointIsWrittenAtMostMaxDelayAfterTheFirstUncoveredEvent() {
    AuditTrail trail = checkpointTrail(1000, Duration.ofSeconds(2));
    trail.record(sampleEvent(1)).join();
    trail.record(sampleEvent(2)).join();

    clock.advance(Duration.ofMillis(1999));
    assertThat(sink.events()).hasSize(2);
    clock.advance(Duration.ofMillis(1));
    assertThat(sink.events()).hasSize(3);
    assertThat(sink.events().get(2).get("checkpoint").path("reason").textValue()).isEqualTo("time");
    assertThat(AuditVerifier.verify(sink.events(), k1.verificationKey()).status()).isEqualTo(VerificationResult.Status.OPEN);
    clock.advance(Duration.ofMinutes(1));
    assertThat(sink.events()).as("no checkpoint without new events").hasSize(3);
  }

  @Test
  void closeAppendsASignedClosingCheckpointSoTheVerifierCanTellTheLogIsComplete() {
    AuditTrail trail = checkpointTrail(10, null);
    trail.record(sampleEvent(1)).join();
    trail.close();

    AuditEvent last = sink.events().get(1);
    assertThat(last.type()).isEqualTo(EventType.CHECKPOINT);
    assertThat(last.get("checkpoint").path("reason").textValue()).isEqualTo("close");
    VerificationResult result = AuditVerifier.verify(sink.events(), k1.verificationKey());
    assertThat(result.status()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(result.signatureMode()).isEqualTo(VerificationResult.CHECKPOINT);
    assertThat(result.closed()).isTrue();
  }

  @Test
  void perEventTrailsAlsoCloseWithACheckpointUnlessDisabled() {
    AuditTrail trail = AuditChains.trail(sink, k1).build();
    trail.record(sampleEvent(1)).join();
    trail.close();
    assertThat(types()).containsExactly(EventType.VOTE, EventType.CHECKPOINT);

    InMemoryAuditSink other = new InMemoryAuditSink();
    AuditTrail quiet = AuditChains.trail(other, k1).closingCheckpoint(false).build();
    quiet.record(sampleEvent(1)).join();
    quiet.close();
    assertThat(other.events()).hasSize(1);
  }

  @Test
  void checkpointWritesASignedHeadOnRequest() {
    AuditTrail trail = checkpointTrail(10, null);
    trail.record(sampleEvent(1)).join();
    AuditEvent checkpoint = trail.checkpoint().join();

    assertThat(checkpoint.seq()).isEqualTo(2);
    assertThat(checkpoint.get("checkpoint").path("reason").textValue()).isEqualTo("requested");
    assertThat(AuditVerifier.verify(sink.events(), k1.verificationKey()).ok()).isTrue();
  }

  @Test
  void theTrailRefusesToRecordCheckpointsOrRotationsOnBehalfOfCallers() {
    AuditTrail trail = checkpointTrail(10, null);
    assertThatIllegalArgumentException().isThrownBy(() -> trail.record(AuditEvent.builder(EventType.CHECKPOINT).time(T0)))
        .withMessage("AuditEvent CHECKPOINT is written by the audit trail itself; use AuditTrail.checkpoint()");
    assertThatIllegalArgumentException().isThrownBy(() -> trail.record(AuditEvent.builder(EventType.KEY_ROTATION).time(T0)))
        .withMessage("AuditEvent KEY_ROTATION is written by the audit trail itself; use AuditTrail.rotateKey(...)");
  }

  @Test
  void checkpointModeNeedsASignerAndValidSettings() {
    assertThatIllegalStateException().isThrownBy(() -> AuditTrail.builder().sink(sink).checkpointEvery(5, null).build())
        .withMessage("checkpointEvery(5, ...) needs a signer: unsigned checkpoints would prove nothing");
    assertThatIllegalArgumentException().isThrownBy(() -> AuditTrail.builder().checkpointEvery(0, null))
        .withMessage("checkpointEvery events must be >= 1 but was 0");
    assertThatIllegalArgumentException().isThrownBy(() -> AuditTrail.builder().checkpointEvery(5, Duration.ZERO))
        .withMessage("checkpointEvery maxDelay must be positive (or null for none) but was PT0S");
    assertThatIllegalStateException().isThrownBy(() -> AuditTrail.builder().checkpointEvery(5, null).checkpointEvery(6, null))
        .withMessage("checkpointEvery was already set to 5 events");
  }

  @Test
  @DisplayName("S34 a rotation is a signed event naming the new key; later events use the new key")
  void rotateKeyRecordsASignedRotationAndSwitchesKeys() {
    AuditTrail trail = AuditChains.trail(sink, k1).build();
    trail.record(sampleEvent(1)).join();
    Ed25519Signer k2 = key("k2");
    AuditEvent rotation = trail.rotateKey(k2).join();
    AuditEvent after = trail.record(sampleEvent(2)).join();

    assertThat(rotation.type()).isEqualTo(EventType.KEY_ROTATION);
    assertThat(rotation.keyId()).isEqualTo("k1");
    assertThat(rotation.get("rotation").path("previousKeyId").textValue()).isEqualTo("k1");
    assertThat(rotation.get("rotation").path("keyId").textValue()).isEqualTo("k2");
    assertThat(after.keyId()).isEqualTo("k2");
    assertThat(trail.keyId()).isEqualTo("k2");
    assertThat(AuditVerifier.verify(sink.events(), k1.verificationKey(), k2.verificationKey()).ok()).isTrue();
    assertThat(AuditVerifier.verify(sink.events(), k1.verificationKey()).code())
        .isEqualTo(VerificationResult.Code.ROTATION_KEY_UNTRUSTED);
  }

  @Test
  void rotateKeyRefusesAReusedIdOrAMismatchedKeyPair() {
    AuditTrail trail = AuditChains.trail(sink, k1).build();
    assertThatIllegalArgumentException().isThrownBy(() -> trail.rotateKey(key("k1")))
        .withMessage("rotateKey: key id 'k1' was already used by this trail; a rotation must introduce a new key id");
    assertThatIllegalArgumentException().isThrownBy(() -> trail.rotateKey(key("k2"), key("k3").verificationKey().withId("k2")))
        .withMessage("rotateKey: the public key given for 'k2' does not verify signatures made by the new signer (wrong key pair?)");
    assertThatIllegalStateException().isThrownBy(() -> AuditChains.trail(new InMemoryAuditSink(), null).build().rotateKey(key("k2")))
        .withMessage("rotateKey: AuditTrail has no signer to rotate from; configure one with signer(...)");
  }
}
