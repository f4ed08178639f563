package io.countersign.audit.log;

import io.countersign.audit.EventType;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.internal.CanonicalJson;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Outcome of {@link AuditVerifier}: a {@link Status}, and when something is wrong the first bad
 * sequence number, where it is (file and line when a log was read from disk) and why; plus what was
 * checked (signature mode, counts, keys). Immutable.
 */
public final class VerificationResult {

  /** {@link #signatureMode()} when every event carried its own verified signature. */
  public static final String PER_EVENT = "per-event";
  /** {@link #signatureMode()} when unsigned events were covered by verified signed checkpoints. */
  public static final String CHECKPOINT = "checkpoint";
  /** {@link #signatureMode()} when the log has both (e.g. written in both modes across restarts). */
  public static final String MIXED = "per-event+checkpoint";
  /** {@link #signatureMode()} when no key was given and only the hash chain was checked. */
  public static final String NONE = "none";

  /** What the verifier concluded. */
  public enum Status {
    /** Every event verified and the log ends with a closing checkpoint: nothing is missing. */
    INTACT,
    /**
     * Every event present verified, but the log does not end with a closing checkpoint: it is
     * still being written, its writer crashed, or events after {@link #lastSeq()} were removed.
     */
    OPEN,
    /**
     * The chain is consistent, but the events after the last signed one are not covered by any
     * signature (a tail truncated inside a checkpoint interval, a crash before the next
     * checkpoint, or events appended by someone without the key).
     */
    UNSIGNED_TAIL,
    /** An event was edited, removed, inserted, reordered, forged or signed with the wrong key. */
    TAMPERED
  }

  /**
   * Why a log is not {@link Status#INTACT}, as a stable code (the {@code code} member of
   * {@link #toJson()}); defined with each rule in {@code docs/AUDIT-FORMAT.md}, section 9, and used
   * by the test vectors in {@code docs/audit-test-vectors/}.
   */
  public enum Code {
    /** A line is not a well-formed event (JSON, members, types, limits, {@code time} or {@code type} grammar, UTF-8). */
    MALFORMED_EVENT,
    /** A segment's first event does not have the seq its file name says. */
    SEGMENT_NAME_MISMATCH,
    /** An empty segment that is not the last one, or whose name is not the next seq. */
    EMPTY_SEGMENT,
    /** A segment other than the last does not end with a newline. */
    UNTERMINATED_SEGMENT,
    /** The seq is not the one after the previous event. */
    SEQ_MISMATCH,
    /** {@code prevHash} is not the previous event's hash (or the start hash). */
    PREV_HASH_MISMATCH,
    /** The recomputed hash differs from {@code hash}. */
    HASH_MISMATCH,
    /** The line is valid JSON but not its canonical form. */
    NOT_CANONICAL,
    /** A {@code CHECKPOINT} without a valid {@code checkpoint.reason}. */
    BAD_CHECKPOINT,
    /** An unsigned {@code CHECKPOINT} or {@code KEY_ROTATION} while keys were given. */
    UNSIGNED_CONTROL_EVENT,
    /** An event signed with a key id a rotation retired. */
    RETIRED_KEY,
    /** A signed event names a key id no trusted key is known for. */
    UNKNOWN_KEY,
    /** A trusted key is not a valid Ed25519 public key. */
    INVALID_KEY,
    /** The signature does not verify. */
    BAD_SIGNATURE,
    /** An event is signed with another key id than the log's current key, without a rotation. */
    KEY_CHANGED_WITHOUT_ROTATION,
    /** A {@code KEY_ROTATION} without a well-formed {@code rotation} member (strict Base64 32-byte key). */
    ROTATION_MALFORMED,
    /** A {@code KEY_ROTATION} not signed by the key it retires ({@code previousKeyId}). */
    ROTATION_NOT_BY_RETIRING_KEY,
    /** A {@code KEY_ROTATION} to a key id already used in the log. */
    ROTATION_KEY_REUSED,
    /** A {@code KEY_ROTATION} to a key outside the trusted set, or with another public key than the trusted one. */
    ROTATION_KEY_UNTRUSTED,
    /** The event at the expected head seq has another hash. */
    HEAD_MISMATCH,
    /** The log ends before the expected head. */
    TRUNCATED,
    /** The log was expected closed but does not end with a closing checkpoint. */
    NOT_CLOSED,
    /** Events after the last signature are not covered by any ({@link Status#UNSIGNED_TAIL}). */
    UNSIGNED_TAIL,
    /** {@link Status#OPEN}: no closing checkpoint at the end (yet). */
    OPEN,
    /** {@link Status#OPEN}: the last line is a torn write. */
    TORN_TAIL
  }

  private final Status status;
  private final Code code;
  private final long eventsChecked;
  private final long firstBadSeq;
  private final String reason;
  private final String signatureMode;
  private final long signaturesVerified;
  private final long checkpointsVerified;
  private final List<String> keyIdsUsed;
  private final long lastSeq;
  private final String lastHash;
  private final long lastSignedSeq;
  private final String file;
  private final long line;
  private final List<String> notes;

  VerificationResult(Status status, Code code, long eventsChecked, long firstBadSeq, String reason, String signatureMode,
      long signaturesVerified, long checkpointsVerified, List<String> keyIdsUsed, long lastSeq, String lastHash,
      long lastSignedSeq, String file, long line, List<String> notes) {
    this.status = Objects.requireNonNull(status);
    this.code = code;
    this.eventsChecked = eventsChecked;
    this.firstBadSeq = firstBadSeq;
    this.reason = reason;
    this.signatureMode = signatureMode;
    this.signaturesVerified = signaturesVerified;
    this.checkpointsVerified = checkpointsVerified;
    this.keyIdsUsed = List.copyOf(keyIdsUsed);
    this.lastSeq = lastSeq;
    this.lastHash = lastHash;
    this.lastSignedSeq = lastSignedSeq;
    this.file = file;
    this.line = line;
    this.notes = List.copyOf(notes);
  }

  /** What the verifier concluded. */
  public Status status() {
    return status;
  }

  /** The stable code of {@link #reason()}, or {@code null} if {@link Status#INTACT}. */
  public Code code() {
    return code;
  }

  /**
   * True if no event failed and every event present is authenticated (or, without keys, chained):
   * status {@link Status#INTACT} or {@link Status#OPEN}. Check {@link #closed()} too when the log
   * is expected to be complete.
   */
  public boolean ok() {
    return status == Status.INTACT || status == Status.OPEN;
  }

  /** True if the log ends with a verified closing checkpoint ({@link Status#INTACT}). */
  public boolean closed() {
    return status == Status.INTACT;
  }

  /** Number of events that passed every chain check (on failure: the events before the bad one). */
  public long eventsChecked() {
    return eventsChecked;
  }

  /**
   * The first sequence number that could not be verified, or empty if {@link #ok()}. For a
   * chain failure it is the position where the expected event was not found; for a signature
   * failure in checkpoint mode it is the first event the bad checkpoint should have covered.
   */
  public OptionalLong firstBadSeq() {
    return ok() ? OptionalLong.empty() : OptionalLong.of(firstBadSeq);
  }

  /**
   * Why the log is not intact, starting with "seq N: " (for {@link Status#OPEN}: why it is not
   * closed), or {@code null} if {@link Status#INTACT}.
   */
  public String reason() {
    return reason;
  }

  /** {@value #PER_EVENT}, {@value #CHECKPOINT}, {@value #MIXED}, or {@value #NONE} if only the chain was checked. */
  public String signatureMode() {
    return signatureMode;
  }

  /** Number of Ed25519 signatures that verified (events and checkpoints). */
  public long signaturesVerified() {
    return signaturesVerified;
  }

  /** Number of signed {@link EventType#CHECKPOINT} events that verified. */
  public long checkpointsVerified() {
    return checkpointsVerified;
  }

  /** Key ids whose signatures verified, in order of first use. */
  public List<String> keyIdsUsed() {
    return keyIdsUsed;
  }

  /**
   * Sequence number of the last event that passed the chain checks (the start seq if none).
   * Compare it with an independently kept head to detect a truncated log.
   */
  public long lastSeq() {
    return lastSeq;
  }

  /** Hash of the last event that passed the chain checks (the start hash if none). */
  public String lastHash() {
    return lastHash;
  }

  /** Sequence number of the last event covered by a verified signature (0 if none). */
  public long lastSignedSeq() {
    return lastSignedSeq;
  }

  /** The log file where verification failed, or {@code null} (ok, or not read from files). */
  public String file() {
    return file;
  }

  /** The line (1-based) in {@link #file()} where verification failed, or 0. */
  public long line() {
    return line;
  }

  /** Observations that are not failures: torn tails set aside, keys learned from rotations, ... */
  public List<String> notes() {
    return notes;
  }

  /**
   * One line for humans (an open log is described as such, not as an attack), e.g. {@code audit trail verified: 12 events, chain intact, 12 Ed25519
   * signatures valid (keys: demo-key); closed at seq 12} or {@code audit trail BROKEN at seq 5:
   * hash mismatch (event edited?)}.
   */
  public String summary() {
    String where = file == null ? "" : " [" + file + (line > 0 ? " line " + line : "") + "]";
    switch (status) {
      case TAMPERED:
        return "audit trail BROKEN at " + reason + where;
      case UNSIGNED_TAIL:
        return "audit trail NOT AUTHENTICATED from " + reason + where;
      default:
        break;
    }
    String events = eventsChecked + (eventsChecked == 1 ? " event" : " events");
    String keys = " (keys: " + (keyIdsUsed.isEmpty() ? "none used" : String.join(", ", keyIdsUsed)) + ")";
    String text;
    if (signatureMode.equals(NONE)) {
      text = "audit trail verified: " + events + ", chain intact, signatures not checked (no verification key given)";
    } else if (signatureMode.equals(PER_EVENT)) {
      text = "audit trail verified: " + events + ", chain intact, " + signaturesVerified + " Ed25519 signature"
          + (signaturesVerified == 1 ? "" : "s") + " valid" + keys;
    } else {
      text = "audit trail verified: " + events + ", chain intact, every event covered by " + signaturesVerified
          + " valid Ed25519 signature" + (signaturesVerified == 1 ? "" : "s") + " (" + checkpointsVerified
          + " checkpoint" + (checkpointsVerified == 1 ? "" : "s") + ", mode " + signatureMode + ")" + keys;
    }
    return status == Status.INTACT ? text + "; closed at seq " + lastSeq : text + "; OPEN: " + reason;
  }

  /** The result as one JSON object (the CLI's {@code --json} output); field names are stable. */
  public String toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("status", status.name());
    n.put("ok", ok());
    n.put("eventsChecked", eventsChecked);
    if (!ok()) {
      n.put("firstBadSeq", firstBadSeq);
    }
    if (code != null) {
      n.put("code", code.name());
    }
    if (reason != null) {
      n.put("reason", reason);
    }
    if (file != null) {
      n.put("file", file);
      n.put("line", line);
    }
    n.put("signatureMode", signatureMode);
    n.put("signaturesVerified", signaturesVerified);
    n.put("checkpointsVerified", checkpointsVerified);
    ArrayNode keys = n.putArray("keyIdsUsed");
    keyIdsUsed.forEach(keys::add);
    n.put("lastSeq", lastSeq);
    n.put("lastHash", lastHash);
    n.put("lastSignedSeq", lastSignedSeq);
    ArrayNode noteArray = n.putArray("notes");
    notes.forEach(noteArray::add);
    return CanonicalJson.canonicalString(n);
  }

  /** Same as {@link #summary()}. */
  @Override
  public String toString() {
    return summary();
  }
}
