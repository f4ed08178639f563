package io.countersign.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
        return canonicalString(node).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Returns the canonical form of {@code node} as a string (no whitespace, sorted keys).
     *
     * @throws IllegalArgumentException if the tree contains a floating-point number, binary or
     *     POJO node, or a string with an unpaired UTF-16 surrogate
     */
    public static String canonicalString(JsonNode node) {
        if (node == null) {
            throw new NullPointerException("node must not be null");
        }
        StringBuilder out = new StringBuilder(512);
        write(node, out, Where.ROOT);
        return out.toString();
    }

    /**
     * The canonical form of object {@code node} without its top-level members named in
     * {@code skip} (e.g. an audit event without {@code hash} and {@code signature}), without copying
     * the tree.
     */
    public static String canonicalStringWithout(JsonNode node, Set<String> skip) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("node must be a JSON object");
        }
        StringBuilder out = new StringBuilder(512);
        writeObject(node, out, Where.ROOT, skip);
        return out.toString();
    }

    /**
     * Where a value sits in the tree, built cheaply while writing and turned into text
     * ({@code $.a.b[2]}) only for an error message.
     */
    private static final class Where {
        static final Where ROOT = new Where(null, null, -1);
        final Where parent;
        final String key;
        final int index;

        Where(Where parent, String key, int index) {
            this.parent = parent;
            this.key = key;
            this.index = index;
        }

        @Override
        public String toString() {
            if (parent == null) {
                return "$";
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

    private static void write(JsonNode node, StringBuilder out, Where path) {
        switch (node.getNodeType()) {
            case OBJECT:
                writeObject(node, out, path, Set.of());
                break;
            case ARRAY:
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(node.get(i), out, new Where(path, null, i));
                }
                out.append(']');
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
                    out.append(node.longValue());
                } else {
                    out.append(node.bigIntegerValue().toString());
                }
                break;
            case BOOLEAN:
                out.append(node.booleanValue() ? "true" : "false");
                break;
            case NULL:
                out.append("null");
                break;
            default:
                throw new IllegalArgumentException("canonical JSON cannot represent " + path + " of node type "
                        + node.getNodeType() + " (only objects, arrays, strings, integers, booleans and null)");
        }
    }

    private static void writeObject(JsonNode node, StringBuilder out, Where path, Set<String> skip) {
        List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            if (!skip.contains(member.getKey())) {
                members.add(member);
            }
        }
        // String.compareTo compares UTF-16 code units, exactly the order RFC 8785 section 3.2.3 requires.
        members.sort(Map.Entry.comparingByKey());
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> member : members) {
            if (!first) {
                out.append(',');
            }
            first = false;
            Where childPath = new Where(path, member.getKey(), -1);
            writeString(member.getKey(), out, childPath);
            out.append(':');
            write(member.getValue(), out, childPath);
        }
        out.append('}');
    }

    /** Escapes as ECMAScript JSON.stringify does (RFC 8785 section 3.2.2.2). */
    private static void writeString(String s, StringBuilder out, Object path) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else if (Character.isHighSurrogate(c)) {
                        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                            throw unpairedSurrogate(path, c, i);
                        }
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isLowSurrogate(c)) {
                        throw unpairedSurrogate(path, c, i);
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    private static IllegalArgumentException unpairedSurrogate(Object path, char c, int index) {
        // UTF-8 cannot encode a lone surrogate; Java would silently write '?', so two different
        // strings would hash alike. I-JSON (RFC 7493) forbids them, and so do we.
        return new IllegalArgumentException(String.format(
                "canonical JSON cannot encode %s: unpaired UTF-16 surrogate U+%04X at index %d", path, (int) c, index));
    }
}
