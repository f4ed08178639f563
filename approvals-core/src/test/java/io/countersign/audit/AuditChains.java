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
final class AuditChains {

    static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");

    private AuditChains() {
    }

    /** A deterministic key derived from its id, so test failures are reproducible. */
    static Ed25519Signer key(String keyId) {
        return Ed25519Signer.of(keyId, Hashing.sha256(("test key " + keyId).getBytes(StandardCharsets.UTF_8)));
    }

    /** An unsealed event with a variety of field types (nested object, array, non-ASCII text). */
    static AuditEvent.Builder sampleEvent(int i) {
        EventType type = EventType.values()[i % EventType.values().length];
        return AuditEvent.builder(type)
                .time(T0.plusSeconds(i))
                .requestId("req-" + (i / 3))
                .field("action", "Payments#refund")
                .field("amountMinor", 1000L * i)
                .field("justification", "refund for caf\u00e9 order #" + i + " \u2014 \"urgent\"")
                .field("rule", Map.of("quorum", 2, "groups", List.of("finance-leads"), "timeout", Duration.ofMinutes(15)));
    }

    /** A trail with deterministic event ids (evt-1, evt-2, ...) writing to {@code sink}. */
    static AuditTrail.Builder trail(InMemoryAuditSink sink, Signer signerOrNull) {
        AtomicLong ids = new AtomicLong();
        AuditTrail.Builder builder = AuditTrail.builder().sink(sink).idSource(() -> "evt-" + ids.incrementAndGet());
        return signerOrNull == null ? builder : builder.signer(signerOrNull);
    }

    /** A sealed chain of {@code n} sample events starting at genesis. */
    static List<AuditEvent> chain(int n, Signer signerOrNull) {
        InMemoryAuditSink sink = new InMemoryAuditSink();
        AuditTrail trail = trail(sink, signerOrNull).build();
        for (int i = 1; i <= n; i++) {
            trail.record(sampleEvent(i)).join();
        }
        return sink.events();
    }

    static List<String> lines(List<AuditEvent> events) {
        return events.stream().map(AuditEvent::toJson).collect(Collectors.toList());
    }
}
