package io.countersign.audit;

import io.countersign.internal.Hashing;
import io.countersign.spi.Signer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/** Shared fixtures for audit tests: deterministic keys, events and whole chains. */
public final class AuditChains {

  public static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");

  /** The event types the gate records (CHECKPOINT and KEY_ROTATION are written by the trail itself). */
  public static final List<EventType> GATE_TYPES = List.of(EventType.REQUESTED, EventType.VOTE, EventType.DECIDED,
      EventType.EXECUTED, EventType.FAILED, EventType.EXPIRED, EventType.DELIVERY_FAILED, EventType.CANCELLED);

  private AuditChains() {
  }

  /** A deterministic key derived from its id, so test failures are reproducible. */
  public static Ed25519Signer key(String keyId) {
    return Ed25519Signer.of(keyId, Hashing.sha256(("test key " + keyId).getBytes(StandardCharsets.UTF_8)));
  }

  /** An unsealed event with a variety of field types (nested object, array, non-ASCII text). */
  public static AuditEvent.Builder sampleEvent(int i) {
    EventType type = GATE_TYPES.get(i % GATE_TYPES.size());
    return AuditEvent.builder(type)
        .time(T0.plusSeconds(i))
        .requestId("req-" + (i / 3))
        .field("action", "Payments#refund")
        .field("amountMinor", 1000L * i)
        .field("justification", "refund for caf\u00e9 order #" + i + " \u2014 \"urgent\"")
        .field("rule", Map.of("quorum", 2, "groups", List.of("finance-leads"), "timeout", Duration.ofMinutes(15)));
  }

  /** A trail with deterministic event ids (evt-1, evt-2, ...) writing to {@code sink}. */
  public static AuditTrail.Builder trail(InMemoryAuditSink sink, Signer signerOrNull) {
    AtomicLong ids = new AtomicLong();
    AuditTrail.Builder builder = AuditTrail.builder().sink(sink).idSource(() -> "evt-" + ids.incrementAndGet());
    return signerOrNull == null ? builder : builder.signer(signerOrNull);
  }

  /** A sealed chain of {@code n} sample events starting at genesis. */
  public static List<AuditEvent> chain(int n, Signer signerOrNull) {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail trail = trail(sink, signerOrNull).build();
    for (int i = 1; i <= n; i++) {
      trail.record(sampleEvent(i)).join();
    }
    return sink.events();
  }

  /**
   * Re-seals the gate events among {@code originals} (checkpoints are dropped) as a fresh chain
   * continuing after {@code afterSeq}/{@code afterHash}, as an attacker would; {@code trailSettings}
   * picks the signer and mode.
   */
  public static List<AuditEvent> rebuild(List<AuditEvent> originals, long afterSeq, String afterHash,
      java.util.function.UnaryOperator<AuditTrail.Builder> trailSettings) {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail trail = trailSettings.apply(AuditTrail.builder().sink(sink).continueAfter(afterSeq, afterHash)).build();
    for (AuditEvent original : originals) {
      if (!GATE_TYPES.contains(original.type())) {
        continue;
      }
      AuditEvent.Builder copy = AuditEvent.builder(original.type()).time(original.time()).requestId(original.requestId());
      for (String field : List.of("action", "amountMinor", "justification", "rule")) {
        copy.field(field, original.get(field));
      }
      trail.record(copy).join();
    }
    return sink.events();
  }

  public static List<String> lines(List<AuditEvent> events) {
    return events.stream().map(AuditEvent::toJson).collect(Collectors.toList());
  }

  /**
   * Whether {@code events} form an intact chain from genesis: contiguous seq, linked prevHash, each
   * hash recomputed from the content, every signature valid under {@code key}, and the last event
   * signed (or no event at all). A check for core's own tests, which cannot use the verifier of approvals-audit (it
   * depends on core); the verifier's tests live there.
   */
  public static boolean verifies(List<AuditEvent> events, VerificationKey key) {
    String prev = AuditTrail.GENESIS_HASH;
    long seq = 0;
    for (AuditEvent e : events) {
      if (e.seq() != ++seq || !e.prevHash().equals(prev) || !Hashing.hex(e.recomputeHash()).equals(e.hash())) {
        return false;
      }
      if (e.signature() != null && !(key.keyId().equals(e.keyId())
          && Signatures.verifies(key.publicKey(), Hashing.unhex(e.hash(), "hash"), AuditEvent.decodeSignature(e.signature())))) {
        return false;
      }
      prev = e.hash();
    }
    return events.isEmpty() || events.get(events.size() - 1).signature() != null;
  }
}
