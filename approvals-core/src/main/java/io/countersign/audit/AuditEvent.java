package io.countersign.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.countersign.internal.CanonicalJson;
import io.countersign.internal.Hashing;
import io.countersign.spi.Signer;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One immutable, sealed entry of the audit trail: a JSON object in canonical form whose
 * {@code hash} links it to the previous entry and whose optional {@code signature} proves who
 * wrote it. The exact format is specified in {@code docs/AUDIT-FORMAT.md}.
 *
 * <p>Events are created unsealed through {@link #builder(EventType)} and sealed (given
 * {@code seq}, {@code eventId}, {@code prevHash}, {@code hash}, {@code keyId}, {@code signature})
 * only by {@link AuditTrail#record}; logs are read back with {@link #parse(String)}. The wrapped
 * JSON tree is never exposed, so an event cannot change after it was hashed.
 */
public final class AuditEvent {

  /** The fields the trail owns; {@link Builder#field} refuses them. */
  static final Set<String> RESERVED =
      Set.of("seq", "eventId", "type", "time", "requestId", "prevHash", "hash", "keyId", "signature");

  /** Largest integer every JSON implementation (and RFC 8785, via IEEE 754 doubles) represents exactly. */
  private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .addModule(new SimpleModule("countersign-audit-time")
          .addSerializer(Instant.class, ToStringSerializer.instance)
          .addSerializer(Duration.class, ToStringSerializer.instance))
      .build();

  private final ObjectNode node;
  private final byte[] utf8;       // the canonical line, UTF-8, without LF; never exposed (copied out)
  private String json;             // toJson(), built on first use (racy but idempotent, as String.hash)
  private final long seq;
  private final String eventId;
  private final EventType type;
  private final Instant time;

  private AuditEvent(ObjectNode node, long seq, EventType type, Instant time) {
    this(node, CanonicalJson.canonicalBytes(node), seq, type, time);
  }

  /** {@code utf8} must be the canonical form of {@code node}; the caller guarantees it. */
  private AuditEvent(ObjectNode node, byte[] utf8, long seq, EventType type, Instant time) {
    this.node = node;
    this.utf8 = utf8;
    this.seq = seq;
    this.eventId = node.get("eventId").textValue();
    this.type = type;
    this.time = time;
  }

  /** Starts an unsealed event of the given type; pass it to {@link AuditTrail#record}. */
  public static Builder builder(EventType type) {
    return new Builder(type);
  }

  /** Position in the chain: 1 for the first event of a log, then consecutive. */
  public long seq() {
    return seq;
  }

  /** Unique id of this event (a random UUID by default). */
  public String eventId() {
    return eventId;
  }

  /** What happened. */
  public EventType type() {
    return type;
  }

  /** When it happened (UTC). */
  public Instant time() {
    return time;
  }

  /** The approval request this event belongs to, or {@code null} if none. */
  public String requestId() {
    return text("requestId");
  }

  /** Hash of the previous event (64 lower-case hex characters; all zeros for the first event). */
  public String prevHash() {
    return text("prevHash");
  }

  /** This event's hash (64 lower-case hex characters). */
  public String hash() {
    return text("hash");
  }

  /** Id of the key that signed this event, or {@code null} if unsigned. */
  public String keyId() {
    return text("keyId");
  }

  /** Base64 (RFC 4648, padded) Ed25519 signature of the raw hash bytes, or {@code null} if unsigned. */
  public String signature() {
    return text("signature");
  }

  /** The top-level field {@code field} if it is a string, otherwise {@code null}. */
  public String text(String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  /** A deep copy of the top-level field {@code field}, or {@code null} if absent. */
  public JsonNode get(String field) {
    JsonNode value = node.get(field);
    return value == null ? null : value.deepCopy();
  }

  /** The canonical JSON of this event: one line, no trailing newline, as written to logs. */
  public String toJson() {
    String s = json;
    if (s == null) {
      s = new String(utf8, StandardCharsets.UTF_8);
      json = s;
    }
    return s;
  }

  /**
   * The canonical line as UTF-8 bytes (without LF): the bytes {@link #toJson()} encodes. The
   * array is shared, not copied: callers in this package (the file sink) must not modify it.
   */
  byte[] utf8() {
    return utf8;
  }

  /**
   * Parses one line of an audit log, strictly: the line must be a JSON object without duplicate
   * keys, floating-point numbers or unpaired surrogates, with every required field present and
   * well-typed. Does not check the hash or signature; {@link AuditVerifier} does.
   *
   * @throws AuditFormatException naming the field and the bad value
   */
  public static AuditEvent parse(String jsonLine) {
    Objects.requireNonNull(jsonLine, "jsonLine must not be null");
    if (jsonLine.isBlank()) {
      throw new AuditFormatException("audit event line is empty");
    }
    JsonNode tree;
    try {
      tree = MAPPER.readTree(jsonLine);
    } catch (JsonProcessingException e) {
      throw new AuditFormatException("audit event is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new AuditFormatException("audit event must be a JSON object but was " + describe(tree));
    }
    ObjectNode in = (ObjectNode) tree;
    JsonNode seqNode = in.get("seq");
    if (seqNode == null || !seqNode.isIntegralNumber() || !seqNode.canConvertToLong() || seqNode.longValue() < 1
        || seqNode.longValue() > MAX_SAFE_INTEGER) {
      throw badField("seq", "an integer >= 1", seqNode);
    }
    requireText(in, "eventId", true);
    String typeName = requireText(in, "type", true);
    EventType type;
    try {
      type = EventType.valueOf(typeName);
    } catch (IllegalArgumentException e) {
      throw badField("type", "one of " + Arrays.toString(EventType.values()), in.get("type"));
    }
    String timeText = requireText(in, "time", true);
    Instant time = parseTime(timeText, in.get("time"));
    requireText(in, "requestId", false);
    requireHash(in, "prevHash");
    requireHash(in, "hash");
    String keyId = requireText(in, "keyId", false);
    String signature = requireText(in, "signature", false);
    if ((keyId == null) != (signature == null)) {
      throw new AuditFormatException("audit event seq " + seqNode.longValue() + " has "
          + (keyId == null ? "a signature but no keyId" : "keyId '" + keyId + "' but no signature")
          + "; both or neither must be present");
    }
    if (signature != null && decodeSignature(signature) == null) {
      throw badField("signature", "padded standard Base64 (RFC 4648)", in.get("signature"));
    }
    ObjectNode clean = JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      try {
        clean.set(member.getKey(), sanitize(member.getValue(), member.getKey()));
      } catch (IllegalArgumentException e) {
        throw new AuditFormatException("audit event seq " + seqNode.longValue() + ": " + e.getMessage(), e);
      }
    }
    try {
      return new AuditEvent(clean, seqNode.longValue(), type, time);
    } catch (IllegalArgumentException e) { // e.g. an unpaired surrogate escaped as \ud800
      throw new AuditFormatException("audit event seq " + seqNode.longValue() + ": " + e.getMessage(), e);
    }
  }

  // ---- sealing (package-private: only AuditTrail seals) -------------------------------------

  /**
   * Seals {@code unsealed}: sets the chain fields, computes the hash and, with a signer, signs it.
   * Shorthand for {@link #prepare} then {@link Prepared#seal}.
   *
   * @throws IllegalStateException if the builder has no time or the signer misbehaves
   * @throws RuntimeException whatever the signer throws
   */
  static AuditEvent seal(Builder unsealed, long seq, String eventId, String prevHash, Signer signer) {
    return prepare(unsealed).seal(seq, eventId, prevHash, signer);
  }

  /**
   * Copies and serialises the content of {@code unsealed} (everything but the chain fields). The
   * trail calls this <em>outside</em> its lock, so that only the cheap part of sealing (inserting
   * the chain fields, one SHA-256, the optional signature) is serialised by the chain order.
   *
   * @throws IllegalStateException if the builder has no time
   * @throws IllegalArgumentException if a value cannot be written canonically
   */
  static Prepared prepare(Builder unsealed) {
    if (unsealed.time == null) {
      throw new IllegalStateException("AuditEvent " + unsealed.type + " cannot be recorded: time(Instant) is required but was not set");
    }
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    // Builder values are fresh, never-exposed nodes, so sharing them with the sealed event is safe.
    unsealed.fields.forEach(n::set);
    n.put("type", unsealed.type.name());
    n.put("time", unsealed.time.toString());
    if (unsealed.requestId != null) {
      n.put("requestId", unsealed.requestId);
    }
    int[] at = new int[CHAIN_MEMBERS.length];
    byte[] base = CanonicalJson.canonicalBytes(n, CHAIN_MEMBERS, at);
    return new Prepared(unsealed.type, unsealed.time, n, base, at);
  }

  /**
   * The members only sealing sets, in canonical (sorted) order: they are spliced into the
   * prepared bytes at the offsets {@link CanonicalJson#canonicalBytes(JsonNode, String[], int[])}
   * reported.
   */
  private static final String[] CHAIN_MEMBERS = {"eventId", "hash", "keyId", "prevHash", "seq", "signature"};
  private static final int EVENT_ID = 0;
  private static final int HASH = 1;
  private static final int KEY_ID = 2;
  private static final int PREV_HASH = 3;
  private static final int SEQ = 4;
  private static final int SIGNATURE = 5;

  /**
   * An event whose content is copied and serialised in canonical form, waiting for its chain
   * fields. Sealed at most once.
   */
  static final class Prepared {
    private final EventType type;
    private final Instant time;
    private final ObjectNode node;
    private final byte[] base;  // canonical bytes of node, which has none of CHAIN_MEMBERS
    private final int[] at;     // where each of CHAIN_MEMBERS goes in base

    private Prepared(EventType type, Instant time, ObjectNode node, byte[] base, int[] at) {
      this.type = type;
      this.time = time;
      this.node = node;
      this.base = base;
      this.at = at;
    }

    /**
     * Sets the chain fields, hashes and (with a signer) signs. Serialised once: the hash is
     * computed over the prepared bytes with {@code eventId}, {@code keyId}, {@code prevHash} and
     * {@code seq} spliced in (exactly the canonical content of format section 5), and the line
     * is the same with {@code hash} and {@code signature} spliced in as well.
     *
     * @throws IllegalStateException if the signer misbehaves
     * @throws IllegalArgumentException if the event id or key id cannot be written canonically
     * @throws RuntimeException whatever the signer throws
     */
    AuditEvent seal(long seq, String eventId, String prevHash, Signer signer) {
      byte[][] members = new byte[CHAIN_MEMBERS.length][];
      String keyId = null;
      if (signer != null) {
        keyId = signer.keyId();
        if (keyId == null || keyId.isBlank()) {
          throw new IllegalStateException("Signer " + signer.getClass().getName() + " returned a blank keyId: '" + keyId + "'");
        }
        members[KEY_ID] = CanonicalJson.member("keyId", keyId);
      }
      members[EVENT_ID] = CanonicalJson.member("eventId", eventId);
      members[PREV_HASH] = CanonicalJson.member("prevHash", prevHash);
      members[SEQ] = ("\"seq\":" + seq).getBytes(StandardCharsets.US_ASCII);

      MessageDigest sha256 = Hashing.sha256Digest();
      sha256.update(prevHash.getBytes(StandardCharsets.US_ASCII));
      Splice.into(base, at, members, sha256);
      byte[] hash = sha256.digest();
      String hashHex = Hashing.hex(hash);
      members[HASH] = CanonicalJson.member("hash", hashHex);

      String signatureText = null;
      if (signer != null) {
        byte[] signature = signer.sign(hash.clone());
        if (signature == null || signature.length == 0) {
          throw new IllegalStateException("Signer with key '" + signer.keyId() + "' returned an empty signature for seq " + seq);
        }
        signatureText = Base64.getEncoder().encodeToString(signature);
        members[SIGNATURE] = CanonicalJson.member("signature", signatureText);
      }
      byte[] line = Splice.toArray(base, at, members);

      ObjectNode n = node;
      n.put("seq", seq);
      n.put("eventId", eventId);
      n.put("prevHash", prevHash);
      if (keyId != null) {
        n.put("keyId", keyId);
      }
      n.put("hash", hashHex);
      if (signatureText != null) {
        n.put("signature", signatureText);
      }
      return new AuditEvent(n, line, seq, type, time);
    }
  }

  /**
   * Inserts top-level members into canonical object bytes, with the separating commas, writing
   * the result to a digest or an array. {@code at[i]} points at the opening quote of the member
   * that will follow member {@code i}, or at the closing brace; offsets ascend with {@code i};
   * {@code null} members are left out.
   */
  private static final class Splice {
    private static final byte[] COMMA = {','};

    private final MessageDigest digest;
    private final byte[] out;
    private int length;

    private Splice(MessageDigest digest, byte[] out) {
      this.digest = digest;
      this.out = out;
    }

    static void into(byte[] base, int[] at, byte[][] members, MessageDigest digest) {
      new Splice(digest, null).run(base, at, members);
    }

    static byte[] toArray(byte[] base, int[] at, byte[][] members) {
      int size = base.length;
      for (byte[] m : members) {
        size += m == null ? 0 : m.length + 1;
      }
      Splice s = new Splice(null, new byte[size]);
      s.run(base, at, members);
      return s.length == size ? s.out : Arrays.copyOf(s.out, s.length);
    }

    private void run(byte[] base, int[] at, byte[][] members) {
      int from = 0;
      boolean inserted = false;
      for (int i = 0; i < members.length; i++) {
        byte[] m = members[i];
        if (m == null) {
          continue;
        }
        int p = at[i];
        put(base, from, p - from);
        from = p;
        if (base[p] == '"') {            // a member follows: "m",
          put(m, 0, m.length);
          put(COMMA, 0, 1);
        } else {                         // the closing brace follows: ,"m" unless the object is still empty
          if (p > 1 || inserted) {
            put(COMMA, 0, 1);
          }
          put(m, 0, m.length);
        }
        inserted = true;
      }
      put(base, from, base.length - from);
    }

    private void put(byte[] bytes, int offset, int n) {
      if (digest != null) {
        digest.update(bytes, offset, n);
      } else {
        System.arraycopy(bytes, offset, out, length, n);
        length += n;
      }
    }
  }

  /** Recomputes this event's hash from its content (everything but {@code hash} and {@code signature}). */
  byte[] recomputeHash() {
    return Hashing.sha256(prevHash().getBytes(StandardCharsets.US_ASCII), CanonicalJson.canonicalBytesWithout(node, UNHASHED));
  }

  /** The canonical bytes that are hashed after the prevHash: the event without hash and signature. */
  String hashedContent() {
    return CanonicalJson.canonicalStringWithout(node, UNHASHED);
  }

  /** The members not covered by the hash. */
  private static final Set<String> UNHASHED = Set.of("hash", "signature");

  /** Decodes a signature strictly (padded, canonical Base64), or returns {@code null} if it is not. */
  static byte[] decodeSignature(String base64) {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      return null;
    }
    // Java's decoder accepts missing padding and non-zero trailing bits; either would let one
    // signature have several spellings, so require the single canonical encoding.
    return raw.length > 0 && Base64.getEncoder().encodeToString(raw).equals(base64) ? raw : null;
  }

  // ---- equality on the canonical form ---------------------------------------------------------

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditEvent && Arrays.equals(((AuditEvent) o).utf8, utf8);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(utf8);
  }

  /** The canonical JSON, as {@link #toJson()}. */
  @Override
  public String toString() {
    return toJson();
  }

  // ---- value conversion -----------------------------------------------------------------------

  private static String requireText(ObjectNode in, String field, boolean required) {
    JsonNode value = in.get(field);
    if (value == null && !required) {
      return null;
    }
    if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
      throw badField(field, "a non-empty string", value);
    }
    return value.textValue();
  }

  private static void requireHash(ObjectNode in, String field) {
    JsonNode value = in.get(field);
    if (value == null || !value.isTextual() || !Hashing.isLowerHex(value.textValue(), 64)) {
      throw badField(field, "64 lower-case hex characters", value);
    }
  }

  private static Instant parseTime(String text, JsonNode value) {
    try {
      Instant time = Instant.parse(text);
      if (time.toString().equals(text)) {
        return time;
      }
    } catch (DateTimeParseException e) {
      // reported below
    }
    throw badField("time", "a UTC instant as written by Instant.toString (e.g. 2025-01-31T09:15:00Z)", value);
  }

  private static AuditFormatException badField(String field, String expected, JsonNode value) {
    return new AuditFormatException("audit event field '" + field + "' must be " + expected + " but was "
        + (value == null ? "missing" : describe(value)));
  }

  private static String describe(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "nothing";
    }
    String s = value.toString();
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }

  /** Converts a Java value to a canonical-safe JSON tree; {@code path} names it in errors. */
  static JsonNode toNode(Object value, String path) {
    if (value == null) {
      return NullNode.getInstance();
    }
    if (value instanceof JsonNode) {
      return sanitize((JsonNode) value, path);
    }
    if (value instanceof String) {
      return TextNode.valueOf((String) value);
    }
    if (value instanceof Boolean) {
      return BooleanNode.valueOf((Boolean) value);
    }
    if (value instanceof Number) {
      return integer((Number) value, path);
    }
    if (value instanceof Character || value instanceof Enum<?> || value instanceof Instant || value instanceof Duration) {
      return TextNode.valueOf(value instanceof Enum<?> ? ((Enum<?>) value).name() : value.toString());
    }
    if (value instanceof Map<?, ?>) {
      ObjectNode object = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
        if (!(entry.getKey() instanceof String)) {
          throw new IllegalArgumentException("field '" + path + "': map keys must be strings but found key "
              + entry.getKey() + (entry.getKey() == null ? "" : " (" + entry.getKey().getClass().getName() + ")"));
        }
        String key = (String) entry.getKey();
        object.set(key, toNode(entry.getValue(), path + "." + key));
      }
      return object;
    }
    if (value instanceof Iterable<?>) {
      ArrayNode array = JsonNodeFactory.instance.arrayNode();
      int i = 0;
      for (Object element : (Iterable<?>) value) {
        array.add(toNode(element, path + "[" + i++ + "]"));
      }
      return array;
    }
    if (value.getClass().isArray()) {
      ArrayNode array = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < Array.getLength(value); i++) {
        array.add(toNode(Array.get(value, i), path + "[" + i + "]"));
      }
      return array;
    }
    JsonNode tree;
    try {
      tree = MAPPER.valueToTree(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field '" + path + "': cannot convert " + value.getClass().getName()
          + " to JSON: " + e.getMessage(), e);
    }
    return sanitize(tree, path);
  }

  /** Copies {@code node}, rejecting what the canonical form cannot hold (floats, binary, ...). */
  private static JsonNode sanitize(JsonNode node, String path) {
    JsonNodeType nodeType = node.getNodeType();
    switch (nodeType) {
      case OBJECT: {
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> member = it.next();
          copy.set(member.getKey(), sanitize(member.getValue(), path + "." + member.getKey()));
        }
        return copy;
      }
      case ARRAY: {
        ArrayNode copy = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < node.size(); i++) {
          copy.add(sanitize(node.get(i), path + "[" + i + "]"));
        }
        return copy;
      }
      case NUMBER:
        if (!node.isIntegralNumber()) {
          throw floatingPoint(path, node.asText(), node.numberValue().getClass());
        }
        return integer(node.bigIntegerValue(), path);
      case STRING:
      case BOOLEAN:
      case NULL:
        return node; // immutable node types
      case POJO:
        return toNode(((POJONode) node).getPojo(), path);
      case BINARY:
        return TextNode.valueOf(Base64.getEncoder().encodeToString(((BinaryNode) node).binaryValue()));
      default:
        throw new IllegalArgumentException("field '" + path + "': JSON node type " + nodeType + " is not allowed in an audit event");
    }
  }

  private static JsonNode integer(Number number, String path) {
    BigInteger value;
    if (number instanceof Integer || number instanceof Long || number instanceof Short || number instanceof Byte
        || number instanceof AtomicInteger || number instanceof AtomicLong) {
      value = BigInteger.valueOf(number.longValue());
    } else if (number instanceof BigInteger) {
      value = (BigInteger) number;
    } else if (number instanceof Double || number instanceof Float || number instanceof BigDecimal) {
      throw floatingPoint(path, number.toString(), number.getClass());
    } else {
      throw new IllegalArgumentException("field '" + path + "': unsupported number type " + number.getClass().getName()
          + " (value " + number + "); use int, long or BigInteger");
    }
    if (value.abs().compareTo(BigInteger.valueOf(MAX_SAFE_INTEGER)) > 0) {
      throw new IllegalArgumentException("field '" + path + "': integer " + value + " is outside +/-(2^53-1), which not every "
          + "JSON implementation represents exactly (RFC 7493, RFC 8785); record it as a string");
    }
    return JsonNodeFactory.instance.numberNode(value.longValue());
  }

  private static IllegalArgumentException floatingPoint(String path, String value, Class<?> type) {
    return new IllegalArgumentException("field '" + path + "': floating-point value " + value + " (" + type.getSimpleName()
        + ") is not allowed because the canonical audit form has integers only; record it as a string or in integer minor units");
  }

  /**
   * Collects the content of an event before it is sealed by {@link AuditTrail#record}. Not
   * thread-safe; the trail copies what it needs, so a builder may be reused afterwards.
   */
  public static final class Builder {

    private final EventType type;
    private Instant time;
    private String requestId;
    private final Map<String, JsonNode> fields = new LinkedHashMap<>();

    private Builder(EventType type) {
      this.type = Objects.requireNonNull(type, "AuditEvent type must not be null");
    }

    /** The type this builder was created with. */
    EventType type() {
      return type;
    }

    /** When the event happened (required). */
    public Builder time(Instant time) {
      this.time = Objects.requireNonNull(time, "AuditEvent " + type + ": time must not be null");
      return this;
    }

    /** The approval request this event belongs to; {@code null} leaves it absent. */
    public Builder requestId(String requestId) {
      if (requestId != null && requestId.isEmpty()) {
        throw new IllegalArgumentException("AuditEvent " + type + ": requestId must not be empty (use null for none)");
      }
      this.requestId = requestId;
      return this;
    }

    /**
     * Sets a top-level field. {@code null} removes it. Accepted values: String, int/long/BigInteger
     * (within +/-(2^53-1)), Boolean, Enum (its name), Instant and Duration (ISO-8601 strings),
     * collections and arrays, {@code Map<String, ?>}, {@link JsonNode}, or any record/bean
     * Jackson can convert.
     *
     * @throws IllegalArgumentException if {@code name} is reserved (seq, eventId, type, time,
     *     requestId, prevHash, hash, keyId, signature) or the value contains a floating-point
     *     number or anything else the canonical form cannot represent
     */
    public Builder field(String name, Object value) {
      Objects.requireNonNull(name, "AuditEvent " + type + ": field name must not be null");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("AuditEvent " + type + ": field name must not be empty");
      }
      if (RESERVED.contains(name)) {
        throw new IllegalArgumentException("AuditEvent " + type + ": field '" + name + "' is reserved "
            + (name.equals("time") || name.equals("requestId") ? "(use " + name + "(...))" : "(set by AuditTrail when sealing)"));
      }
      if (value == null) {
        fields.remove(name);
      } else {
        try {
          fields.put(name, toNode(value, name));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("AuditEvent " + type + ": " + e.getMessage(), e);
        }
      }
      return this;
    }
  }
}
