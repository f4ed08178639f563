package io.countersign.audit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.audit.Ed25519Signer;
import io.countersign.internal.Hashing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Generates the language-neutral test vectors in {@code docs/audit-test-vectors/} (one directory
 * per rule of {@code docs/AUDIT-FORMAT.md}: the log, the public keys, {@code expected.json}).
 * Lines are written by hand here, not by the library's writer, so that a vector can hold what the
 * writer never produces (an unknown type, a bad rotation, a stray file). Keys are the RFC 8032
 * section 7.1 test keys and every value is fixed, so regenerating gives the same bytes.
 *
 * <p>Regenerate (from the repository root):
 * <pre>
 * mvn -B -ntp -q -pl approvals-audit-cli -am test -Dtest=AuditTestVectorsTest \
 *   -Dsurefire.failIfNoSpecifiedTests=false -Dcountersign.vectors.regenerate=true
 * </pre>
 * ({@link #main} writes them too, to the directory given as its argument).
 */
final class AuditTestVectors {

  static final String ZEROS = "0".repeat(64);
  /** RFC 8032 section 7.1 TEST 1, 2 and 3 secret keys: public test values, never for real use. */
  static final Ed25519Signer K1 = signer("k1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  static final Ed25519Signer K2 = signer("k2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
  static final Ed25519Signer K9 = signer("k9", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7");

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private AuditTestVectors() {
  }

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/audit-test-vectors");
    write(out);
    System.out.println("test vectors written to " + out.toAbsolutePath().normalize());
  }

  private static Ed25519Signer signer(String id, String seedHex) {
    return Ed25519Signer.of(id, Hashing.unhex(seedHex, "seed"));
  }

  /** A JSON string literal for plain ASCII text (no escapes needed in these vectors). */
  static String str(String s) {
    return "\"" + s + "\"";
  }

  /** One event under construction: member name to canonical JSON value text (ASCII names, so byte order = UTF-16 order). */
  static final class Ev {
    final TreeMap<String, String> members = new TreeMap<>();

    Ev put(String name, String rawJson) {
      members.put(name, rawJson);
      return this;
    }

    Ev remove(String name) {
      members.remove(name);
      return this;
    }

    String line() {
      StringBuilder b = new StringBuilder("{");
      members.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append(str(k)).append(':').append(v));
      return b.append('}').toString();
    }
  }

  /** Builds a chain: seals each event (seq, prevHash, hash, keyId, signature) as the format says. */
  static final class Chain {
    final List<String> lines = new ArrayList<>();
    long seq;
    String prevHash = ZEROS;
    Ed25519Signer signer;         // signs every event (per-event mode), or null
    Ed25519Signer checkpointSigner; // signs checkpoints in checkpoint mode
    int minute;

    Chain(Ed25519Signer signer) {
      this.signer = signer;
      this.checkpointSigner = signer;
    }

    static Chain checkpointMode(Ed25519Signer signer) {
      Chain c = new Chain(null);
      c.checkpointSigner = signer;
      return c;
    }

    Ev event(String type) {
      seq++;
      minute++;
      return new Ev().put("seq", Long.toString(seq)).put("eventId", str(String.format("00000000-0000-4000-8000-%012d", seq)))
          .put("type", str(type)).put("time", str(String.format("2025-03-01T09:%02d:00Z", minute % 60)))
          .put("prevHash", str(prevHash));
    }

    Ev request(String type) {
      return event(type).put("requestId", str("req-1")).put("action", "{\"method\":\"com.example.Payments#refund\",\"name\":\"refund\"}");
    }

    Chain add(Ev ev) {
      return add(ev, ev.members.get("type").equals(str("CHECKPOINT")) || ev.members.get("type").equals(str("KEY_ROTATION"))
          ? checkpointSigner : signer, null);
    }

    /** Seals {@code ev} with {@code by} (null: unsigned); {@code edit} changes the sealed line's members afterwards. */
    Chain add(Ev ev, Ed25519Signer by, Consumer<Ev> edit) {
      if (by != null) {
        ev.put("keyId", str(by.keyId()));
      }
      ev.remove("hash").remove("signature");
      byte[] hash = Hashing.sha256(ev.members.get("prevHash").replace("\"", "").getBytes(StandardCharsets.US_ASCII),
          ev.line().getBytes(StandardCharsets.UTF_8));
      ev.put("hash", str(Hashing.hex(hash)));
      if (by != null) {
        ev.put("signature", str(Base64.getEncoder().encodeToString(by.sign(hash))));
      }
      if (edit != null) {
        edit.accept(ev);
      }
      lines.add(ev.line());
      prevHash = Hashing.hex(hash);
      return this;
    }

    Chain requested() {
      return add(request("REQUESTED").put("actor", "{\"id\":\"agent:bot\",\"kind\":\"AGENT\"}"));
    }

    Chain decided() {
      return add(request("DECIDED").put("outcome", str("APPROVED")).put("approvals", "1").put("quorum", "1"));
    }

    Chain checkpoint(String reason) {
      return add(event("CHECKPOINT").put("checkpoint", "{\"reason\":" + str(reason) + "}"));
    }

    Chain close() {
      return checkpoint("close");
    }

    /** A KEY_ROTATION from the current signer to {@code next}, with {@code publicKey} as written. */
    Ev rotationEvent(String previous, String next, String publicKey) {
      return event("KEY_ROTATION").put("rotation", "{\"keyId\":" + str(next) + ",\"previousKeyId\":" + str(previous)
          + ",\"publicKey\":" + str(publicKey) + "}");
    }

    Chain rotate(Ed25519Signer next) {
      add(rotationEvent(checkpointSigner.keyId(), next.keyId(), b64(next)));
      if (signer != null) {
        signer = next;
      }
      checkpointSigner = next;
      return this;
    }

    String text() {
      StringBuilder b = new StringBuilder();
      lines.forEach(l -> b.append(l).append('\n'));
      return b.toString();
    }
  }

  static String b64(Ed25519Signer s) {
    return Base64.getEncoder().encodeToString(s.verificationKey().publicKey());
  }

  /** One vector: files to write and the expected outcome. */
  static final class Vector {
    final String name;
    final String description;
    final Map<String, byte[]> files = new LinkedHashMap<>();
    String log = "log.jsonl";
    final List<Ed25519Signer> keys = new ArrayList<>();
    boolean expectClosed;
    String expectHead;
    String status;
    Long firstBadSeq;
    String code;
    String note;

    Vector(String name, String description) {
      this.name = name;
      this.description = description;
    }

    Vector file(String path, String content) {
      files.put(path, content.getBytes(StandardCharsets.UTF_8));
      return this;
    }

    Vector log(Chain chain) {
      return file("log.jsonl", chain.text());
    }

    Vector segments(String... nameThenContent) {
      log = "log";
      for (int i = 0; i < nameThenContent.length; i += 2) {
        file("log/" + nameThenContent[i], nameThenContent[i + 1]);
      }
      return this;
    }

    Vector keys(Ed25519Signer... signers) {
      keys.addAll(List.of(signers));
      return this;
    }

    Vector expect(String status, Long firstBadSeq, String code) {
      this.status = status;
      this.firstBadSeq = firstBadSeq;
      this.code = code;
      return this;
    }

    Vector intact() {
      return expect("INTACT", null, null);
    }

    Vector tampered(long seq, String code) {
      return expect("TAMPERED", seq, code);
    }

    ObjectNode expected() {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("description", description);
      n.put("log", log);
      ArrayNode k = n.putArray("keys");
      keys.forEach(s -> k.addObject().put("keyId", s.keyId()).put("pem", s.keyId() + ".pem"));
      if (expectClosed) {
        n.put("expectClosed", true);
      }
      if (expectHead != null) {
        n.put("expectHead", expectHead);
      }
      n.put("status", status);
      if (firstBadSeq != null) {
        n.put("firstBadSeq", firstBadSeq);
      }
      if (code != null) {
        n.put("code", code);
      }
      if (note != null) {
        n.put("noteContains", note);
      }
      return n;
    }
  }

  static String segment(long firstSeq) {
    return String.format("audit-%016d.jsonl", firstSeq);
  }

  /** Lines {@code from..to} (1-based seqs of a chain starting at 1) as file content. */
  static String lines(Chain c, int from, int to) {
    StringBuilder b = new StringBuilder();
    for (int i = from; i <= to; i++) {
      b.append(c.lines.get(i - 1)).append('\n');
    }
    return b.toString();
  }

  static Chain closed(Ed25519Signer s) {
    return new Chain(s).requested().decided().close();
  }

  /** Every vector, in order. */
  static List<Vector> all() {
    List<Vector> v = new ArrayList<>();
    // --- baseline
    v.add(new Vector("basic-intact-per-event", "every event signed, closing checkpoint: INTACT")
        .log(closed(K1)).keys(K1).intact());
    v.add(new Vector("basic-intact-checkpoint-mode", "unsigned events covered by signed checkpoints: INTACT")
        .log(Chain.checkpointMode(K1).requested().checkpoint("count").decided().close()).keys(K1).intact());
    v.add(new Vector("basic-chain-only", "no keys: the hash chain only (signatures not checked): INTACT")
        .log(closed(K1)).intact());
    Chain edited = closed(K1);
    edited.lines.set(1, edited.lines.get(1).replace("APPROVED", "REJECTED"));
    v.add(new Vector("edit-hash-mismatch", "an event edited after sealing (outcome APPROVED -> REJECTED): TAMPERED at its seq")
        .log(edited).keys(K1).tampered(2, "HASH_MISMATCH"));
    Chain gap = closed(K1);
    gap.lines.remove(1);
    v.add(new Vector("delete-seq-gap", "event 2 deleted: TAMPERED at 2").log(gap).keys(K1).tampered(2, "SEQ_MISMATCH"));
    Chain spaced = closed(K1);
    spaced.lines.set(1, spaced.lines.get(1).replace(",\"outcome\"", ", \"outcome\""));
    v.add(new Vector("not-canonical-whitespace", "valid JSON with a space between members: TAMPERED")
        .log(spaced).keys(K1).tampered(2, "NOT_CANONICAL"));
    Chain forged = new Chain(K1).requested();
    Ed25519Signer impostor = signer("k1", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7");
    forged.add(forged.request("DECIDED"), impostor, null).close();
    v.add(new Vector("forged-signature", "event 2 re-hashed and signed with a key that is not k1's: TAMPERED")
        .log(forged).keys(K1).tampered(2, "BAD_SIGNATURE"));
    v.add(new Vector("unknown-key", "signed with a key id no trusted key has: TAMPERED")
        .log(closed(K9)).keys(K1).tampered(1, "UNKNOWN_KEY"));
    Chain unsignedCp = Chain.checkpointMode(K1).requested();
    unsignedCp.add(unsignedCp.event("CHECKPOINT").put("checkpoint", "{\"reason\":\"close\"}"), null, null);
    v.add(new Vector("unsigned-checkpoint", "a CHECKPOINT without signature while keys are given: TAMPERED at the interval start")
        .log(unsignedCp).keys(K1).tampered(1, "UNSIGNED_CONTROL_EVENT"));
    v.add(new Vector("unsigned-tail", "checkpoint mode, events after the last checkpoint: UNSIGNED_TAIL")
        .log(Chain.checkpointMode(K1).requested().checkpoint("count").decided()).keys(K1).expect("UNSIGNED_TAIL", 3L, "UNSIGNED_TAIL"));

    // --- (1) types
    Chain unknown = new Chain(K1).requested();
    unknown.add(unknown.event("WIDGET_FROBBED").put("widget", str("w-1")));
    v.add(new Vector("type-unknown-accepted", "an unknown but well-formed type (WIDGET_FROBBED) is an ordinary event: INTACT")
        .log(unknown.close()).keys(K1).intact());
    Chain passkey = new Chain(K1);
    passkey.add(passkey.event("PASSKEY_ENROLLED").put("reviewer", str("alice")));
    passkey.add(passkey.request("ESCALATED"));
    v.add(new Vector("type-module-specific", "module types (PASSKEY_ENROLLED, ESCALATED) verify like any other: INTACT")
        .log(passkey.close()).keys(K1).intact());
    Chain badType = new Chain(K1).requested();
    badType.add(badType.event("widget-frobbed"));
    v.add(new Vector("type-bad-grammar", "a type outside the grammar [A-Z][A-Z0-9_]{0,63}: TAMPERED")
        .log(badType.close()).keys(K1).tampered(2, "MALFORMED_EVENT"));

    // --- (2), (6) rotations
    v.add(new Vector("rotation-intact", "k1 rotates to k2, both trusted: INTACT")
        .log(new Chain(K1).requested().rotate(K2).decided().close()).keys(K1, K2).intact());
    String k2 = b64(K2);
    Chain unpadded = new Chain(K1).requested();
    unpadded.add(unpadded.rotationEvent("k1", "k2", k2.substring(0, k2.length() - 1)));
    v.add(new Vector("rotation-key-unpadded", "rotation.publicKey without its '=' padding: TAMPERED")
        .log(unpadded).keys(K1, K2).tampered(2, "ROTATION_MALFORMED"));
    char last = k2.charAt(k2.length() - 2); // the character holding the 2 trailing bits
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    String trailing = k2.substring(0, k2.length() - 2) + alphabet.charAt(alphabet.indexOf(last) | 1) + "=";
    Chain bits = new Chain(K1).requested();
    bits.add(bits.rotationEvent("k1", "k2", trailing));
    v.add(new Vector("rotation-key-trailing-bits", "rotation.publicKey with non-zero trailing bits (decodes to the same key): TAMPERED")
        .log(bits).keys(K1, K2).tampered(2, "ROTATION_MALFORMED"));
    Chain notRetiring = new Chain(K1).requested();
    notRetiring.add(notRetiring.rotationEvent("k0", "k2", k2));
    v.add(new Vector("rotation-not-by-retiring-key", "previousKeyId k0 but signed with k1: TAMPERED")
        .log(notRetiring).keys(K1, K2).tampered(2, "ROTATION_NOT_BY_RETIRING_KEY"));
    Chain reuse = new Chain(K1).requested().rotate(K2);
    reuse.add(reuse.rotationEvent("k2", "k1", b64(K1)));
    v.add(new Vector("rotation-key-reused", "k1 -> k2 -> k1: a rotation to a key id used before: TAMPERED")
        .log(reuse).keys(K1, K2).tampered(3, "ROTATION_KEY_REUSED"));
    v.add(new Vector("S47-rotation-leaked-old-key", "a rotation signed with the (leaked) old key k1 to k9, outside the trusted "
        + "set {k1, k2}: TAMPERED")
        .log(new Chain(K1).requested().rotate(K9).decided().close()).keys(K1, K2).tampered(2, "ROTATION_KEY_UNTRUSTED"));
    Chain swapped = new Chain(K1).requested();
    swapped.add(swapped.rotationEvent("k1", "k2", b64(K9)));
    v.add(new Vector("rotation-key-differs", "a rotation to k2 carrying another public key than the trusted k2: TAMPERED")
        .log(swapped).keys(K1, K2).tampered(2, "ROTATION_KEY_UNTRUSTED"));
    Chain retired = new Chain(K1).requested().rotate(K2);
    retired.add(retired.request("DECIDED"), K1, null);
    v.add(new Vector("rotation-retired-key", "an event signed with k1 after k1 was rotated to k2: TAMPERED")
        .log(retired).keys(K1, K2).tampered(3, "RETIRED_KEY"));

    // --- (10) key change without rotation
    Chain changed = new Chain(K1).requested();
    changed.add(changed.request("DECIDED"), K2, null);
    v.add(new Vector("key-changed-without-rotation", "events signed k1 then k2 with no KEY_ROTATION, both trusted: TAMPERED")
        .log(changed).keys(K1, K2).tampered(2, "KEY_CHANGED_WITHOUT_ROTATION"));

    // --- (3), (9), (7), (11) segments
    Chain six = new Chain(K1).requested().decided().requested().decided().requested().close();
    v.add(new Vector("segments-intact", "a chain across two segments: INTACT")
        .segments(segment(1), lines(six, 1, 3), segment(4), lines(six, 4, 6)).keys(K1).intact());
    v.add(new Vector("segments-empty-stray", "an empty segment named for seq 2, inside the first segment's range: TAMPERED")
        .segments(segment(1), lines(six, 1, 3), segment(2), "", segment(4), lines(six, 4, 6)).keys(K1)
        .tampered(4, "EMPTY_SEGMENT"));
    v.add(new Vector("segments-empty-last", "an empty last segment named for the next seq (a crash after creating it): OPEN")
        .segments(segment(1), lines(six, 1, 3), segment(4), "").keys(K1).expect("OPEN", null, "OPEN"));
    v.add(new Vector("segments-empty-last-misnamed", "an empty last segment not named for the next seq: TAMPERED")
        .segments(segment(1), lines(six, 1, 3), segment(9), "").keys(K1).tampered(4, "EMPTY_SEGMENT"));
    String cut = lines(six, 1, 3);
    v.add(new Vector("segments-unterminated-not-last", "segment 1 ends without LF after seq 3 and another segment follows: "
        + "TAMPERED at seq 3, the seq of the unterminated line")
        .segments(segment(1), cut.substring(0, cut.length() - 1), segment(4), lines(six, 4, 6)).keys(K1)
        .tampered(3, "UNTERMINATED_SEGMENT"));
    v.add(new Vector("segments-misnamed", "a segment whose first event is not the seq in its name: TAMPERED")
        .segments(segment(1), lines(six, 1, 3), segment(5), lines(six, 4, 6)).keys(K1).tampered(4, "SEGMENT_NAME_MISMATCH"));
    Vector stray = new Vector("segments-stray-file", "a file that is not a segment, torn tail or lock: reported, not verified")
        .segments(segment(1), lines(six, 1, 6), "audit-0000000000000007.jsonl.bak", lines(six, 1, 1),
            segment(1) + ".torn", "{\"seq\":7", "audit.lock", "pid 1\n").keys(K1).intact();
    stray.note = "audit-0000000000000007.jsonl.bak is not a segment";
    v.add(stray);
    Chain days = new Chain(K1).requested();
    days.add(days.request("DECIDED").put("time", str("2025-03-02T00:00:01Z")));
    days.close();
    v.add(new Vector("segments-rules-not-checked", "segments cut at arbitrary points and spanning two UTC days: writer rules, "
        + "not checked: INTACT")
        .segments(segment(1), lines(days, 1, 2), segment(3), lines(days, 3, 3)).keys(K1).intact());
    Chain torn = new Chain(K1).requested().decided();
    v.add(new Vector("torn-tail", "the last line of the last file has no LF: not an event: OPEN")
        .file("log.jsonl", torn.text() + "{\"seq\":3,\"eventId\"").keys(K1).expect("OPEN", null, "TORN_TAIL"));

    // --- open, closed, heads
    Chain open = new Chain(K1).requested().decided();
    v.add(new Vector("open-not-closed", "no closing checkpoint: OPEN (normal while the writer runs)")
        .log(open).keys(K1).expect("OPEN", null, "OPEN"));
    Vector expectClosed = new Vector("open-expect-closed", "no closing checkpoint, but the caller says the log is closed: TAMPERED")
        .log(open).keys(K1).tampered(3, "NOT_CLOSED");
    expectClosed.expectClosed = true;
    v.add(expectClosed);
    Vector head = new Vector("open-expect-head-beyond", "the log ends at seq 2, the head kept elsewhere is seq 4: TAMPERED")
        .log(open).keys(K1).tampered(3, "TRUNCATED");
    head.expectHead = "4";
    v.add(head);

    // --- (4) limits
    v.add(depthVector("depth-1000-accepted", 1000, true));
    v.add(depthVector("depth-1001-rejected", 1001, false));

    // --- (5) time
    v.add(timeVector("time-leap-day", "2024-02-29T12:00:00Z", true));
    v.add(timeVector("time-fraction-9-digits", "2025-03-01T09:00:00.123456789Z", true));
    v.add(timeVector("time-not-a-leap-year", "2025-02-29T12:00:00Z", false));
    v.add(timeVector("time-second-60", "2016-12-31T23:59:60Z", false));
    v.add(timeVector("time-year-10000", "+10000-01-01T00:00:00Z", false));
    v.add(timeVector("time-fraction-not-shortest", "2025-03-01T09:00:00.250000Z", false));
    v.add(timeVector("time-fraction-2-digits", "2025-03-01T09:00:00.25Z", false));
    v.add(timeVector("time-offset", "2025-03-01T10:00:00+01:00", false));

    // --- (11) checkpoint member, nulls
    Chain noReason = new Chain(K1).requested();
    noReason.add(noReason.event("CHECKPOINT").put("checkpoint", "{}"));
    v.add(new Vector("checkpoint-without-reason", "a CHECKPOINT whose checkpoint member has no reason: TAMPERED")
        .log(noReason).keys(K1).tampered(2, "BAD_CHECKPOINT"));
    Chain oddReason = new Chain(K1).requested();
    oddReason.add(oddReason.event("CHECKPOINT").put("checkpoint", "{\"reason\":\"whenever\"}"));
    v.add(new Vector("checkpoint-unknown-reason", "a CHECKPOINT with a reason outside count/time/requested/close: TAMPERED")
        .log(oddReason).keys(K1).tampered(2, "BAD_CHECKPOINT"));
    Chain nulls = new Chain(K1);
    nulls.add(nulls.request("REQUESTED").put("note", "null").put("extra", "{\"a\":null,\"b\":[null]}"));
    v.add(new Vector("null-members-accepted", "null event-specific members (top level and nested) are content like any other: INTACT")
        .log(nulls.close()).keys(K1).intact());
    Chain nullReserved = new Chain(K1);
    nullReserved.add(nullReserved.event("REQUESTED").put("requestId", "null"));
    v.add(new Vector("null-reserved-member", "a reserved member (requestId) written as null: TAMPERED")
        .log(nullReserved.close()).keys(K1).tampered(1, "MALFORMED_EVENT"));
    return v;
  }

  private static Vector depthVector(String name, int depth, boolean ok) {
    Chain c = new Chain(K1);
    // the event object is depth 1; "deep" adds depth - 1 nested arrays
    c.add(c.request("REQUESTED").put("deep", "[".repeat(depth - 1) + "]".repeat(depth - 1)));
    Vector v = new Vector(name, "an event nested " + depth + " levels deep (the event object counts as 1; the maximum is 1000): "
        + (ok ? "INTACT" : "TAMPERED")).log(c.close()).keys(K1);
    return ok ? v.intact() : v.tampered(1, "MALFORMED_EVENT");
  }

  private static Vector timeVector(String name, String time, boolean ok) {
    Chain c = new Chain(K1);
    c.add(c.request("REQUESTED").put("time", str(time)));
    Vector v = new Vector(name, "time " + time + ": " + (ok ? "INTACT" : "TAMPERED")).log(c.close()).keys(K1);
    return ok ? v.intact() : v.tampered(1, "MALFORMED_EVENT");
  }

  /** Writes every vector under {@code dir} (replacing earlier vector directories). */
  static void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (Vector v : all()) {
      Path d = dir.resolve(v.name);
      if (Files.exists(d)) {
        try (Stream<Path> walk = Files.walk(d)) {
          for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(d);
      for (Map.Entry<String, byte[]> f : v.files.entrySet()) {
        Path p = d.resolve(f.getKey());
        Files.createDirectories(p.getParent());
        Files.write(p, f.getValue());
      }
      for (Ed25519Signer s : v.keys) {
        Files.writeString(d.resolve(s.keyId() + ".pem"), s.verificationKey().toPem(), StandardCharsets.US_ASCII);
      }
      Files.writeString(d.resolve("expected.json"), JSON.writeValueAsString(v.expected()) + "\n", StandardCharsets.UTF_8);
    }
  }
}
