package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.AuditChains;

import static io.countersign.audit.AuditChains.T0;
import static io.countersign.audit.AuditChains.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.internal.Hashing;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The single-serialisation writer and the verifier's byte-level fast path ({@link CanonicalLine})
 * must never change a result: sealed lines are exactly canonical, and the fast path accepts a line
 * only when the full parse would accept it with the same values.
 */
class VerifierFastPathTest {

  /** Field names that sort just before and after every member the trail splices in. */
  private static final List<String> AWKWARD_NAMES = List.of("a", "eventIc", "eventIe", "hasg", "hashh", "keyIc", "keyIe",
      "prevHasg", "prevHasi", "sep", "seq0", "signaturd", "signaturf", "tim", "timf", "z", "\u00e9t\u00e9",
      "\ud83d\ude00", "\ufb33", "~");

  private static AuditEvent.Builder awkward(int i) {
    AuditEvent.Builder b = AuditEvent.builder(EventType.VOTE).time(T0.plusMillis(250L * i + 1));
    for (String name : AWKWARD_NAMES) {
      b.field(name, name + " #" + i + " \"quoted\" \\ tab\t nl\n ctl\u0001\u001f /slash \u2028");
    }
    return b.field("nested", Map.of("z", List.of(1, -2, 0, 9007199254740991L, true, false), "a", Map.of("k", "v")))
        .field("empty", Map.of()).field("none", List.of());
  }

  private static List<AuditEvent> chain(int n, Ed25519Signer signer, boolean withRequestId) {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AtomicLong ids = new AtomicLong();
    AuditTrail.Builder b = AuditTrail.builder().sink(sink).idSource(() -> "evt-" + ids.incrementAndGet());
    if (signer != null) {
      b.signer(signer);
    }
    AuditTrail trail = b.build();
    for (int i = 1; i <= n; i++) {
      AuditEvent.Builder e = i % 2 == 0 ? AuditChains.sampleEvent(i) : awkward(i);
      trail.record(withRequestId ? e.requestId("req-" + i) : e).join();
    }
    return sink.events();
  }

  private static List<String> lines(List<AuditEvent> events) {
    List<String> lines = new ArrayList<>();
    events.forEach(e -> lines.add(e.toJson()));
    return lines;
  }

  @Test
  void sealedLinesAreExactlyTheCanonicalFormWhereverTheSplicedMembersFallAmongTheFields() {
    for (Ed25519Signer signer : new Ed25519Signer[] {null, key("k1")}) {
      for (AuditEvent event : chain(6, signer, true)) {
        AuditEvent reparsed = AuditEvent.parse(event.toJson());

        assertThat(reparsed.toJson()).isEqualTo(event.toJson());
        assertThat(Hashing.hex(reparsed.recomputeHash())).isEqualTo(event.hash());
        if (event.seq() % 2 == 1) {
          assertThat(event.text("z")).startsWith("z #");
        }
        assertThat(event.keyId()).isEqualTo(signer == null ? null : "k1");
      }
      assertThat(AuditVerifier.verifyLines(lines(chain(6, signer, false))).ok()).isTrue();
    }
  }

  @Test
  void theFastPathAcceptsEveryUnsignedLineTheWriterProducesAndRecomputesItsHash() {
    List<AuditEvent> events = chain(12, null, true);
    CanonicalLine fast = new CanonicalLine();
    for (AuditEvent event : events) {
      byte[] bytes = event.toJson().getBytes(StandardCharsets.UTF_8);

      assertThat(fast.scan(bytes, bytes.length)).as(event.toJson()).isTrue();
      assertThat(fast.seq()).isEqualTo(event.seq());
      assertThat(fast.type()).isEqualTo(event.type());
      assertThat(hex(bytes, fast.prevHashAt())).isEqualTo(event.prevHash());
      assertThat(hex(bytes, fast.hashAt())).isEqualTo(event.hash());
      assertThat(fast.hashMatches()).isTrue();
    }
  }

  @Test
  void theFastPathLeavesSignedEventsCheckpointsAndRotationsToTheFullPath() {
    Ed25519Signer k1 = key("k1");
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).checkpointEvery(2, Duration.ofMinutes(1)).build();
    trail.record(AuditChains.sampleEvent(1)).join();
    trail.record(AuditChains.sampleEvent(2)).join();
    trail.rotateKey(key("k2")).join();
    trail.close();
    CanonicalLine fast = new CanonicalLine();
    List<EventType> declined = new ArrayList<>();
    for (AuditEvent event : sink.events()) {
      byte[] bytes = event.toJson().getBytes(StandardCharsets.UTF_8);
      if (!fast.scan(bytes, bytes.length)) {
        declined.add(event.type());
      }
    }

    assertThat(declined).containsExactly(EventType.CHECKPOINT, EventType.KEY_ROTATION, EventType.CHECKPOINT);
    List<AuditEvent> perEvent = chain(2, k1, true);
    byte[] signed = perEvent.get(0).toJson().getBytes(StandardCharsets.UTF_8);
    assertThat(fast.scan(signed, signed.length)).isFalse();
  }

  @Test
  @DisplayName("S29 a non-canonical line whose hash an attacker recomputed over its own bytes is still rejected")
  void s29_nonCanonicalLinesAreNeverAcceptedEvenWithAMatchingHashOverTheirBytes() {
    String line = chain(1, null, true).get(0).toJson();
    Map<String, String> variants = new LinkedHashMap<>();
    variants.put("space after a colon", line.replace("\"seq\":1", "\"seq\": 1"));
    variants.put("escaped slash", line.replace("/slash", "\\/slash"));
    variants.put("needless \\u escape", line.replace("#1 ", "\\u00231 "));
    variants.put("upper-case hex escape", line.replace("\\u001f", "\\u001F"));
    variants.put("\\u escape for a named control", line.replace("\\t", "\\u0009"));
    variants.put("escaped U+2028", line.replace("\u2028", "\\u2028"));
    variants.put("integer as -0", line.replace(",0,", ",-0,"));
    variants.put("integer with a fraction", line.replace(",-2,", ",-2.0,"));
    variants.put("integer with a leading zero", line.replace(",-2,", ",-02,"));
    variants.put("integer beyond 2^53-1", line.replace("9007199254740991", "9007199254740992"));
    variants.put("members out of order", line.replace("{\"k\":\"v\"}", "{\"k\":\"v\",\"b\":1}"));
    variants.put("duplicate member", line.replace("{\"k\":\"v\"}", "{\"k\":\"v\",\"k\":\"v\"}"));
    variants.put("trailing CR", line + "\r");
    variants.put("byte order mark", "\ufeff" + line);
    variants.put("time with a zero millisecond group", line.replace(".251Z", ".251000Z"));
    variants.put("impossible date", line.replace("2025-03-01T", "2025-02-30T"));
    variants.put("type outside the grammar", line.replace("\"type\":\"VOTE\"", "\"type\":\"vote\""));
    // (an unknown type is not a forgery: types are open, see OpenEventTypeTest; a needless escape is)
    variants.put("needless escape in the type", line.replace("\"type\":\"VOTE\"", "\"type\":\"VOT\\u0045\""));
    variants.put("seq as a string", line.replace("\"seq\":1", "\"seq\":\"1\""));
    CanonicalLine fast = new CanonicalLine();
    for (Map.Entry<String, String> variant : variants.entrySet()) {
      assertThat(variant.getValue()).as(variant.getKey()).isNotEqualTo(line);
      String forged = rehashAsAnAttackerWould(variant.getValue());
      byte[] bytes = forged.getBytes(StandardCharsets.UTF_8);

      boolean accepted = fast.scan(bytes, bytes.length) && fast.hashMatches();
      VerificationResult result = AuditVerifier.verifyLines(List.of(forged));

      assertThat(accepted).as("fast path accepted: " + variant.getKey()).isFalse();
      assertThat(result.ok()).as(variant.getKey() + ": " + result.summary()).isFalse();
      assertThat(result.firstBadSeq()).as(variant.getKey()).hasValue(1);
    }
  }

  @Test
  void aNonCanonicalUnsignedLineWithItsOriginalHashIsReportedAsNotCanonicalAsBefore() {
    List<String> lines = lines(chain(4, null, true));
    lines.set(2, lines.get(2).replace("\"seq\":3,", "\"seq\": 3,"));

    VerificationResult result = AuditVerifier.verifyLines(lines);

    assertThat(result.reason()).isEqualTo("seq 3: line is not in canonical form (whitespace, key order or escaping changed)");
  }

  @Test
  @DisplayName("S29 the fast path accepts a mutated line only if the full parser accepts it as canonical with the same values")
  void s29_fastPathAcceptanceImpliesFullPathAcceptanceUnderRandomMutations() {
    List<String> lines = lines(chain(3, null, true));
    byte[] interesting = {' ', '\\', '"', '0', '1', '-', '.', 'e', ',', ':', '{', '}', '[', ']', 'u', (byte) 0xC3, (byte) 0xED,
      (byte) 0xA0, (byte) 0xF4, (byte) 0x90, 0x7F, 0x1F};
    Random random = new Random(42);
    CanonicalLine fast = new CanonicalLine();
    int accepted = 0;
    int checked = 0;
    for (String line : lines) {
      byte[] original = line.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < original.length; i++) {
        List<byte[]> mutants = new ArrayList<>();
        byte[] flipped = original.clone();
        flipped[i] ^= (byte) (1 << random.nextInt(8));
        mutants.add(flipped);
        mutants.add(replace(original, i, interesting[random.nextInt(interesting.length)]));
        mutants.add(insert(original, i, interesting[random.nextInt(interesting.length)]));
        mutants.add(delete(original, i));
        for (byte[] mutant : mutants) {
          checked++;
          if (!fast.scan(mutant, mutant.length)) {
            continue;
          }
          accepted++;
          String text = new String(mutant, StandardCharsets.UTF_8);
          AuditEvent parsed = AuditEvent.parse(text); // must not throw
          assertThat(parsed.toJson()).as("fast path accepted a non-canonical line: %s", text).isEqualTo(text);
          assertThat(parsed.seq()).isEqualTo(fast.seq());
          assertThat(parsed.type()).isEqualTo(fast.type());
          assertThat(parsed.hash()).isEqualTo(hex(mutant, fast.hashAt()));
          assertThat(hex(mutant, fast.prevHashAt())).isEqualTo(parsed.prevHash());
          assertThat(fast.hashMatches()).isEqualTo(Hashing.hex(parsed.recomputeHash()).equals(parsed.hash()));
        }
      }
    }
    assertThat(checked).isGreaterThan(5_000);
    assertThat(accepted).as("some mutations keep the line canonical (e.g. edited letters)").isGreaterThan(100);
  }

  /** Replaces the hash member's value with SHA-256(prevHash || the line without it), as a forger would. */
  private static String rehashAsAnAttackerWould(String line) {
    int at = line.indexOf("\"hash\":\"");
    String member = line.substring(at, at + 8 + 64 + 1);
    String without = line.substring(0, at) + line.substring(at + member.length() + 1); // and the following comma
    int p = line.indexOf("\"prevHash\":\"") + 12;
    String prevHash = line.substring(p, p + 64);
    String forgedHash = Hashing.sha256Hex(prevHash.getBytes(StandardCharsets.US_ASCII), without.getBytes(StandardCharsets.UTF_8));
    return line.replace(member, "\"hash\":\"" + forgedHash + "\"");
  }

  private static byte[] replace(byte[] a, int i, byte b) {
    byte[] c = a.clone();
    c[i] = b;
    return c;
  }

  private static byte[] insert(byte[] a, int i, byte b) {
    byte[] c = new byte[a.length + 1];
    System.arraycopy(a, 0, c, 0, i);
    c[i] = b;
    System.arraycopy(a, i, c, i + 1, a.length - i);
    return c;
  }

  private static byte[] delete(byte[] a, int i) {
    byte[] c = new byte[a.length - 1];
    System.arraycopy(a, 0, c, 0, i);
    System.arraycopy(a, i + 1, c, i, a.length - i - 1);
    return c;
  }
  @Test
  @DisplayName("the 8-bytes-at-a-time string scan flags exactly the bytes that end or escape a plain run, at every position")
  void swarSpecialBytes() {
    for (int value = 0; value < 256; value++) {
      boolean special = value < 0x20 || value >= 0x80 || value == '"' || value == '\\';
      for (int position = 0; position < 8; position++) {
        byte[] word = "abcdefgh".getBytes(StandardCharsets.US_ASCII);
        word[position] = (byte) value;
        long x = 0;
        for (int i = 7; i >= 0; i--) {
          x = (x << 8) | (word[i] & 0xFF); // little-endian, as the scan reads it
        }
        long expected = special ? 0x80L << (8 * position) : 0;
        assertThat(CanonicalLine.special(x)).as("byte 0x%02x at %d", value, position).isEqualTo(expected);
      }
    }
  }

  @Test
  @DisplayName("the cheap 'any special byte' test agrees with the exact one on random words and on words of near-special bytes")
  void swarAnySpecialAgreesWithSpecial() {
    Random random = new Random(3);
    byte[] near = {0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, (byte) 0x80, (byte) 0x81, (byte) 0xA0, (byte) 0xFF, 0x00,
      0x01, 'a', 'z'};
    for (int i = 0; i < 2_000_000; i++) {
      long x;
      if (i % 2 == 0) {
        x = random.nextLong();
      } else {
        x = 0;
        for (int j = 0; j < 8; j++) {
          x = (x << 8) | (near[random.nextInt(near.length)] & 0xFF);
        }
      }
      assertThat(CanonicalLine.anySpecial(x)).as("%016x", x).isEqualTo(CanonicalLine.special(x) != 0);
    }
  }

  @Test
  @DisplayName("S29 a prevHash or hash with any one non-hex byte at any alignment is left to the full path")
  void hexCheckOfHashesRejectsEveryNonHexByte() {
    AuditEvent event = chain(2, null, true).get(1);
    String line = event.toJson();
    for (String member : new String[] {"\"prevHash\":\"", "\"hash\":\""}) {
      int at = line.substring(0, line.indexOf(member) + member.length()).getBytes(StandardCharsets.UTF_8).length; // a byte offset
      for (int position = 0; position < 64; position += 7) {
        for (int value = 0x20; value < 0x7F; value++) {
          if (value == '"' || value == '\\') {
            continue;
          }
          byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
          bytes[at + position] = (byte) value;
          boolean hex = (value >= '0' && value <= '9') || (value >= 'a' && value <= 'f');
          CanonicalLine fast = new CanonicalLine();
          assertThat(fast.scan(bytes, bytes.length)).as("%s byte %d = '%c'", member, position, (char) value).isEqualTo(hex);
        }
      }
    }
  }

  /** The 64 hex characters at {@code at} of a scanned line. */
  private static String hex(byte[] line, int at) {
    return new String(line, at, CanonicalLine.HASH_HEX_LENGTH, StandardCharsets.ISO_8859_1);
  }
}
