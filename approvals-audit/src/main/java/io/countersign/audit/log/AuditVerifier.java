package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditFormatException;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.Signatures;
import io.countersign.audit.VerificationKey;
import io.countersign.audit.FieldValue;
import io.countersign.audit.log.VerificationResult.Code;
import io.countersign.internal.Hashing;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Checks an audit log: consecutive sequence numbers, each {@code prevHash} equal to the previous
 * hash, each hash recomputed from the event's content, and, when keys are given, that every event
 * is covered by a valid Ed25519 signature: its own (per-event mode) or a later signed checkpoint's
 * (checkpoint mode). Key rotations are followed; an event signed with a retired key is flagged.
 * Stops at the first bad event and says which, where and why. The algorithm is the one specified in
 * {@code docs/AUDIT-FORMAT.md}; it streams, so memory does not grow with the log. For a log on disk
 * the per-line work (canonical form, hash, signatures against given keys) runs on
 * {@link Builder#threads} threads while the chain itself is followed in order, so the result does
 * not depend on the number of threads.
 *
 * <pre>{@code
 * VerificationResult r = AuditVerifier.builder().key(publicKey).build().verifyLog(Path.of("logs"));
 * if (!r.closed()) System.err.println(r.summary());
 * }</pre>
 *
 * <p>A chain alone proves order and integrity, not authorship: anyone can rebuild a consistent
 * chain. Give the {@link VerificationKey}s to make a rewritten log detectable. Removal of a tail
 * that ends at a closing checkpoint is only detectable against an independently kept head
 * ({@link Builder#expectHead}). Instances are immutable and thread-safe.
 */
public final class AuditVerifier {

  /** The most threads {@link Builder#threads} accepts. */
  public static final int MAX_THREADS = 64;

  private final Map<String, VerificationKey> pinned;
  private final List<VerificationKey> unpinned;
  private final long startAfterSeq;
  private final String startAfterHash;
  private final long expectSeq;
  private final String expectHash;
  private final boolean expectClosed;
  private final int threads;
  private final Map<String, Ed25519PublicKeyParameters> pinnedParsed = new HashMap<>(); // valid pinned keys only
  private final int scanBlockSize;
  private final long parallelThreshold;

  private AuditVerifier(Builder b) {
    this.pinned = Map.copyOf(b.pinned);
    this.unpinned = List.copyOf(b.unpinned);
    this.startAfterSeq = b.startAfterSeq;
    this.startAfterHash = b.startAfterHash;
    this.expectSeq = b.expectSeq;
    this.expectHash = b.expectHash;
    this.expectClosed = b.expectClosed;
    this.threads = b.threads;
    pinned.forEach((id, key) -> {
      Ed25519PublicKeyParameters parsedKey = Signatures.publicKey(key.publicKey());
      if (parsedKey != null) {
        pinnedParsed.put(id, parsedKey);
      }
    });
    this.scanBlockSize = b.scanBlockSize;
    this.parallelThreshold = b.scanBlockSize == LogScan.BLOCK ? LogScan.PARALLEL_THRESHOLD : 0;
  }

  /** Starts configuring a verifier. */
  public static Builder builder() {
    return new Builder();
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
    return builder().keys(keys).startAfter(startAfterSeq, startAfterHash).build().verifyEvents(events);
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
    return builder().keys(keys).startAfter(startAfterSeq, startAfterHash).build().verifyJsonLines(jsonLines);
  }

  /** Verifies sealed events (e.g. from an {@link InMemoryAuditSink}). */
  public VerificationResult verifyEvents(Iterable<AuditEvent> events) {
    Objects.requireNonNull(events, "events must not be null");
    Run run = new Run(this);
    for (AuditEvent event : events) {
      Objects.requireNonNull(event, "events must not contain null");
      byte[] bytes = event.utf8();
      if (!run.fastCheck(bytes, 0, bytes.length) && !run.check(event, null, null)) {
        break;
      }
    }
    return run.finish();
  }

  /** Verifies JSON Lines given as strings (one event per element, without the LF). */
  public VerificationResult verifyJsonLines(Iterable<String> jsonLines) {
    Objects.requireNonNull(jsonLines, "jsonLines must not be null");
    Run run = new Run(this);
    long lineNumber = 0;
    for (Iterator<String> it = jsonLines.iterator(); it.hasNext(); ) {
      String line = Objects.requireNonNull(it.next(), "jsonLines must not contain null");
      run.line = ++lineNumber;
      if (!run.fastCheck(line) && !run.checkLine(line)) {
        break;
      }
    }
    return run.finish();
  }

  /**
   * Verifies a log on disk, streaming: either a directory written by {@link FileAuditSink}
   * (files {@code audit-<seq>.jsonl} in seq order, the chain continuing across them) or a single
   * JSON Lines file. Failures name the file and line. A torn last line (an incomplete write) is
   * reported in the reason of an {@link VerificationResult.Status#OPEN} result, never counted as
   * an event; torn tails already set aside ({@code *.torn}) are listed in the notes.
   *
   * Reads the log through {@link AuditLog#open(Path, AuditLog.Option...)}, so a log file that is a
   * symbolic link or not a regular file is refused.
   *
   * @throws IOException if the path cannot be read (missing, not a log, permission denied)
   */
  public VerificationResult verifyLog(Path path) throws IOException {
    return AuditLog.open(path).verify(this);
  }

  /**
   * Verifies {@code files} (chain order) and hands each accepted event to {@code verified} (may be
   * null) in the same pass; {@link AuditLog#verify(AuditVerifier, Consumer)} calls it.
   */
  VerificationResult verifyFiles(List<LogFiles.LogFile> files, List<Path> tornFiles, List<String> strays,
      Consumer<AuditEvent> verified)
      throws IOException {
    Run run = new Run(this);
    for (Path torn : tornFiles) {
      run.notes.add("torn tail set aside earlier: " + torn.getFileName() + " (" + Files.size(torn)
          + " bytes of an incomplete write; not part of the log)");
    }
    for (String stray : strays) {
      run.notes.add("WARNING: " + stray + " is not a segment, a torn tail or the lock file; it was not verified"
          + " (a renamed segment? remove or explain it)");
    }
    try (LogScan scan = new LogScan(files, threads, scanBlockSize, parallelThreshold, this::precheck)) {
      int current = -1;
      boolean first = false;
      LogScan.Block block;
      blocks:
      while (run.failure == null && (block = scan.next()) != null) {
        LogFiles.LogFile file = scan.file(block);
        if (block.file != current) {
          if (!run.emptySegmentsBefore(scan, files, current, block.file)) {
            break;
          }
          current = block.file;
          run.file = file.name();
          run.line = 0;
          first = true;
        }
        boolean last = block.file == files.size() - 1;
        for (int i = 0; i < block.lines; i++) {
          run.line++;
          if (!block.terminated(i)) {
            if (last) {
              run.torn = "torn tail: line " + run.line + " of " + file.name() + " has " + block.lineLength(i)
                  + " bytes without a terminating newline (an incomplete write, e.g. a crash); it is not an event"
                  + " (opening the log with FileAuditSink sets it aside)";
            } else {
              run.fail(Code.UNTERMINATED_SEGMENT, run.expectedSeq(), "file " + file.name() + " does not end with a newline, but a later file "
                  + "follows it (rotated files are complete; edited?)");
            }
            break blocks;
          }
          if (first && file.firstSeq() >= 0) {
            run.fileStart = file;
          }
          first = false;
          if (block.fast[i] && run.acceptFast(block.seqs[i], block.buf, block.prevHashAt[i], block.hashAt[i])) {
            run.fileStart = null;
            if (verified != null) {
              verified.accept(parseVerified(block.buf, block.starts[i], block.lineLength(i)));
            }
            continue;
          }
          Prechecked pre = block.prechecked[i];
          if (pre != null) {
            run.check(pre.event, pre.text, pre);
          } else {
            try {
              run.checkLine(LogFiles.strictText(block.buf, block.starts[i], block.lineLength(i)));
            } catch (CharacterCodingException e) {
              run.fail(Code.MALFORMED_EVENT, run.expectedSeq(), "line " + run.line + " is not valid UTF-8");
            }
          }
          run.fileStart = null;
          if (run.failure != null) {
            break blocks;
          }
          if (verified != null) {
            verified.accept(pre != null ? pre.event : parseVerified(block.buf, block.starts[i], block.lineLength(i)));
          }
        }
        scan.release(block);
      }
      if (run.failure == null && run.torn == null) {
        run.emptySegmentsBefore(scan, files, current, files.size());
      }
    }
    if (run.failure == null) {
      run.file = null;
      run.line = 0;
    }
    return run.finish();
  }

  /** The event of a line the verifier has just accepted (so it is valid UTF-8 and parses). */
  private static AuditEvent parseVerified(byte[] buf, int start, int length) throws CharacterCodingException {
    return AuditEvent.parse(LogFiles.strictText(buf, start, length));
  }

  /**
   * What {@link #precheck} found out about a line ahead of its turn: the parsed event, its
   * recomputed hash, whether the line is canonical, and whether its signature verifies with the
   * pinned key of its key id ({@code null}: not checked). {@link Run#check} uses these instead of
   * computing them again; every decision is still taken there, in chain order.
   */
  static final class Prechecked {
    final String text;
    final AuditEvent event;
    final byte[] hash;
    final boolean canonical;
    final Boolean signatureValid;

    Prechecked(String text, AuditEvent event, byte[] hash, boolean canonical, Boolean signatureValid) {
      this.text = text;
      this.event = event;
      this.hash = hash;
      this.canonical = canonical;
      this.signatureValid = signatureValid;
    }
  }

  /**
   * Runs on a worker thread for a line the fast path declined (a signed event, a checkpoint, a
   * rotation, or a bad line): the work that does not depend on earlier lines, so that a log signed
   * event by event is verified on every core too. Returns {@code null} when the line does not
   * even parse; the sequential check then repeats the work and reports why.
   */
  private Prechecked precheck(byte[] buf, int start, int length) {
    try {
      String text = LogFiles.strictText(buf, start, length);
      AuditEvent event = AuditEvent.parse(text);
      byte[] hash = event.recomputeHash();
      Boolean valid = null;
      String keyId = event.keyId();
      Ed25519PublicKeyParameters key = keyId == null ? null : pinnedParsed.get(keyId);
      if (key != null) {
        byte[] signature = AuditEvent.decodeSignature(event.signature());
        valid = signature != null && Signatures.verifies(key, hash, signature);
      }
      return new Prechecked(text, event, hash, text.equals(event.toJson()), valid);
    } catch (CharacterCodingException | RuntimeException e) {
      return null;
    }
  }

  /** The state of one verification pass. */
  private static final class Run {
    private final AuditVerifier config;
    private final Map<String, VerificationKey> boundKeys = new HashMap<>();
    private final List<VerificationKey> unbound;
    private final Map<String, String> retired = new HashMap<>(); // key id -> "at seq N (rotated to K)"
    private final Map<String, Ed25519PublicKeyParameters> parsed = new HashMap<>();
    private final Set<String> keyIdsUsed = new LinkedHashSet<>();
    private final Set<String> keyIdsSeen = new HashSet<>(); // signed an event, or named by a rotation
    private String currentKeyId;    // the key the next signed event must use (null: none yet)
    private final List<String> notes = new ArrayList<>();
    private final boolean keys;
    private final long startSeq;
    private long lastSeq;
    private final byte[] lastHashAscii = new byte[CanonicalLine.HASH_HEX_LENGTH]; // the last hash, as its hex bytes
    private String lastHashText;   // the same as a string, made on demand (null: not made yet)
    private long checked;
    private long signatures;
    private long checkpoints;
    private long signedRegular;
    private long coveredByCheckpoint;
    private long pendingStart;      // first seq not yet covered by a signature; 0 if none
    private long lastSignedSeq;
    private boolean lastIsClosingCheckpoint;
    private final CanonicalLine fast = new CanonicalLine();
    private long badSeq;
    private Code failCode;
    private String failure;
    private Status failStatus;
    private String torn;
    private String file;
    private long line;
    private LogFiles.LogFile fileStart;
    private String failFile;
    private long failLine;

    private enum Status { TAMPERED, UNSIGNED_TAIL }

    Run(AuditVerifier config) {
      this.config = config;
      this.unbound = new ArrayList<>(config.unpinned);
      this.keys = !config.pinned.isEmpty() || !config.unpinned.isEmpty();
      this.startSeq = config.startAfterSeq;
      this.lastSeq = config.startAfterSeq;
      lastHash(config.startAfterHash);
    }

    String lastHash() {
      String s = lastHashText;
      if (s == null) {
        s = new String(lastHashAscii, StandardCharsets.ISO_8859_1);
        lastHashText = s;
      }
      return s;
    }

    /** Sets the last hash (64 lower-case hex characters, already validated). */
    private void lastHash(String hash) {
      for (int i = 0; i < lastHashAscii.length; i++) {
        lastHashAscii[i] = (byte) hash.charAt(i);
      }
      lastHashText = hash;
    }

    long expectedSeq() {
      return lastSeq + 1;
    }

    /** The {@code checkpoint.reason} values a CHECKPOINT may carry (format section 12.2). */
    private static final Set<String> CHECKPOINT_REASONS = Set.of("count", "time", "requested", AuditTrail.CHECKPOINT_CLOSE);

    /** The checkpoint's reason, or {@code null} if it has no valid one (format section 12.2). */
    private static String checkpointReason(AuditEvent event) {
      FieldValue checkpoint = event.get("checkpoint");
      String reason = checkpoint != null && checkpoint.isObject() ? checkpoint.path("reason").textValue() : null;
      return reason != null && CHECKPOINT_REASONS.contains(reason) ? reason : null;
    }

    /**
     * Checks the segments the scan skipped between file {@code from} (exclusive) and {@code to}
     * (exclusive) because they are empty: only the very last segment may be empty, and only when
     * its name is the next seq (a writer that crashed right after creating it). Format section 13.
     */
    boolean emptySegmentsBefore(LogScan scan, List<LogFiles.LogFile> files, int from, int to) {
      for (int f = from + 1; f < to; f++) {
        LogFiles.LogFile empty = files.get(f);
        if (empty.firstSeq() < 0 || scan.size(f) != 0) {
          continue;
        }
        if (f != files.size() - 1) {
          file = empty.name();
          line = 0;
          return fail(Code.EMPTY_SEGMENT, expectedSeq(), "file " + empty.name() + " is empty but a later file follows it"
              + " (only the last segment may be empty)");
        }
        if (empty.firstSeq() != expectedSeq()) {
          file = empty.name();
          line = 0;
          return fail(Code.EMPTY_SEGMENT, expectedSeq(), "file " + empty.name() + " is empty and named for seq "
              + empty.firstSeq() + ", but the log ends at seq " + lastSeq + " (an empty last segment must be named for seq "
              + expectedSeq() + ")");
        }
      }
      return true;
    }


    /**
     * The fast path ({@link CanonicalLine}): accepts a canonical, unsigned, ordinary event line
     * whose seq, link and hash are right, working on its bytes. Returns false, with the state
     * unchanged, for anything else: then the full path ({@link #checkLine}) decides and says why.
     */
    boolean fastCheck(byte[] bytes, int offset, int length) {
      return fast.scan(bytes, offset, length) && fast.hashMatches()
          && acceptFast(fast.seq(), bytes, fast.prevHashAt(), fast.hashAt());
    }

    /**
     * The sequential part of the fast path, for a line that {@link CanonicalLine} accepted and
     * whose hash it recomputed (possibly on another thread): {@code seq}, and the 64 hex
     * characters of its {@code prevHash} and {@code hash} at the given offsets of {@code b}.
     * Returns false, with the state unchanged, if the line does not continue the chain here.
     */
    boolean acceptFast(long seq, byte[] b, int prevHashAt, int hashAt) {
      int n = CanonicalLine.HASH_HEX_LENGTH;
      if ((fileStart != null && seq != fileStart.firstSeq()) || seq != expectedSeq()
          || !Arrays.equals(lastHashAscii, 0, n, b, prevHashAt, prevHashAt + n)) {
        return false;
      }
      if (config.expectSeq == seq && config.expectHash != null
          && !config.expectHash.equals(new String(b, hashAt, n, StandardCharsets.ISO_8859_1))) {
        return false;
      }
      // As checkSignature for an unsigned event (never a CHECKPOINT or KEY_ROTATION here).
      if (keys && pendingStart == 0) {
        pendingStart = seq;
      }
      checked++;
      lastSeq = seq;
      System.arraycopy(b, hashAt, lastHashAscii, 0, n);
      lastHashText = null;
      lastIsClosingCheckpoint = false;
      return true;
    }

    /** {@link #fastCheck} for a line given as a string, if it can be encoded faithfully; else false. */
    boolean fastCheck(String line) {
      for (int i = 0; i < line.length(); i++) {
        if (Character.isSurrogate(line.charAt(i))) {
          return false; // a lone surrogate would be encoded as '?': leave such lines to the full path
        }
      }
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      return fastCheck(bytes, 0, bytes.length);
    }

    boolean checkLine(String line) {
      AuditEvent event;
      try {
        event = AuditEvent.parse(line);
      } catch (AuditFormatException e) {
        return fail(Code.MALFORMED_EVENT, expectedSeq(), "line " + this.line + " is not a valid audit event: " + e.getMessage());
      }
      return check(event, line, null);
    }

    /** Checks one event in chain order; {@code pre}, if not null, holds results computed ahead for it. */
    boolean check(AuditEvent event, String line, Prechecked pre) {
      long expected = expectedSeq();
      if (fileStart != null && event.seq() != fileStart.firstSeq()) {
        return fail(Code.SEGMENT_NAME_MISMATCH, expected, "file " + fileStart.name() + " is named for seq " + fileStart.firstSeq()
            + " but starts with seq " + event.seq() + " (renamed or edited?)");
      }
      if (event.seq() != expected) {
        String hint;
        if (event.seq() < expected) {
          hint = "event duplicated or reordered?";
        } else if (fileStart != null && lastSeq > startSeq) {
          hint = "a whole log file is missing: the previous file ends at seq " + lastSeq;
        } else if (lastSeq == startSeq) {
          hint = "events deleted, or a log continuing an earlier one: verify it with startAfterSeq/startAfterHash";
        } else {
          hint = "event deleted or reordered?";
        }
        return fail(Code.SEQ_MISMATCH, expected, "expected seq " + expected + " but found " + event.seq() + " (" + hint + ")");
      }
      if (!event.prevHash().equals(lastHash())) {
        if (lastSeq == startSeq) {
          return fail(Code.PREV_HASH_MISMATCH, expected, "prevHash " + event.prevHash() + " is not the expected start hash " + lastHash()
              + (startSeq == 0 ? " (genesis)" : ""));
        }
        return fail(Code.PREV_HASH_MISMATCH, expected, "prevHash does not match the hash of seq " + lastSeq + " (event replaced or inserted?)");
      }
      byte[] hash = pre != null ? pre.hash : event.recomputeHash();
      if (!Hashing.hex(hash).equals(event.hash())) {
        return fail(Code.HASH_MISMATCH, expected, "hash mismatch (event edited?)");
      }
      if (line != null && !(pre != null ? pre.canonical : line.equals(event.toJson()))) {
        return fail(Code.NOT_CANONICAL, expected, "line is not in canonical form (whitespace, key order or escaping changed)");
      }
      String checkpointReason = null;
      if (event.type() == EventType.CHECKPOINT && (checkpointReason = checkpointReason(event)) == null) {
        return fail(Code.BAD_CHECKPOINT, expected, "CHECKPOINT must carry checkpoint.reason, one of " + CHECKPOINT_REASONS
            + ", but has checkpoint " + event.get("checkpoint"));
      }
      if (keys && !checkSignature(event, hash, pre)) {
        return false;
      }
      if (config.expectSeq == event.seq() && config.expectHash != null && !config.expectHash.equals(event.hash())) {
        return fail(Code.HEAD_MISMATCH, expected, "hash " + event.hash() + " differs from the expected head hash " + config.expectHash
            + " (the log was rewritten from here or earlier)");
      }
      checked++;
      lastSeq = event.seq();
      lastHash(event.hash());
      lastIsClosingCheckpoint = AuditTrail.CHECKPOINT_CLOSE.equals(checkpointReason);
      return true;
    }

    private boolean checkSignature(AuditEvent event, byte[] hash, Prechecked pre) {
      long seq = event.seq();
      String keyId = event.keyId();
      if (keyId == null) {
        if (event.type() == EventType.CHECKPOINT || event.type() == EventType.KEY_ROTATION) {
          return failSigned(Code.UNSIGNED_CONTROL_EVENT, seq, event.type() + " event is unsigned (forged?)");
        }
        if (pendingStart == 0) {
          pendingStart = seq;
        }
        return true;
      }
      String retiredAt = retired.get(keyId);
      if (retiredAt != null) {
        return failSigned(Code.RETIRED_KEY, seq, "signed with key " + keyId + ", which was retired " + retiredAt
            + "; events after a rotation must use the new key");
      }
      byte[] signature = AuditEvent.decodeSignature(event.signature());
      Ed25519PublicKeyParameters key = keyFor(keyId, hash, signature);
      if (key == null) {
        return false; // failSigned already called
      }
      // A precomputed result counts only for a pinned key, which keyFor always picks for its id.
      boolean valid = pre != null && pre.signatureValid != null && config.pinned.containsKey(keyId)
          ? pre.signatureValid : Signatures.verifies(key, hash, signature);
      if (!valid) {
        return failSigned(Code.BAD_SIGNATURE, seq, "signature does not verify with key " + keyId
            + (event.type() == EventType.CHECKPOINT ? " (checkpoint signature replaced, or events before it rewritten?)" : ""));
      }
      if (currentKeyId != null && !currentKeyId.equals(keyId)) {
        return failSigned(Code.KEY_CHANGED_WITHOUT_ROTATION, seq, "signed with key " + keyId + " but the log's key is "
            + currentKeyId + " and no KEY_ROTATION introduced " + keyId);
      }
      keyIdsSeen.add(keyId);
      currentKeyId = keyId;
      if (event.type() == EventType.KEY_ROTATION && !rotate(event, keyId)) {
        return false;
      }
      signatures++;
      keyIdsUsed.add(keyId);
      if (event.type() == EventType.CHECKPOINT) {
        checkpoints++;
      } else {
        signedRegular++;
      }
      if (pendingStart != 0) {
        coveredByCheckpoint += seq - pendingStart;
        pendingStart = 0;
      }
      lastSignedSeq = seq;
      return true;
    }

    /** The key an event names, binding an unpinned key on first successful verification. */
    private Ed25519PublicKeyParameters keyFor(String keyId, byte[] hash, byte[] signature) {
      VerificationKey given = config.pinned.get(keyId);
      if (given == null) {
        given = boundKeys.get(keyId);
      }
      if (given != null) {
        return parsedKey(keyId, given.publicKey());
      }
      for (Iterator<VerificationKey> it = unbound.iterator(); it.hasNext(); ) {
        VerificationKey candidate = it.next();
        Ed25519PublicKeyParameters k = Signatures.publicKey(candidate.publicKey());
        if (k != null && Signatures.verifies(k, hash, signature)) {
          it.remove();
          boundKeys.put(keyId, candidate);
          parsed.put(keyId, k);
          if (!candidate.keyId().equals(keyId)) {
            notes.add("key " + candidate.keyId() + " was matched to key id " + keyId + " by its signatures");
          }
          return k;
        }
      }
      List<String> known = new ArrayList<>(config.pinned.keySet());
      known.addAll(boundKeys.keySet());
      failSigned(Code.UNKNOWN_KEY, lastSeq + 1, "unknown key id " + keyId + (unbound.isEmpty() ? "" : " and none of the given keys verifies it")
          + " (known: " + (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
      return null;
    }

    private Ed25519PublicKeyParameters parsedKey(String keyId, byte[] raw) {
      Ed25519PublicKeyParameters k = parsed.computeIfAbsent(keyId, id -> Signatures.publicKey(raw));
      if (k == null) {
        failSigned(Code.INVALID_KEY, lastSeq + 1, "the public key for key id " + keyId + " is not a valid Ed25519 point");
      }
      return k;
    }

    /**
     * Checks a KEY_ROTATION whose signature verified with {@code signedBy}, in the order of format
     * section 12.3: well-formed, signed by the key it retires, a key id never used before, and a
     * new key in the trusted set with the same public key. Then the old key id is retired.
     */
    private boolean rotate(AuditEvent event, String signedBy) {
      FieldValue rotation = event.get("rotation");
      boolean object = rotation != null && rotation.isObject();
      String previous = object ? rotation.path("previousKeyId").textValue() : null;
      String next = object ? rotation.path("keyId").textValue() : null;
      String publicKey = object ? rotation.path("publicKey").textValue() : null;
      byte[] raw = publicKey == null ? null : AuditEvent.decodeSignature(publicKey); // the one strict Base64 spelling
      if (previous == null || previous.isEmpty() || next == null || next.isEmpty() || raw == null
          || raw.length != VerificationKey.PUBLIC_KEY_LENGTH) {
        return failSigned(Code.ROTATION_MALFORMED, event.seq(), "KEY_ROTATION must carry rotation.previousKeyId, "
            + "rotation.keyId and rotation.publicKey, a 32-byte key in padded Base64 with zero trailing bits, but has rotation "
            + rotation);
      }
      if (!previous.equals(signedBy)) {
        return failSigned(Code.ROTATION_NOT_BY_RETIRING_KEY, event.seq(), "KEY_ROTATION names previous key " + previous
            + " but is signed with " + signedBy + " (a rotation must be signed by the key it retires)");
      }
      if (keyIdsSeen.contains(next)) {
        return failSigned(Code.ROTATION_KEY_REUSED, event.seq(), "KEY_ROTATION reintroduces key id " + next
            + ", which was already used");
      }
      VerificationKey given = config.pinned.get(next);
      if (given == null) {
        for (Iterator<VerificationKey> it = unbound.iterator(); it.hasNext() && given == null; ) {
          VerificationKey candidate = it.next();
          if (Arrays.equals(candidate.publicKey(), raw)) {
            it.remove();
            boundKeys.put(next, candidate);
            given = candidate;
            if (!candidate.keyId().equals(next)) {
              notes.add("key " + candidate.keyId() + " was matched to key id " + next + " by the rotation at seq " + event.seq());
            }
          }
        }
      }
      if (given == null) {
        return failSigned(Code.ROTATION_KEY_UNTRUSTED, event.seq(), "KEY_ROTATION introduces key " + next + " ("
            + Hashing.hex(raw).substring(0, 16) + "...), which is not among the trusted keys (a rotation signed with a "
            + "leaked old key? give the new public key if the rotation is genuine)");
      }
      if (!Arrays.equals(given.publicKey(), raw)) {
        return failSigned(Code.ROTATION_KEY_UNTRUSTED, event.seq(), "KEY_ROTATION introduces key " + next
            + " with a public key different from the one given for " + next + " (" + Hashing.hex(raw).substring(0, 16)
            + "... vs " + Hashing.hex(given.publicKey()).substring(0, 16) + "...)");
      }
      retired.put(signedBy, "at seq " + event.seq() + " (rotated to " + next + ")");
      keyIdsSeen.add(next);
      currentKeyId = next;
      return true;
    }

    /** A signature failure: everything since the last good signature is unauthenticated. */
    private boolean failSigned(Code code, long seq, String why) {
      if (pendingStart != 0 && pendingStart < seq) {
        return fail(code, pendingStart, "events " + pendingStart + ".." + seq + " are not authenticated: seq " + seq + " " + why);
      }
      return fail(code, seq, why);
    }

    boolean fail(Code code, long seq, String why) {
      if (failure == null) {
        badSeq = seq;
        failCode = code;
        failure = "seq " + seq + ": " + why;
        failStatus = Status.TAMPERED;
        failFile = file;
        failLine = line;
      }
      return false;
    }

    VerificationResult finish() {
      if (failure == null && keys && pendingStart != 0) {
        failStatus = Status.UNSIGNED_TAIL;
        failCode = Code.UNSIGNED_TAIL;
        badSeq = pendingStart;
        failure = "seq " + pendingStart + ": events " + pendingStart + ".." + lastSeq + " after the last signed event"
            + (lastSignedSeq > 0 ? " (seq " + lastSignedSeq + ")" : "") + " are not covered by any signature: "
            + "a tail truncated inside a checkpoint interval, a writer that stopped before its next checkpoint, "
            + "or events appended without the key";
      }
      if (failure == null && config.expectSeq > lastSeq) {
        failStatus = Status.TAMPERED;
        failCode = Code.TRUNCATED;
        badSeq = lastSeq + 1;
        failure = "seq " + badSeq + ": the log ends at seq " + lastSeq + " but the expected head is seq " + config.expectSeq
            + " (events " + badSeq + ".." + config.expectSeq + " missing: truncated)";
      }
      String mode;
      if (!keys) {
        mode = VerificationResult.NONE;
      } else if (coveredByCheckpoint > 0 && signedRegular > 0) {
        mode = VerificationResult.MIXED;
      } else if (coveredByCheckpoint > 0) {
        mode = VerificationResult.CHECKPOINT;
      } else {
        mode = VerificationResult.PER_EVENT;
      }
      List<String> used = new ArrayList<>(keyIdsUsed);
      if (failure != null) {
        VerificationResult.Status status = failStatus == Status.UNSIGNED_TAIL
            ? VerificationResult.Status.UNSIGNED_TAIL : VerificationResult.Status.TAMPERED;
        String where = failStatus == Status.UNSIGNED_TAIL ? null : failFile;
        return new VerificationResult(status, failCode, checked, badSeq, failure, mode, signatures, checkpoints, used, lastSeq, lastHash(),
            lastSignedSeq, where, where == null ? 0 : failLine, notes);
      }
      boolean closedAtEnd = lastIsClosingCheckpoint && torn == null;
      if (closedAtEnd) {
        return new VerificationResult(VerificationResult.Status.INTACT, null, checked, -1, null, mode, signatures, checkpoints, used,
            lastSeq, lastHash(), lastSignedSeq, null, 0, notes);
      }
      String head = lastSeq + ":" + lastHash();
      String why = (torn != null ? torn + "; the log before it ends at seq " + lastSeq
          : "the log ends at seq " + lastSeq + " without a closing checkpoint: normal while its writer is running (or after "
              + "a crash)")
          + "; to tell it from a log whose tail was cut, compare its " + (keys ? "signed " : "") + "head " + head
          + " with one kept elsewhere (countersign verify --expect-head " + head + ")";
      if (config.expectClosed) {
        return new VerificationResult(VerificationResult.Status.TAMPERED, Code.NOT_CLOSED, checked, lastSeq + 1,
            "seq " + (lastSeq + 1) + ": the log was expected to be closed but ends at seq " + lastSeq
                + " without a closing checkpoint (events after it removed, or its writer did not stop cleanly)"
                + (torn != null ? "; " + torn : ""), mode, signatures, checkpoints, used, lastSeq, lastHash(), lastSignedSeq, null, 0,
            notes);
      }
      return new VerificationResult(VerificationResult.Status.OPEN, torn != null ? Code.TORN_TAIL : Code.OPEN, checked,
          lastSeq + 1, why, mode, signatures, checkpoints, used,
          lastSeq, lastHash(), lastSignedSeq, null, 0, notes);
    }
  }

  /**
   * Configures an {@link AuditVerifier}: the trusted keys, where the log starts and, optionally,
   * the head it must reach.
   */
  public static final class Builder {
    private final Map<String, VerificationKey> pinned = new LinkedHashMap<>();
    private final List<VerificationKey> unpinned = new ArrayList<>();
    private long startAfterSeq;
    private String startAfterHash = AuditTrail.GENESIS_HASH;
    private long expectSeq;
    private String expectHash;
    private boolean expectClosed;
    private int threads = Math.min(Runtime.getRuntime().availableProcessors(), MAX_THREADS);
    private int scanBlockSize = LogScan.BLOCK;

    private Builder() {
    }

    /**
     * How many threads {@link AuditVerifier#verifyLog} uses to check the lines of a large log
     * (default: the available processors, at most {@value AuditVerifier#MAX_THREADS}). Recomputing
     * hashes and checking the canonical form is independent per line and runs in parallel; the
     * links, sequence numbers and signatures are still checked one after another, so the result
     * is the same for any value. 1 verifies on the calling thread only.
     *
     * @throws IllegalArgumentException if {@code threads} is not between 1 and {@value AuditVerifier#MAX_THREADS}
     */
    public Builder threads(int threads) {
      if (threads < 1 || threads > MAX_THREADS) {
        throw new IllegalArgumentException("verifier threads must be between 1 and " + MAX_THREADS + " but was " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Tests only: reads the log in blocks of {@code bytes} (default 256 KiB) and uses the
     * {@link #threads} for any size of log, so that small test logs cross every block boundary.
     */
    Builder scanBlockSize(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("scanBlockSize must be >= 1 but was " + bytes);
      }
      this.scanBlockSize = bytes;
      return this;
    }

    /** Trusts {@code key} for events whose {@code keyId} equals {@code key.keyId()}. */
    public Builder key(VerificationKey key) {
      Objects.requireNonNull(key, "key must not be null");
      VerificationKey earlier = pinned.putIfAbsent(key.keyId(), key);
      if (earlier != null && !earlier.equals(key)) {
        throw new IllegalArgumentException("two different verification keys have key id '" + key.keyId() + "'");
      }
      return this;
    }

    /** {@link #key} for each of {@code keys}. */
    public Builder keys(VerificationKey... keys) {
      Objects.requireNonNull(keys, "keys must not be null");
      for (VerificationKey key : keys) {
        key(Objects.requireNonNull(key, "keys must not contain null"));
      }
      return this;
    }

    /**
     * Trusts {@code key} for whichever key id its signatures verify first (its own id is only a
     * label): for a PEM file that does not say which key id it is. Once matched, the key counts
     * for that id only.
     */
    public Builder keyMatchedBySignature(VerificationKey key) {
      unpinned.add(Objects.requireNonNull(key, "key must not be null"));
      return this;
    }

    /** The log continues after event {@code seq} whose hash is {@code hash} (default: genesis). */
    public Builder startAfter(long seq, String hash) {
      if (seq < 0) {
        throw new IllegalArgumentException("startAfterSeq must be >= 0 but was " + seq);
      }
      if (!Hashing.isLowerHex(hash, 64)) {
        throw new IllegalArgumentException("startAfterHash must be 64 lower-case hex characters but was '" + hash + "'");
      }
      this.startAfterSeq = seq;
      this.startAfterHash = hash;
      return this;
    }

    /**
     * The log must reach event {@code seq} (and, if {@code hash} is not {@code null}, that event
     * must have this hash): a head kept elsewhere, which makes any truncation detectable.
     */
    public Builder expectHead(long seq, String hash) {
      if (seq < 1) {
        throw new IllegalArgumentException("expectHead seq must be >= 1 but was " + seq);
      }
      if (hash != null && !Hashing.isLowerHex(hash, 64)) {
        throw new IllegalArgumentException("expectHead hash must be 64 lower-case hex characters but was '" + hash + "'");
      }
      this.expectSeq = seq;
      this.expectHash = hash;
      return this;
    }

    /**
     * The log is known to be complete: a log that does not end with a closing checkpoint (which
     * {@link VerificationResult.Status#OPEN} otherwise reports as still open) is then
     * {@link VerificationResult.Status#TAMPERED} with code {@link Code#NOT_CLOSED}.
     */
    public Builder expectClosed() {
      this.expectClosed = true;
      return this;
    }

    /** Builds the verifier (without keys it checks the hash chain only, and says so). */
    public AuditVerifier build() {
      return new AuditVerifier(this);
    }
  }
}
