package io.countersign.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.audit.AuditChains;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Event types are an open set: a type this code does not know parses, seals and verifies as an ordinary event. */
class OpenEventTypeTest {

  /** Writes an event line by hand, as another implementation would, and links it to {@code prevHash}. */
  static String handWritten(long seq, String prevHash, String type) throws Exception {
    String content = "{\"eventId\":\"hand-" + seq + "\",\"note\":\"written by hand\",\"prevHash\":\"" + prevHash
        + "\",\"seq\":" + seq + ",\"time\":\"2026-01-01T00:00:0" + seq + "Z\",\"type\":\"" + type + "\"}";
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    sha256.update(prevHash.getBytes(StandardCharsets.US_ASCII));
    String hash = HexFormat.of().formatHex(sha256.digest(content.getBytes(StandardCharsets.UTF_8)));
    // "hash" sorts between "eventId" and "note"
    return content.replace(",\"note\"", ",\"hash\":\"" + hash + "\",\"note\"");
  }

  @Test
  void aHandWrittenLineWithAnUnknownTypeVerifiesAsAnOrdinaryEvent() throws Exception {
    String first = handWritten(1, AuditTrail.GENESIS_HASH, "WIDGET_SHIPPED");
    String second = handWritten(2, AuditEvent.parse(first).hash(), "REQUESTED");

    VerificationResult result = AuditVerifier.builder().build().verifyJsonLines(List.of(first, second));

    assertThat(result.ok()).as(result.summary()).isTrue();
    assertThat(result.eventsChecked()).isEqualTo(2);
    AuditEvent parsed = AuditEvent.parse(first);
    assertThat(parsed.type()).isEqualTo(EventType.of("WIDGET_SHIPPED"));
    assertThat(parsed.type().isWellKnown()).isFalse();
    assertThat(parsed.toJson()).isEqualTo(first);
    assertThat(AuditEvent.parse(second).type()).isSameAs(EventType.REQUESTED);
  }

  @Test
  void aHandWrittenLineWithAnUnknownTypeThatWasEditedIsTampered() throws Exception {
    String first = handWritten(1, AuditTrail.GENESIS_HASH, "WIDGET_SHIPPED").replace("by hand", "by fraud");
    VerificationResult result = AuditVerifier.builder().build().verifyJsonLines(List.of(first));
    assertThat(result.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(result.reason()).contains("hash mismatch");
  }

  @Test
  void aModuleRecordsItsOwnTypeAndTheSignedLogVerifies() {
    Ed25519Signer key = AuditChains.key("k1");
    InMemoryAuditSink sink = new InMemoryAuditSink();
    try (AuditTrail trail = AuditTrail.builder().sink(sink).signer(key).build()) {
      trail.record(AuditEvent.builder(EventType.of("PASSKEY_ENROLLED")).time(Instant.parse("2026-01-01T00:00:00Z"))
          .field("passkey", "pk-1")).join();
    }
    assertThat(sink.events().get(0).toJson()).contains("\"type\":\"PASSKEY_ENROLLED\"");
    assertThat(AuditVerifier.verify(sink.events(), key.verificationKey()).closed()).isTrue();
  }

  @Test
  void wellKnownNamesGiveTheConstants() {
    assertThat(EventType.of("VOTE")).isSameAs(EventType.VOTE);
    assertThat(EventType.wellKnown()).contains(EventType.CHECKPOINT, EventType.KEY_ROTATION).doesNotContain(EventType.of("PASSKEY_ENROLLED"));
    assertThat(EventType.of("X")).isEqualTo(EventType.of("X")).hasSameHashCodeAs(EventType.of("X"));
    assertThatThrownBy(() -> EventType.of("")).isInstanceOf(IllegalArgumentException.class).hasMessage("event type name must not be empty");
  }
}
