package io.countersign.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Canonical JSON (RFC 8785, "JCS") for the subset used by audit events: objects, arrays,
 * strings, integers, booleans and null. The canonical form is what gets hashed, so two
 * implementations (this one and an auditor's) must produce identical bytes for the same value.
 *
 * <p>Internal: not part of the public API, but public because several Countersign packages use it.
 *
 * <p>Why hand-written: Jackson has no RFC 8785 mode. Its {@code ORDER_MAP_ENTRIES_BY_KEYS} sorts
 * maps only (not {@code ObjectNode}s), its string escaping differs from ECMAScript's
 * {@code JSON.stringify} (e.g. it escapes some characters JCS writes literally, and uses upper-case
 * hex), and its number output is not the JCS number form. The subset below is small enough to be
 * written exactly and tested against the RFC's rules.
 */
public final class CanonicalJson {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private CanonicalJson() {
  }

  /**
   * Returns the canonical UTF-8 bytes of {@code node}.
   *
   * @throws IllegalArgumentException if the tree contains a floating-point number, binary or
   *     POJO node, or a string with an unpaired UTF-16 surrogate
   */
  public static byte[] canonicalBytes(JsonNode node) {
    if (node == null) {
      throw new NullPointerException("node must not be null");
    }
    Output out = new Output(1024);
    write(node, out, Where.ROOT);
    return out.toByteArray();
  }

  /**
   * Returns the canonical form of {@code node} as a string (no whitespace, sorted keys).
   *
   * @throws IllegalArgumentException if the tree contains a floating-point number, binary or
   *     POJO node, or a string with an unpaired UTF-16 surrogate
   */
  public static String canonicalString(JsonNode node) {
    return new String(canonicalBytes(node), StandardCharsets.UTF_8);
  }

  /**
   * The canonical form of object {@code node} without its top-level members named in
   * {@code skip} (e.g. an audit event without {@code hash} and {@code signature}), without copying
   * the tree.
   */
  public static String canonicalStringWithout(JsonNode node, Set<String> skip) {
    return new String(canonicalBytesWithout(node, skip), StandardCharsets.UTF_8);
  }

  /** As {@link #canonicalStringWithout}, as UTF-8 bytes. */
  public static byte[] canonicalBytesWithout(JsonNode node, Set<String> skip) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("node must be a JSON object");
    }
    Output out = new Output(1024);
    writeObject(node, out, Where.ROOT, skip, null, null);
    return out.toByteArray();
  }

  /**
   * The canonical UTF-8 bytes of object {@code node}, also reporting where top-level members
   * that it does not have would go: for each name in {@code absentNames} (which must not be
   * members of {@code node}), {@code offsets[i]} is set to the byte offset at which a member with
   * that name would start (the opening quote of the next larger member name, or the closing
   * brace). The audit trail uses this to serialise an event once, hash those bytes, and splice
   * {@code hash} and {@code signature} in, instead of serialising twice.
   *
   * @throws IllegalArgumentException as {@link #canonicalBytes}, or if a name in
   *     {@code absentNames} is a member of {@code node}
   */
  public static byte[] canonicalBytes(JsonNode node, String[] absentNames, int[] offsets) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("node must be a JSON object");
    }
    if (absentNames.length != offsets.length) {
      throw new IllegalArgumentException("absentNames and offsets must have the same length");
    }
    for (String name : absentNames) {
      if (node.has(name)) {
        throw new IllegalArgumentException("node has member '" + name + "', which was expected to be absent");
      }
    }
    Arrays.fill(offsets, -1);
    Output out = new Output(1024);
    writeObject(node, out, Where.ROOT, Set.of(), absentNames, offsets);
    return out.toByteArray();
  }

  /**
   * The canonical UTF-8 bytes of one object member {@code "name":"value"} with a string value,
   * e.g. to splice a member into canonical bytes made by
   * {@link #canonicalBytes(JsonNode, String[], int[])}.
   *
   * @throws IllegalArgumentException if the name or value has an unpaired UTF-16 surrogate
   */
  public static byte[] member(String name, String value) {
    Output out = new Output(name.length() + value.length() + 8);
    Where path = new Where(Where.ROOT, name, -1);
    writeString(name, out, path);
    out.put((byte) ':');
    writeString(value, out, path);
    return out.toByteArray();
  }

  /**
   * The canonical bytes of {@code value}, a value found at {@code path} (only its
   * {@code toString()} is used, and only for an error message, e.g. {@code "$.policy"}).
   *
   * @throws IllegalArgumentException as {@link #canonicalBytes(JsonNode)}, naming paths below
   *     {@code path}
   */
  public static byte[] canonicalBytes(JsonNode value, Object path) {
    if (value == null) {
      throw new NullPointerException("value must not be null");
    }
    Output out = new Output(256);
    write(value, out, new Where(null, path, -1));
    return out.toByteArray();
  }

  /**
   * A growable byte array that canonical JSON is written to as UTF-8 directly, never as chars
   * first. Public so that callers which serialise Java values straight to canonical bytes (the
   * audit event builder) share the exact string escaping of this class.
   */
  public static final class Output {
    private byte[] buf;
    private int len;

    /** An empty buffer with room for {@code capacity} bytes (it grows as needed). */
    public Output(int capacity) {
      buf = new byte[Math.max(capacity, 16)];
    }

    void ensure(int extra) {
      if (len + extra > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
      }
    }

    /** Number of bytes written so far. */
    public int length() {
      return len;
    }

    /** Drops everything written after the first {@code length} bytes. */
    public void truncate(int length) {
      if (length < 0 || length > len) {
        throw new IndexOutOfBoundsException("length " + length + " is outside 0.." + len);
      }
      len = length;
    }

    /** Appends one byte (a structural character such as '{' or ','). */
    public void put(byte b) {
      ensure(1);
      buf[len++] = b;
    }

    /** Appends {@code n} bytes of {@code bytes} from {@code offset}, unchanged (already canonical). */
    public void put(byte[] bytes, int offset, int n) {
      ensure(n);
      System.arraycopy(bytes, offset, buf, len, n);
      len += n;
    }

    /** Appends {@code s}, which the caller guarantees is ASCII needing no escape (a number, a literal). */
    public void putAscii(String s) {
      int n = s.length();
      ensure(n);
      for (int i = 0; i < n; i++) {
        buf[len++] = (byte) s.charAt(i);
      }
    }

    /** Appends the decimal form of {@code v}, as RFC 8785 writes an integer. */
    public void putLong(long v) {
      putAscii(Long.toString(v));
    }

    /**
     * Appends {@code s} as a canonical JSON string (quoted, JCS escaping, UTF-8).
     *
     * @param path names the string in the error message (its {@code toString()}, called only then)
     * @throws IllegalArgumentException if {@code s} has an unpaired UTF-16 surrogate; nothing is
     *     appended then
     */
    public void string(String s, Object path) {
      int start = len;
      try {
        writeString(s, this, path);
      } catch (IllegalArgumentException e) {
        len = start;
        throw e;
      }
    }

    /**
     * Appends the canonical form of {@code value}, found at {@code path}.
     *
     * @throws IllegalArgumentException as {@link CanonicalJson#canonicalBytes(JsonNode, Object)};
     *     what was appended before the error is dropped
     */
    public void value(JsonNode value, Object path) {
      int start = len;
      try {
        write(value, this, new Where(null, path, -1));
      } catch (IllegalArgumentException e) {
        len = start;
        throw e;
      }
    }

    /** Copies the bytes from {@code from} to the end of what was written into {@code target}, at 0. */
    public void copyTo(int from, byte[] target) {
      System.arraycopy(buf, from, target, 0, len - from);
    }

    /** The bytes written, as a new array. */
    public byte[] toByteArray() {
      return Arrays.copyOf(buf, len);
    }

    /** Bytes {@code from} (inclusive) to {@code to} (exclusive) of what was written, as a new array. */
    public byte[] toByteArray(int from, int to) {
      if (from < 0 || to > len || from > to) {
        throw new IndexOutOfBoundsException(from + ".." + to + " is outside 0.." + len);
      }
      return Arrays.copyOfRange(buf, from, to);
    }
  }

  /**
   * Where a value sits in the tree, built cheaply while writing and turned into text
   * ({@code $.a.b[2]}) only for an error message.
   */
  private static final class Where {
    static final Where ROOT = new Where(null, null, -1);
    final Where parent;
    final Object key;   // a member name; for a root (parent null), a caller's path or null for "$"
    final int index;

    Where(Where parent, Object key, int index) {
      this.parent = parent;
      this.key = key;
      this.index = index;
    }

    @Override
    public String toString() {
      if (parent == null) {
        return key == null ? "$" : key.toString();
      }
      return parent + (key != null ? "." + key : "[" + index + "]");
    }
  }

  /**
   * SHA-256 of the concatenation of {@code parts}, as 64 lower-case hex characters.
   * Convenience for callers that hash canonical bytes; delegates to {@link Hashing}.
   */
  public static String sha256Hex(byte[]... parts) {
    return Hashing.sha256Hex(parts);
  }

  private static void write(JsonNode node, Output out, Where path) {
    switch (node.getNodeType()) {
      case OBJECT:
        writeObject(node, out, path, Set.of(), null, null);
        break;
      case ARRAY:
        out.put((byte) '[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.put((byte) ',');
          }
          write(node.get(i), out, new Where(path, null, i));
        }
        out.put((byte) ']');
        break;
      case STRING:
        writeString(node.textValue(), out, path);
        break;
      case NUMBER:
        if (!node.isIntegralNumber()) {
          throw new IllegalArgumentException("canonical JSON allows integers only, but " + path
              + " is the floating-point number " + node.asText());
        }
        // Plain decimal: no exponent, no leading zeros, "-" for negatives.
        if (node.canConvertToLong()) {
          out.putAscii(Long.toString(node.longValue()));
        } else {
          out.putAscii(node.bigIntegerValue().toString());
        }
        break;
      case BOOLEAN:
        out.putAscii(node.booleanValue() ? "true" : "false");
        break;
      case NULL:
        out.putAscii("null");
        break;
      default:
        throw new IllegalArgumentException("canonical JSON cannot represent " + path + " of node type "
            + node.getNodeType() + " (only objects, arrays, strings, integers, booleans and null)");
    }
  }

  private static void writeObject(JsonNode node, Output out, Where path, Set<String> skip, String[] absentNames,
      int[] offsets) {
    List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.size());
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      if (skip.isEmpty() || !skip.contains(member.getKey())) {
        members.add(member);
      }
    }
    // String.compareTo compares UTF-16 code units, exactly the order RFC 8785 section 3.2.3 requires.
    members.sort(Map.Entry.comparingByKey());
    out.put((byte) '{');
    boolean first = true;
    for (Map.Entry<String, JsonNode> member : members) {
      if (absentNames != null) {
        markAbsent(member.getKey(), out.len + (first ? 0 : 1), absentNames, offsets);
      }
      if (!first) {
        out.put((byte) ',');
      }
      first = false;
      Where childPath = new Where(path, member.getKey(), -1);
      writeString(member.getKey(), out, childPath);
      out.put((byte) ':');
      write(member.getValue(), out, childPath);
    }
    if (absentNames != null) {
      markAbsent(null, out.len, absentNames, offsets);
    }
    out.put((byte) '}');
  }

  /** Sets the offset of every absent name still unplaced that sorts before {@code next} (null: the end). */
  private static void markAbsent(String next, int offset, String[] absentNames, int[] offsets) {
    for (int i = 0; i < absentNames.length; i++) {
      if (offsets[i] < 0 && (next == null || absentNames[i].compareTo(next) < 0)) {
        offsets[i] = offset;
      }
    }
  }

  /** Escapes as ECMAScript JSON.stringify does (RFC 8785 section 3.2.2.2), encoding as UTF-8. */
  private static void writeString(String s, Output out, Object path) {
    int n = s.length();
    out.ensure(n + 2);
    byte[] buf = out.buf;
    int len = out.len;
    buf[len++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      // Invariant: room for one byte per remaining char plus the closing quote.
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        buf[len++] = (byte) c;
        continue;
      }
      // escapes and multi-byte characters need up to 6 bytes; keep the invariant for the rest
      if (len + 6 + (n - i) + 1 > buf.length) {
        out.len = len;
        out.ensure(6 + (n - i) + 1);
        buf = out.buf;
      }
      switch (c) {
        case '"': buf[len++] = '\\'; buf[len++] = '"'; break;
        case '\\': buf[len++] = '\\'; buf[len++] = '\\'; break;
        case '\b': buf[len++] = '\\'; buf[len++] = 'b'; break;
        case '\f': buf[len++] = '\\'; buf[len++] = 'f'; break;
        case '\n': buf[len++] = '\\'; buf[len++] = 'n'; break;
        case '\r': buf[len++] = '\\'; buf[len++] = 'r'; break;
        case '\t': buf[len++] = '\\'; buf[len++] = 't'; break;
        default:
          if (c < 0x20) {
            buf[len++] = '\\';
            buf[len++] = 'u';
            buf[len++] = '0';
            buf[len++] = '0';
            buf[len++] = (byte) HEX[c >> 4];
            buf[len++] = (byte) HEX[c & 0xF];
          } else if (c < 0x800) {
            buf[len++] = (byte) (0xC0 | (c >> 6));
            buf[len++] = (byte) (0x80 | (c & 0x3F));
          } else if (Character.isHighSurrogate(c)) {
            if (i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1))) {
              throw unpairedSurrogate(path, c, i);
            }
            int cp = Character.toCodePoint(c, s.charAt(++i));
            buf[len++] = (byte) (0xF0 | (cp >> 18));
            buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            buf[len++] = (byte) (0x80 | (cp & 0x3F));
          } else if (Character.isLowSurrogate(c)) {
            throw unpairedSurrogate(path, c, i);
          } else {
            buf[len++] = (byte) (0xE0 | (c >> 12));
            buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
            buf[len++] = (byte) (0x80 | (c & 0x3F));
          }
      }
    }
    buf[len++] = '"';
    out.len = len;
  }

  private static IllegalArgumentException unpairedSurrogate(Object path, char c, int index) {
    // UTF-8 cannot encode a lone surrogate; Java would silently write '?', so two different
    // strings would hash alike. I-JSON (RFC 7493) forbids them, and so do we.
    return new IllegalArgumentException(String.format(
        "canonical JSON cannot encode %s: unpaired UTF-16 surrogate U+%04X at index %d", path, (int) c, index));
  }
}
