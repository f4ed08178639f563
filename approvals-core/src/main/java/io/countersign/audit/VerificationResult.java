package io.countersign.audit;

import java.util.List;
import java.util.OptionalLong;

/**
 * Outcome of {@link AuditVerifier}: whether the chain (and, when keys were given, every signature)
 * checked out, and if not, the first bad sequence number and why. Immutable.
 */
public final class VerificationResult {

    /** {@link #signatureMode()} when every event's signature was checked. */
    public static final String PER_EVENT = "per-event";
    /** {@link #signatureMode()} when no key was given and only the hash chain was checked. */
    public static final String NONE = "none";

    private final boolean ok;
    private final long eventsChecked;
    private final long firstBadSeq;
    private final String reason;
    private final String signatureMode;
    private final long signaturesVerified;
    private final List<String> keyIdsUsed;
    private final long lastSeq;
    private final String lastHash;

    private VerificationResult(boolean ok, long eventsChecked, long firstBadSeq, String reason, String signatureMode,
            long signaturesVerified, List<String> keyIdsUsed, long lastSeq, String lastHash) {
        this.ok = ok;
        this.eventsChecked = eventsChecked;
        this.firstBadSeq = firstBadSeq;
        this.reason = reason;
        this.signatureMode = signatureMode;
        this.signaturesVerified = signaturesVerified;
        this.keyIdsUsed = List.copyOf(keyIdsUsed);
        this.lastSeq = lastSeq;
        this.lastHash = lastHash;
    }

    static VerificationResult ok(long eventsChecked, String signatureMode, long signaturesVerified, List<String> keyIdsUsed,
            long lastSeq, String lastHash) {
        return new VerificationResult(true, eventsChecked, -1, null, signatureMode, signaturesVerified, keyIdsUsed, lastSeq, lastHash);
    }

    static VerificationResult broken(long eventsChecked, long firstBadSeq, String reason, String signatureMode,
            long signaturesVerified, List<String> keyIdsUsed, long lastSeq, String lastHash) {
        return new VerificationResult(false, eventsChecked, firstBadSeq, reason, signatureMode, signaturesVerified, keyIdsUsed,
                lastSeq, lastHash);
    }

    /** True if every event checked out. */
    public boolean ok() {
        return ok;
    }

    /** Number of events that passed every check (on failure: the events before the bad one). */
    public long eventsChecked() {
        return eventsChecked;
    }

    /** The sequence number at which verification failed (the position expected there), or empty if ok. */
    public OptionalLong firstBadSeq() {
        return ok ? OptionalLong.empty() : OptionalLong.of(firstBadSeq);
    }

    /** Why verification failed, starting with "seq N: ", or {@code null} if ok. */
    public String reason() {
        return reason;
    }

    /** {@value #PER_EVENT} if signatures were checked, {@value #NONE} if only the chain was. */
    public String signatureMode() {
        return signatureMode;
    }

    /** Number of signatures that verified. */
    public long signaturesVerified() {
        return signaturesVerified;
    }

    /**
     * Sequence number of the last event that verified (the start seq if none). Compare it with an
     * independently kept head to detect a truncated log, which a chain alone cannot reveal.
     */
    public long lastSeq() {
        return lastSeq;
    }

    /** Hash of the last event that verified (the start hash if none). */
    public String lastHash() {
        return lastHash;
    }

    /**
     * One line for humans, e.g. {@code audit trail verified: 12 events, chain intact, 12 Ed25519
     * signatures valid (keys: demo-key)} or {@code audit trail BROKEN at seq 5: hash mismatch (event edited?)}.
     */
    public String summary() {
        if (!ok) {
            return "audit trail BROKEN at " + reason;
        }
        String events = eventsChecked + (eventsChecked == 1 ? " event" : " events");
        if (signatureMode.equals(NONE)) {
            return "audit trail verified: " + events + ", chain intact, signatures not checked (no verification key given)";
        }
        return "audit trail verified: " + events + ", chain intact, " + signaturesVerified + " Ed25519 signature"
                + (signaturesVerified == 1 ? "" : "s") + " valid (keys: "
                + (keyIdsUsed.isEmpty() ? "none used" : String.join(", ", keyIdsUsed)) + ")";
    }

    /** Same as {@link #summary()}. */
    @Override
    public String toString() {
        return summary();
    }
}
