package io.countersign.audit;

import io.countersign.internal.Hashing;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Checks an audit log: consecutive sequence numbers, each {@code prevHash} equal to the previous
 * hash, each hash recomputed from the event's content and, when keys are given, each Ed25519
 * signature. Stops at the first bad event and says which and why. The algorithm is the one
 * specified in {@code docs/AUDIT-FORMAT.md}.
 *
 * <p>A chain alone proves order and integrity, not authorship: anyone can rebuild a consistent
 * chain. Pass the {@link VerificationKey}s to make a rewritten log detectable. Truncation of the
 * tail is only detectable against an independently kept head ({@link VerificationResult#lastSeq()}).
 */
public final class AuditVerifier {

    private AuditVerifier() {
    }

    /** Verifies a log that starts at genesis (first seq 1, prevHash of 64 zeros). */
    public static VerificationResult verify(Iterable<AuditEvent> events, VerificationKey... keys) {
        return verify(events, 0, AuditTrail.GENESIS_HASH, keys);
    }

    /**
     * Verifies a log that continues after the event {@code startAfterSeq} whose hash is
     * {@code startAfterHash} (e.g. a rotated file).
     */
    public static VerificationResult verify(Iterable<AuditEvent> events, long startAfterSeq, String startAfterHash,
            VerificationKey... keys) {
        Objects.requireNonNull(events, "events must not be null");
        Run run = new Run(startAfterSeq, startAfterHash, keys);
        for (AuditEvent event : events) {
            if (!run.check(Objects.requireNonNull(event, "events must not contain null"), null)) {
                break;
            }
        }
        return run.result();
    }

    /**
     * Verifies the lines of a JSON Lines log that starts at genesis. A line that does not parse
     * fails verification at that position, and the reason names the line number.
     */
    public static VerificationResult verifyLines(Iterable<String> jsonLines, VerificationKey... keys) {
        return verifyLines(jsonLines, 0, AuditTrail.GENESIS_HASH, keys);
    }

    /** As {@link #verifyLines(Iterable, VerificationKey...)} for a log continuing after {@code startAfterSeq}. */
    public static VerificationResult verifyLines(Iterable<String> jsonLines, long startAfterSeq, String startAfterHash,
            VerificationKey... keys) {
        Objects.requireNonNull(jsonLines, "jsonLines must not be null");
        Run run = new Run(startAfterSeq, startAfterHash, keys);
        long lineNumber = 0;
        for (Iterator<String> it = jsonLines.iterator(); it.hasNext(); ) {
            String line = it.next();
            lineNumber++;
            AuditEvent event;
            try {
                event = AuditEvent.parse(Objects.requireNonNull(line, "jsonLines must not contain null"));
            } catch (AuditFormatException e) {
                run.fail(run.expectedSeq(), "line " + lineNumber + " is not a valid audit event: " + e.getMessage());
                break;
            }
            if (!run.check(event, line)) {
                break;
            }
        }
        return run.result();
    }

    /** The state of one verification pass. */
    private static final class Run {
        private final Map<String, VerificationKey> keys = new LinkedHashMap<>();
        private final Map<String, Ed25519PublicKeyParameters> publicKeys = new LinkedHashMap<>();
        private final Set<String> keyIdsUsed = new LinkedHashSet<>();
        private final long startSeq;
        private long lastSeq;
        private String lastHash;
        private long checked;
        private long signatures;
        private long badSeq = -1;
        private String reason;

        Run(long startAfterSeq, String startAfterHash, VerificationKey[] given) {
            if (startAfterSeq < 0) {
                throw new IllegalArgumentException("startAfterSeq must be >= 0 but was " + startAfterSeq);
            }
            if (!Hashing.isLowerHex(startAfterHash, 64)) {
                throw new IllegalArgumentException("startAfterHash must be 64 lower-case hex characters but was '" + startAfterHash + "'");
            }
            Objects.requireNonNull(given, "keys must not be null");
            for (VerificationKey key : given) {
                Objects.requireNonNull(key, "keys must not contain null");
                VerificationKey earlier = keys.putIfAbsent(key.keyId(), key);
                if (earlier != null && !earlier.equals(key)) {
                    throw new IllegalArgumentException("two different verification keys have key id '" + key.keyId() + "'");
                }
            }
            this.startSeq = startAfterSeq;
            this.lastSeq = startAfterSeq;
            this.lastHash = startAfterHash;
        }

        long expectedSeq() {
            return lastSeq + 1;
        }

        boolean check(AuditEvent event, String line) {
            long expected = expectedSeq();
            if (event.seq() != expected) {
                String hint;
                if (event.seq() < expected) {
                    hint = "event duplicated or reordered?";
                } else if (lastSeq == startSeq) {
                    hint = "events deleted, or a log continuing an earlier one: verify it with startAfterSeq/startAfterHash";
                } else {
                    hint = "event deleted or reordered?";
                }
                return fail(expected, "expected seq " + expected + " but found " + event.seq() + " (" + hint + ")");
            }
            if (!event.prevHash().equals(lastHash)) {
                if (lastSeq == startSeq) {
                    return fail(expected, "prevHash " + event.prevHash() + " is not the expected start hash " + lastHash
                            + (startSeq == 0 ? " (genesis)" : ""));
                }
                return fail(expected, "prevHash does not match the hash of seq " + lastSeq + " (event replaced or inserted?)");
            }
            byte[] hash = event.recomputeHash();
            if (!Hashing.hex(hash).equals(event.hash())) {
                return fail(expected, "hash mismatch (event edited?)");
            }
            if (!keys.isEmpty() && !checkSignature(event, hash, expected)) {
                return false;
            }
            if (line != null && !line.equals(event.toJson())) {
                return fail(expected, "line is not in canonical form (whitespace, key order or escaping changed)");
            }
            checked++;
            lastSeq = event.seq();
            lastHash = event.hash();
            return true;
        }

        private boolean checkSignature(AuditEvent event, byte[] hash, long seq) {
            String keyId = event.keyId();
            if (keyId == null || event.signature() == null) {
                return fail(seq, "event is unsigned, but verification keys were given");
            }
            VerificationKey key = keys.get(keyId);
            if (key == null) {
                return fail(seq, "unknown key id " + keyId + " (known: " + String.join(", ", keys.keySet()) + ")");
            }
            byte[] signature = AuditEvent.decodeSignature(event.signature());
            if (signature == null || signature.length != Ed25519.SIGNATURE_SIZE
                    || !verifies(key, hash, signature)) {
                return fail(seq, "signature does not verify with key " + keyId);
            }
            signatures++;
            keyIdsUsed.add(keyId);
            return true;
        }

        private boolean verifies(VerificationKey key, byte[] hash, byte[] signature) {
            Ed25519PublicKeyParameters publicKey = publicKeys.computeIfAbsent(key.keyId(), id -> {
                try {
                    return new Ed25519PublicKeyParameters(key.publicKey(), 0);
                } catch (IllegalArgumentException e) {
                    return null; // not a point on the curve: nothing verifies with it
                }
            });
            if (publicKey == null) {
                return false;
            }
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, publicKey);
            verifier.update(hash, 0, hash.length);
            return verifier.verifySignature(signature);
        }

        boolean fail(long seq, String why) {
            badSeq = seq;
            reason = "seq " + seq + ": " + why;
            return false;
        }

        VerificationResult result() {
            String mode = keys.isEmpty() ? VerificationResult.NONE : VerificationResult.PER_EVENT;
            ArrayList<String> used = new ArrayList<>(keyIdsUsed);
            return reason == null
                    ? VerificationResult.ok(checked, mode, signatures, used, lastSeq, lastHash)
                    : VerificationResult.broken(checked, badSeq, reason, mode, signatures, used, lastSeq, lastHash);
        }
    }
}
