package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;

import io.countersign.internal.Hashing;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The verifier's fast path: checks one log line on its raw UTF-8 bytes, without building a JSON
 * tree, and recomputes its hash. One linear pass validates that the line is exactly in canonical
 * form ({@code docs/AUDIT-FORMAT.md}, section 4: no whitespace, members strictly sorted by UTF-16
 * code units at every level, JCS string escaping, well-formed UTF-8 without surrogates, plain
 * integers within +/-(2^53-1)) and locates the top-level reserved members. Because the line is
 * canonical, the line without its {@code hash} member <em>is</em> the canonical content the writer
 * hashed (section 5), so the hash is SHA-256 over the {@code prevHash} and the line bytes around
 * that member, with no re-serialisation.
 *
 * <p>Why it is safe: {@link #scan} accepts a line only if the full path ({@link AuditEvent#parse}
 * and the canonical comparison in {@link AuditVerifier}) would accept it too and read the same
 * values; it is deliberately stricter (it declines signed events, {@code CHECKPOINT} and
 * {@code KEY_ROTATION} events, escapes in reserved values, unusual timestamps, deep nesting, very
 * long lines). Whatever it declines, or whatever fails a later check, the verifier re-checks with
 * the full path, which produces the precise reason. So the fast path changes speed, never a result.
 *
 * <p>Not thread-safe: one instance per verification pass (or per worker thread). The scan works
 * on a line anywhere in a larger buffer ({@link #scan(byte[], int, int)}), so a verifier can scan
 * lines where it read them, without copying each.
 */
final class CanonicalLine {

  /** Lines longer than this go to the full parser (whose string and name limits then apply). */
  private static final int MAX_FAST_LENGTH = 1 << 22;
  /** Member names longer than this go to the full parser (Jackson limits names to 50,000 chars). */
  private static final int MAX_NAME_BYTES = 40_000;
  /** Deeper nesting goes to the full parser. */
  private static final int MAX_DEPTH = 64;
  private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
  static final int HASH_HEX_LENGTH = 64;

  // Words for the 8-bytes-at-a-time scans (Swar).
  private static final long ONES_7F = Swar.ONES_7F;
  private static final long HIGH_BITS = Swar.HIGH_BITS;
  private static final long QUOTES = Swar.repeat('"');
  private static final long BACKSLASHES = Swar.repeat('\\');
  private static final long BELOW_SPACE = Swar.repeat(0x80 - 0x20);
  private static final long SPACES = Swar.repeat(' ');
  private static final long ONES = Swar.repeat(1);

  private static final byte[][] TYPE_NAMES;
  private static final EventType[] TYPES = EventType.wellKnown().toArray(EventType[]::new);

  static {
    TYPE_NAMES = new byte[TYPES.length][];
    for (int i = 0; i < TYPES.length; i++) {
      TYPE_NAMES[i] = TYPES[i].name().getBytes(StandardCharsets.US_ASCII);
    }
  }

  // Top-level member names the fast path looks for, as bytes.
  private static final byte[] SEQ = ascii("seq");
  private static final byte[] EVENT_ID = ascii("eventId");
  private static final byte[] TYPE = ascii("type");
  private static final byte[] TIME = ascii("time");
  private static final byte[] REQUEST_ID = ascii("requestId");
  private static final byte[] PREV_HASH = ascii("prevHash");
  private static final byte[] HASH = ascii("hash");
  private static final byte[] KEY_ID = ascii("keyId");
  private static final byte[] SIGNATURE = ascii("signature");

  private byte[] b;
  private int start;
  private int end;
  private boolean valueIsPlainString; // set by scanString: no escape, no byte >= 0x80

  // Results of the last successful scan.
  private long seq;
  private EventType type;
  private int prevHashAt;   // offset of the 64 hex chars
  private int hashAt;       // offset of the 64 hex chars
  private int hashMemberStart;
  private int hashMemberEnd;
  private final byte[] digest = new byte[32];
  private final MessageDigest sha256 = Hashing.newSha256Digest();

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Scans {@code length} bytes of {@code line} (without the LF). True if the line is a
   * canonical, well-formed, <em>unsigned</em> ordinary event that the fast path can check; then
   * {@link #seq()}, {@link #type()} and the hash fields are available. False means "not decided
   * here": the caller must use the full path.
   */
  boolean scan(byte[] line, int length) {
    return scan(line, 0, length);
  }

  /** {@link #scan(byte[], int)} for the {@code length} bytes of {@code buffer} from {@code offset}. */
  boolean scan(byte[] buffer, int offset, int length) {
    return length >= 2 && scanLine(buffer, offset, offset + length) == offset + length;
  }

  /**
   * Scans the line that starts at {@code offset} of {@code buffer} and ends at the next LF or at
   * {@code limit}, without looking for the LF first (a canonical line cannot contain a raw LF, so
   * the object's closing brace must be followed by the LF or the limit). Returns the offset where
   * the line ends (of its LF, or {@code limit}) if the line is one {@link #scan(byte[], int)}
   * would accept, else -1: then the caller finds the line's end itself and takes the full path.
   */
  int scanLine(byte[] buffer, int offset, int limit) {
    if (limit - offset < 2 || buffer[offset] != '{') {
      return -1;
    }
    this.b = buffer;
    this.start = offset;
    this.end = limit;
    seq = -1;
    type = null;
    prevHashAt = -1;
    hashAt = -1;
    boolean eventId = false;
    boolean time = false;
    int pos = start + 1;
    int prevKeyStart = -1;
    int prevKeyEnd = -1;
    boolean prevKeyPlain = true;
    if (b[pos] == '}') {
      return -1; // an empty object is not an event
    }
    while (true) {
      if (pos >= end || b[pos] != '"') {
        return -1;
      }
      int memberStart = pos;
      int keyStart = pos + 1;
      pos = scanString(pos);
      if (pos < 0) {
        return -1;
      }
      int keyEnd = pos - 1;
      boolean keyPlain = valueIsPlainString;
      if (keyEnd - keyStart > MAX_NAME_BYTES
          || (prevKeyStart >= 0 && !ascending(prevKeyStart, prevKeyEnd, prevKeyPlain, keyStart, keyEnd, keyPlain))) {
        return -1;
      }
      if (pos >= end || b[pos] != ':') {
        return -1;
      }
      int valueStart = ++pos;
      pos = scanValue(pos, 1);
      if (pos < 0) {
        return -1;
      }
      // reserved members: right JSON type and content, else the full path decides
      switch (keyPlain ? reserved(keyStart, keyEnd) : NOT_RESERVED) {
        case R_SEQ:
          seq = parseSeq(valueStart, pos);
          if (seq < 1) {
            return -1;
          }
          break;
        case R_EVENT_ID:
          if (!nonEmptyString(valueStart, pos)) {
            return -1;
          }
          eventId = true;
          break;
        case R_TYPE:
          type = eventType(valueStart, pos);
          if (type == null || type == EventType.CHECKPOINT || type == EventType.KEY_ROTATION) {
            return -1;
          }
          break;
        case R_TIME:
          if (b[valueStart] != '"' || !valueIsPlainString || !isInstantText(valueStart + 1, pos - 1)) {
            return -1;
          }
          time = true;
          break;
        case R_REQUEST_ID:
          if (!nonEmptyString(valueStart, pos)) {
            return -1;
          }
          break;
        case R_PREV_HASH:
          if (!isHashString(valueStart, pos)) {
            return -1;
          }
          prevHashAt = valueStart + 1;
          break;
        case R_HASH:
          if (!isHashString(valueStart, pos)) {
            return -1;
          }
          hashAt = valueStart + 1;
          hashMemberStart = memberStart;
          hashMemberEnd = pos;
          break;
        case R_SIGNED:
          return -1; // signed events take the full path (the signature check dominates anyway)
        default:
          break;
      }
      prevKeyStart = keyStart;
      prevKeyEnd = keyEnd;
      prevKeyPlain = keyPlain;
      if (pos >= end) {
        return -1;
      }
      if (b[pos] == ',') {
        pos++;
        continue;
      }
      if (b[pos] == '}') {
        pos++;
        break;
      }
      return -1;
    }
    if ((pos < limit && b[pos] != '\n') || pos - offset > MAX_FAST_LENGTH) {
      return -1;
    }
    end = pos; // hashMatches() hashes up to here
    return seq > 0 && eventId && type != null && time && prevHashAt > 0 && hashAt > 0 ? pos : -1;
  }

  private static final int NOT_RESERVED = 0;
  private static final int R_SEQ = 1;
  private static final int R_EVENT_ID = 2;
  private static final int R_TYPE = 3;
  private static final int R_TIME = 4;
  private static final int R_REQUEST_ID = 5;
  private static final int R_PREV_HASH = 6;
  private static final int R_HASH = 7;
  private static final int R_SIGNED = 8; // keyId or signature

  /** Which reserved top-level member the plain name {@code [s, e)} is: by length first, as most names are not reserved. */
  private int reserved(int s, int e) {
    switch (e - s) {
      case 3:
        return is(s, e, SEQ) ? R_SEQ : NOT_RESERVED;
      case 4:
        return is(s, e, TYPE) ? R_TYPE : is(s, e, TIME) ? R_TIME : is(s, e, HASH) ? R_HASH : NOT_RESERVED;
      case 5:
        return is(s, e, KEY_ID) ? R_SIGNED : NOT_RESERVED;
      case 7:
        return is(s, e, EVENT_ID) ? R_EVENT_ID : NOT_RESERVED;
      case 8:
        return is(s, e, PREV_HASH) ? R_PREV_HASH : NOT_RESERVED;
      case 9:
        return is(s, e, REQUEST_ID) ? R_REQUEST_ID : is(s, e, SIGNATURE) ? R_SIGNED : NOT_RESERVED;
      default:
        return NOT_RESERVED;
    }
  }

  /** Seq of the scanned line. */
  long seq() {
    return seq;
  }

  /** Type of the scanned line (never CHECKPOINT or KEY_ROTATION). */
  EventType type() {
    return type;
  }

  /** Offset in the scanned buffer of the 64 hex characters of {@code prevHash}. */
  int prevHashAt() {
    return prevHashAt;
  }

  /** Offset in the scanned buffer of the 64 hex characters of {@code hash}. */
  int hashAt() {
    return hashAt;
  }

  /**
   * Recomputes the hash (format section 5) over {@code prevHash} and the line without its
   * {@code hash} member and compares it with that member.
   */
  boolean hashMatches() {
    MessageDigest md = sha256;
    md.reset();
    md.update(b, prevHashAt, HASH_HEX_LENGTH);
    int cutStart = hashMemberStart;
    int cutEnd = hashMemberEnd;
    if (b[cutEnd] == ',') {
      cutEnd++;           // "hash":"..", is followed by another member
    } else {
      cutStart--;         // ,"hash":".." is the last member
    }
    md.update(b, start, cutStart - start);
    md.update(b, cutEnd, end - cutEnd);
    try {
      md.digest(digest, 0, digest.length);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException("SHA-256 digest failed", e);
    }
    for (int i = 0; i < digest.length; i++) {
      int hi = hexValue(b[hashAt + 2 * i]);
      int lo = hexValue(b[hashAt + 2 * i + 1]);
      if ((byte) ((hi << 4) | lo) != digest[i]) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- grammar

  /** Scans a value starting at {@code pos}; returns the offset after it, or -1. */
  private int scanValue(int pos, int depth) {
    if (pos >= end) {
      return -1;
    }
    byte c = b[pos];
    switch (c) {
      case '"':
        return scanString(pos);
      case '{':
        return depth >= MAX_DEPTH ? -1 : scanObject(pos, depth + 1);
      case '[':
        return depth >= MAX_DEPTH ? -1 : scanArray(pos, depth + 1);
      case 't':
        return literal(pos, "true");
      case 'f':
        return literal(pos, "false");
      case 'n':
        return literal(pos, "null");
      default:
        return scanInteger(pos);
    }
  }

  private int scanObject(int pos, int depth) {
    pos++; // '{'
    if (pos < end && b[pos] == '}') {
      return pos + 1;
    }
    int prevStart = -1;
    int prevEnd = -1;
    boolean prevPlain = true;
    while (true) {
      if (pos >= end || b[pos] != '"') {
        return -1;
      }
      int keyStart = pos + 1;
      pos = scanString(pos);
      if (pos < 0) {
        return -1;
      }
      int keyEnd = pos - 1;
      boolean plain = valueIsPlainString;
      if (keyEnd - keyStart > MAX_NAME_BYTES || (prevStart >= 0 && !ascending(prevStart, prevEnd, prevPlain, keyStart, keyEnd, plain))) {
        return -1;
      }
      if (pos >= end || b[pos] != ':') {
        return -1;
      }
      pos = scanValue(pos + 1, depth);
      if (pos < 0 || pos >= end) {
        return -1;
      }
      prevStart = keyStart;
      prevEnd = keyEnd;
      prevPlain = plain;
      if (b[pos] == ',') {
        pos++;
      } else if (b[pos] == '}') {
        return pos + 1;
      } else {
        return -1;
      }
    }
  }

  private int scanArray(int pos, int depth) {
    pos++; // '['
    if (pos < end && b[pos] == ']') {
      return pos + 1;
    }
    while (true) {
      pos = scanValue(pos, depth);
      if (pos < 0 || pos >= end) {
        return -1;
      }
      if (b[pos] == ',') {
        pos++;
      } else if (b[pos] == ']') {
        return pos + 1;
      } else {
        return -1;
      }
    }
  }

  private int literal(int pos, String word) {
    int n = word.length();
    if (pos + n > end) {
      return -1;
    }
    for (int i = 0; i < n; i++) {
      if (b[pos + i] != word.charAt(i)) {
        return -1;
      }
    }
    return pos + n;
  }

  /** A canonical integer: -?(0|[1-9][0-9]*), not -0, within +/-(2^53-1). */
  private int scanInteger(int pos) {
    int start = pos;
    if (b[pos] == '-') {
      pos++;
    }
    if (pos >= end || b[pos] < '0' || b[pos] > '9') {
      return -1;
    }
    if (b[pos] == '0') {
      pos++;
      if (start != pos - 1) {
        return -1; // -0 is written 0
      }
    } else {
      long value = 0;
      int digits = 0;
      while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
        if (++digits > 16) {
          return -1;
        }
        value = value * 10 + (b[pos] - '0');
        pos++;
      }
      if (value > MAX_SAFE_INTEGER) {
        return -1;
      }
    }
    // a fraction, exponent or further digit (a leading zero) is not canonical
    if (pos < end && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E' || (b[pos] >= '0' && b[pos] <= '9'))) {
      return -1;
    }
    return pos;
  }

  /**
   * Scans a string starting at its opening quote; returns the offset after the closing quote, or
   * -1 if it is not a canonically escaped string of well-formed UTF-8 without surrogates. Sets
   * {@link #valueIsPlainString}.
   */
  private int scanString(int pos) {
    pos++; // opening quote
    boolean plain = true;
    while (true) {
      // 8 bytes at a time up to the first byte that needs a look: '"', '\\', < 0x20 or >= 0x80
      while (pos + 8 <= end) {
        long x = Swar.word(b, pos);
        if (anySpecial(x)) {
          pos += Long.numberOfTrailingZeros(special(x)) >>> 3;
          break;
        }
        pos += 8;
      }
      if (pos >= end) {
        return -1;
      }
      byte raw = b[pos];
      if (raw >= 0x20 && raw != '"' && raw != '\\') {
        pos++; // printable ASCII (a negative byte is >= 0x80): the common case, one comparison chain
        continue;
      }
      int c = raw & 0xFF;
      if (c == '"') {
        valueIsPlainString = plain;
        return pos + 1;
      }
      if (c < 0x20) {
        return -1; // raw control character: not JSON
      }
      if (c == '\\') {
        plain = false;
        if (pos + 1 >= end) {
          return -1;
        }
        switch (b[pos + 1]) {
          case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't':
            pos += 2;
            break;
          case 'u': {
            // canonical only for control characters without a short escape, lower-case hex
            if (pos + 6 > end || b[pos + 2] != '0' || b[pos + 3] != '0') {
              return -1;
            }
            int hi = b[pos + 4];
            int lo = hexValue(b[pos + 5]);
            if ((hi != '0' && hi != '1') || lo < 0) {
              return -1;
            }
            int value = ((hi - '0') << 4) | lo;
            if (value == '\b' || value == '\t' || value == '\n' || value == '\f' || value == '\r') {
              return -1;
            }
            pos += 6;
            break;
          }
          default:
            return -1; // including \/ (JCS writes '/' literally)
        }
        continue;
      }
      if (c < 0x80) {
        pos++;
        continue;
      }
      plain = false;
      int n = utf8Sequence(pos, c);
      if (n < 0) {
        return -1;
      }
      pos += n;
    }
  }

  /** Whether any byte of {@code x} is one {@link #special} marks. */
  static boolean anySpecial(long x) {
    // Cheaper than special(x), which locates the byte: a borrow can only start at a byte that is
    // itself special, and bytes >= 0x80 count anyway, so "any" is exact.
    return (((x - SPACES) | ((x ^ QUOTES) - ONES) | ((x ^ BACKSLASHES) - ONES) | x) & HIGH_BITS) != 0;
  }

  /**
   * The high bit of each byte of {@code x} that is '"', '\\', below 0x20 or 0x80 and above, and
   * no other bit. Exact per byte (no carries cross bytes), so the lowest set bit marks the first
   * such byte of the little-endian word.
   */
  static long special(long x) {
    long control = ~((x & ONES_7F) + BELOW_SPACE) & ~x & HIGH_BITS;  // high bit clear and low 7 bits < 0x20
    return (x & HIGH_BITS) | control | Swar.equalBytes(x, QUOTES) | Swar.equalBytes(x, BACKSLASHES);
  }

  /** Length of the well-formed UTF-8 sequence at {@code pos} (lead byte {@code c} >= 0x80), or -1. */
  private int utf8Sequence(int pos, int c) {
    if (c >= 0xC2 && c <= 0xDF) {
      return pos + 1 < end && cont(pos + 1) ? 2 : -1;
    }
    if (c >= 0xE0 && c <= 0xEF) {
      if (pos + 2 >= end) {
        return -1;
      }
      int c1 = b[pos + 1] & 0xFF;
      boolean ok = c == 0xE0 ? c1 >= 0xA0 && c1 <= 0xBF      // no overlong forms
          : c == 0xED ? c1 >= 0x80 && c1 <= 0x9F          // no surrogates
          : c1 >= 0x80 && c1 <= 0xBF;
      return ok && cont(pos + 2) ? 3 : -1;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      if (pos + 3 >= end) {
        return -1;
      }
      int c1 = b[pos + 1] & 0xFF;
      boolean ok = c == 0xF0 ? c1 >= 0x90 && c1 <= 0xBF       // no overlong forms
          : c == 0xF4 ? c1 >= 0x80 && c1 <= 0x8F          // not above U+10FFFF
          : c1 >= 0x80 && c1 <= 0xBF;
      return ok && cont(pos + 2) && cont(pos + 3) ? 4 : -1;
    }
    return -1;
  }

  private boolean cont(int pos) {
    return (b[pos] & 0xC0) == 0x80;
  }

  /**
   * True if member name {@code [s1, e1)} sorts strictly before {@code [s2, e2)} in UTF-16 code
   * unit order (RFC 8785). Plain ASCII names compare as bytes; others are decoded first.
   */
  private boolean ascending(int s1, int e1, boolean plain1, int s2, int e2, boolean plain2) {
    if (plain1 && plain2) {
      int n1 = e1 - s1;
      int n2 = e2 - s2;
      int n = Math.min(n1, n2);
      for (int i = 0; i < n; i++) {
        int d = (b[s1 + i] & 0xFF) - (b[s2 + i] & 0xFF);
        if (d != 0) {
          return d < 0;
        }
      }
      return n1 < n2;
    }
    return decode(s1, e1).compareTo(decode(s2, e2)) < 0;
  }

  /** The string value of the (valid, canonical) JSON string content {@code [start, end)}. */
  private String decode(int start, int stop) {
    StringBuilder out = new StringBuilder(stop - start);
    String raw = new String(b, start, stop - start, StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = raw.charAt(++i);
      switch (e) {
        case 'b': out.append('\b'); break;
        case 'f': out.append('\f'); break;
        case 'n': out.append('\n'); break;
        case 'r': out.append('\r'); break;
        case 't': out.append('\t'); break;
        case 'u':
          out.append((char) Integer.parseInt(raw, i + 1, i + 5, 16));
          i += 4;
          break;
        default: out.append(e); // '"' or '\\'
      }
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- reserved member values

  private boolean is(int start, int stop, byte[] name) {
    if (stop - start != name.length) {
      return false;
    }
    for (int i = 0; i < name.length; i++) {
      if (b[start + i] != name[i]) {
        return false;
      }
    }
    return true;
  }

  private boolean nonEmptyString(int valueStart, int valueEnd) {
    return b[valueStart] == '"' && valueEnd - valueStart > 2;
  }

  /** The string value just scanned, {@code [valueStart, valueEnd)}, is 64 lower-case hex characters. */
  private boolean isHashString(int valueStart, int valueEnd) {
    if (b[valueStart] != '"' || valueEnd - valueStart != HASH_HEX_LENGTH + 2 || !valueIsPlainString) {
      return false;
    }
    // 8 characters at a time. Every byte is below 0x80 (a plain string), so adding up to 0x50 to
    // a byte never carries into the next: bit 7 of (c + 0x80 - lo) is set exactly when c >= lo.
    for (int i = valueStart + 1; i < valueEnd - 1; i += 8) {
      long x = Swar.word(b, i);
      long digit = (x + 0x5050505050505050L) & ~(x + 0x4646464646464646L);   // '0' <= c <= '9'
      long letter = (x + 0x1F1F1F1F1F1F1F1FL) & ~(x + 0x1919191919191919L);  // 'a' <= c <= 'f'
      if (((digit | letter) & HIGH_BITS) != HIGH_BITS) {
        return false;
      }
    }
    return true;
  }

  /** The seq value: a positive integer token (already validated as canonical), or -1. */
  private long parseSeq(int valueStart, int valueEnd) {
    if (b[valueStart] < '1' || b[valueStart] > '9') {
      return -1;
    }
    long v = 0;
    for (int i = valueStart; i < valueEnd; i++) {
      v = v * 10 + (b[i] - '0');
    }
    return v;
  }

  private EventType eventType(int valueStart, int valueEnd) {
    if (b[valueStart] != '"') {
      return null;
    }
    int start = valueStart + 1;
    int n = valueEnd - 1 - start;
    for (int t = 0; t < TYPE_NAMES.length; t++) {
      byte[] name = TYPE_NAMES[t];
      if (name.length == n && is(start, start + n, name)) {
        return TYPES[t];
      }
    }
    return null;
  }

  /**
   * True if {@code [start, stop)} is an instant exactly as {@link java.time.Instant#toString}
   * writes it, for years 0000-9999: {@code YYYY-MM-DDThh:mm:ss[.fff|.ffffff|.fffffffff]Z}, a real
   * calendar date and time, and a fraction only in the shortest group of three digits that is
   * not zero. Anything else goes to the full path ({@code Instant.parse} and a round trip).
   */
  private boolean isInstantText(int start, int stop) {
    int n = stop - start;
    if (n != 20 && n != 24 && n != 27 && n != 30) {
      return false;
    }
    if (b[start + 4] != '-' || b[start + 7] != '-' || b[start + 10] != 'T' || b[start + 13] != ':' || b[start + 16] != ':'
        || b[stop - 1] != 'Z') {
      return false;
    }
    int year = digits(start, 4);
    int month = digits(start + 5, 2);
    int day = digits(start + 8, 2);
    int hour = digits(start + 11, 2);
    int minute = digits(start + 14, 2);
    int second = digits(start + 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour < 0 || hour > 23
        || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return false;
    }
    if (n == 20) {
      return true;
    }
    if (b[start + 19] != '.') {
      return false;
    }
    int fractionDigits = n - 21;
    for (int i = 0; i < fractionDigits; i++) {
      byte c = b[start + 20 + i];
      if (c < '0' || c > '9') {
        return false;
      }
    }
    // the last group of three must not be 000, or Instant.toString would have written fewer digits
    int last = start + 20 + fractionDigits - 3;
    return !(b[last] == '0' && b[last + 1] == '0' && b[last + 2] == '0');
  }

  private int digits(int start, int count) {
    int v = 0;
    for (int i = 0; i < count; i++) {
      byte c = b[start + i];
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int daysIn(int year, int month) {
    switch (month) {
      case 2:
        boolean leap = (year % 4 == 0) && (year % 100 != 0 || year % 400 == 0);
        return leap ? 29 : 28;
      case 4: case 6: case 9: case 11:
        return 30;
      default:
        return 31;
    }
  }

  private static int hexValue(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }
}
