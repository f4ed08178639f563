package io.countersign.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
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
import java.util.Collection;
import java.util.Iterator;
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

  /** Longest event line, in UTF-8 bytes without the LF (format section 2): readers reject longer lines. */
  public static final int MAX_LINE_BYTES = 16 * 1024 * 1024;
  /** Bytes kept free in a line for seq, eventId, prevHash, hash, keyId and signature. */
  private static final int CHAIN_MEMBERS_ROOM = 4096;
  /** Deepest nesting of objects and arrays in an event, the event object itself counting as 1 (format section 3). */
  public static final int MAX_DEPTH = 1000;
  /** The grammar of {@code type} (format section 3): upper-case letters, digits and '_', starting with a letter, 1-64 characters. */
  private static final java.util.regex.Pattern TYPE_NAME = java.util.regex.Pattern.compile("[A-Z][A-Z0-9_]{0,63}");

  static final ObjectMapper MAPPER = JsonMapper.builder(com.fasterxml.jackson.core.JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxNestingDepth(MAX_DEPTH).maxNameLength(MAX_LINE_BYTES).maxStringLength(MAX_LINE_BYTES).build())
          .build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .addModule(new SimpleModule("countersign-audit-time")
          .addSerializer(Instant.class, ToStringSerializer.instance)
          .addSerializer(Duration.class, ToStringSerializer.instance))
      .build();

  // A sealed event is its canonical line plus the few scalar fields the chain and the sinks read.
  // The JSON tree that get()/text() of other fields need is built only on first use (parsed from
  // the line), so sealing, which runs under the trail's lock, does no tree or HashMap work.
  private final byte[] utf8;       // the canonical line, UTF-8, without LF; never exposed (copied out)
  private volatile ObjectNode tree; // get()/text() of content fields; lazily parsed from utf8 (racy but idempotent)
  private String json;             // toJson(), built on first use (racy but idempotent, as String.hash)
  private final long seq;
  private final String eventId;
  private final EventType type;
  private final String typeName;
  private final Instant time;
  private final String timeText;
  private final String requestId;
  private final String prevHash;
  private final String hash;
  private final String keyId;
  private final String signature;

  /** A parsed event: {@code node} is the sanitized tree; its canonical bytes are computed here. */
  private AuditEvent(ObjectNode node, long seq, EventType type, String typeName, Instant time) {
    this.tree = node;
    this.utf8 = CanonicalJson.canonicalBytes(node);
    this.seq = seq;
    this.eventId = textOf(node, "eventId");
    this.type = type;
    this.typeName = typeName;
    this.time = time;
    this.timeText = textOf(node, "time");
    this.requestId = textOf(node, "requestId");
    this.prevHash = textOf(node, "prevHash");
    this.hash = textOf(node, "hash");
    this.keyId = textOf(node, "keyId");
    this.signature = textOf(node, "signature");
  }

  /** A sealed event: {@code utf8} is its canonical line and the scalars are the values in it; the caller guarantees it. */
  private AuditEvent(byte[] utf8, long seq, String eventId, EventType type, Instant time, String timeText, String requestId,
      String prevHash, String hash, String keyId, String signature) {
    this.utf8 = utf8;
    this.seq = seq;
    this.eventId = eventId;
    this.type = type;
    this.typeName = type.name();
    this.time = time;
    this.timeText = timeText;
    this.requestId = requestId;
    this.prevHash = prevHash;
    this.hash = hash;
    this.keyId = keyId;
    this.signature = signature;
  }

  private static String textOf(ObjectNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
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

  /**
   * What happened: a well-known {@link EventType} constant or, for a type this version does not
   * know (written by a newer version or another module), an open value of that name; such events
   * verify like any other.
   */
  public EventType type() {
    return type;
  }

  /** The {@code type} member as written, known or not (never {@code null}). */
  public String typeName() {
    return typeName;
  }

  /** When it happened (UTC). */
  public Instant time() {
    return time;
  }

  /** The approval request this event belongs to, or {@code null} if none. */
  public String requestId() {
    return requestId;
  }

  /** Hash of the previous event (64 lower-case hex characters; all zeros for the first event). */
  public String prevHash() {
    return prevHash;
  }

  /** This event's hash (64 lower-case hex characters). */
  public String hash() {
    return hash;
  }

  /** Id of the key that signed this event, or {@code null} if unsigned. */
  public String keyId() {
    return keyId;
  }

  /** Base64 (RFC 4648, padded) Ed25519 signature of the raw hash bytes, or {@code null} if unsigned. */
  public String signature() {
    return signature;
  }

  /** The top-level field {@code field} if it is a string, otherwise {@code null}. */
  public String text(String field) {
    switch (field) { // the envelope fields are kept as scalars: no tree needed
      case "eventId": return eventId;
      case "type": return typeName;
      case "time": return timeText;
      case "requestId": return requestId;
      case "prevHash": return prevHash;
      case "hash": return hash;
      case "keyId": return keyId;
      case "signature": return signature;
      case "seq": return null;
      default:
        JsonNode value = node().get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }
  }

  /**
   * The top-level field {@code field} as a read-only {@link FieldValue} ({@link FieldValue#toJava()}
   * for plain Java values), or {@code null} if absent.
   */
  public FieldValue get(String field) {
    return FieldValue.of(node().get(field)); // the tree is never changed after publication
  }

  /**
   * The event as a sanitized JSON tree, the same tree {@link #parse} builds: parsed from the
   * canonical line on first use. Never modified after publication (through the volatile field),
   * so concurrent readers are safe; two racing first calls build equal trees, either one wins.
   */
  private ObjectNode node() {
    ObjectNode t = tree;
    if (t == null) {
      try {
        t = sanitizedTree((ObjectNode) MAPPER.readTree(utf8));
      } catch (java.io.IOException e) { // cannot happen: the line was written canonically by seal
        throw new IllegalStateException("audit event seq " + seq + " cannot be read back: " + e, e);
      }
      tree = t;
    }
    return t;
  }

  /** A copy of {@code in} with every member {@link #sanitize}d (numbers become long nodes, as the builder makes them). */
  private static ObjectNode sanitizedTree(ObjectNode in) {
    ObjectNode clean = JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      clean.set(member.getKey(), sanitize(member.getValue(), member.getKey()));
    }
    return clean;
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
  public byte[] utf8() {
    return utf8;
  }

  /**
   * Parses one line of an audit log, strictly: the line must be a JSON object without duplicate
   * keys, floating-point numbers or unpaired surrogates, with every required field present and
   * well-typed. Does not check the hash or signature; the verifier ({@code io.countersign.audit.log.AuditVerifier}) does.
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
    if (!TYPE_NAME.matcher(typeName).matches()) {
      throw badField("type", "upper-case letters, digits and '_', starting with a letter, at most 64 characters",
          in.get("type"));
    }
    EventType type = EventType.of(typeName); // unknown types are ordinary events (format section 3)
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
    ObjectNode clean;
    try {
      clean = sanitizedTree(in);
    } catch (IllegalArgumentException e) {
      throw new AuditFormatException("audit event seq " + seqNode.longValue() + ": " + e.getMessage(), e);
    }
    try {
      return new AuditEvent(clean, seqNode.longValue(), type, typeName, time);
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
    String timeText = instantText(unsealed.time);
    byte[] typeMember = unsealed.type.member();
    // The builder keeps each field as its canonical member bytes ("name":value), sorted by name
    // (String order is the RFC 8785 member order); type, time and requestId are merged in here,
    // and the offsets where the chain members will go are noted on the way, so the event is
    // serialised exactly once, into an array of its exact size.
    int n = unsealed.count;
    String[] names = unsealed.names;
    Object[] members = unsealed.members;
    String requestId = unsealed.requestId;
    // pass 1, in canonical order, so that the first error reported is the first in the line: size
    byte[] requestIdMember = null;
    int size = 2 + n + (requestId != null ? 2 : 1) + TIME_PREFIX.length + timeText.length() + 1 + typeMember.length;
    for (int i = 0; i < n; i++) {
      if (requestId != null && requestIdMember == null && names[i].compareTo("requestId") > 0) {
        requestIdMember = CanonicalJson.member("requestId", requestId);
      }
      Object member = members[i];
      if (member instanceof Deferred) {
        throw new IllegalArgumentException(((Deferred) member).message);
      }
      size += ((byte[]) member).length;
    }
    if (size > MAX_LINE_BYTES - CHAIN_MEMBERS_ROOM) { // readers reject longer lines (format section 2)
      throw new IllegalArgumentException("AuditEvent " + unsealed.type + " is " + size + " bytes long without its chain members;"
          + " an audit line may hold at most " + MAX_LINE_BYTES + " bytes: record large values as a digest");
    }
    if (requestId != null) {
      if (requestIdMember == null) {
        requestIdMember = CanonicalJson.member("requestId", requestId);
      }
      size += requestIdMember.length;
    }
    // pass 2: write
    byte[] base = new byte[size];
    int[] at = new int[CHAIN_MEMBERS.length];
    int placed = 0;  // chain members whose offset is known (they are placed in order)
    int extra = requestId != null ? 0 : 1; // next of EXTRA_NAMES to merge in
    int pos = 0;
    int i = 0;
    base[pos++] = '{';
    while (i < n || extra < EXTRA_NAMES.length) {
      boolean takeExtra = i == n || (extra < EXTRA_NAMES.length && EXTRA_NAMES[extra].compareTo(names[i]) < 0);
      String name = takeExtra ? EXTRA_NAMES[extra] : names[i];
      if (pos > 1) {
        base[pos++] = ',';
      }
      while (placed < CHAIN_MEMBERS.length && CHAIN_MEMBERS[placed].compareTo(name) < 0) {
        at[placed++] = pos;
      }
      if (!takeExtra) {
        pos = put((byte[]) members[i++], base, pos);
      } else if (extra == 0) {
        pos = put(requestIdMember, base, pos);
        extra++;
      } else if (extra == 1) { // Instant.toString is ASCII without escapes
        pos = put(TIME_PREFIX, base, pos);
        pos = putAscii(timeText, base, pos);
        base[pos++] = '"';
        extra++;
      } else {
        pos = put(typeMember, base, pos);
        extra++;
      }
    }
    base[pos++] = '}';
    if (pos != size) {
      throw new IllegalStateException("AuditEvent " + unsealed.type + ": prepare miscounted the content: " + pos + " != " + size);
    }
    // "type" is always present and sorts after every chain member, so all of them were placed
    // before a member: sealing inserts each as "name":value followed by a comma.
    return new Prepared(unsealed.type, unsealed.time, timeText, requestId, base, at);
  }

  private static final byte[] TIME_PREFIX = "\"time\":\"".getBytes(StandardCharsets.US_ASCII);

  private static int put(byte[] bytes, byte[] out, int pos) {
    System.arraycopy(bytes, 0, out, pos, bytes.length);
    return pos + bytes.length;
  }

  /** Writes {@code s}, which the caller knows is ASCII (e.g. checked by {@link #isPlain}). */
  private static int putAscii(String s, byte[] out, int pos) {
    for (int i = 0, n = s.length(); i < n; i++) {
      out[pos++] = (byte) s.charAt(i);
    }
    return pos;
  }

  /** True if {@code s} is written as a JSON string unchanged: printable ASCII without '"' and '\\'. */
  private static boolean isPlain(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /** The top-level members every event may have besides its fields, in canonical order. */
  private static final String[] EXTRA_NAMES = {"requestId", "time", "type"};

  /**
   * {@link Instant#toString()} (ISO-8601, UTC, fraction in groups of three digits as needed),
   * written by hand for years 1970 to 9999 because the {@code DateTimeFormatter} behind
   * {@code toString} cost about a microsecond per event; other instants use {@code toString}.
   */
  static String instantText(Instant instant) {
    long seconds = instant.getEpochSecond();
    if (seconds < 0 || seconds > 253_402_300_799L) { // 9999-12-31T23:59:59Z
      return instant.toString();
    }
    int nanos = instant.getNano();
    long days = seconds / 86_400;
    int secondOfDay = (int) (seconds % 86_400);
    // civil-from-days (H. Hinnant), for days since 1970-01-01 >= 0
    long z = days + 719_468;
    long era = z / 146_097;
    long doe = z - era * 146_097;
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int day = (int) (doy - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    int year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
    int fraction = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1000 == 0 ? 6 : 9;
    byte[] b = new byte[20 + (fraction == 0 ? 0 : fraction + 1)];
    digits(year, b, 0, 4);
    b[4] = '-';
    digits(month, b, 5, 2);
    b[7] = '-';
    digits(day, b, 8, 2);
    b[10] = 'T';
    digits(secondOfDay / 3600, b, 11, 2);
    b[13] = ':';
    digits(secondOfDay / 60 % 60, b, 14, 2);
    b[16] = ':';
    digits(secondOfDay % 60, b, 17, 2);
    int p = 19;
    if (fraction > 0) {
      b[p++] = '.';
      digits(fraction == 3 ? nanos / 1_000_000 : fraction == 6 ? nanos / 1000 : nanos, b, p, fraction);
      p += fraction;
    }
    b[p] = 'Z';
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static void digits(int value, byte[] out, int at, int count) {
    for (int i = at + count - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }

  /**
   * The members only sealing sets, in canonical (sorted) order: they are inserted into the
   * prepared bytes at the offsets {@link #prepare} noted. All sort before {@code "type"}, which
   * every event has.
   */
  private static final String[] CHAIN_MEMBERS = {"eventId", "hash", "keyId", "prevHash", "seq", "signature"};
  private static final int EVENT_ID = 0;
  private static final int HASH = 1;
  private static final int KEY_ID = 2;
  private static final int PREV_HASH = 3;
  private static final int SEQ = 4;
  private static final int SIGNATURE = 5;

  private static final byte[] HASH_PREFIX = "\"hash\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEQ_PREFIX = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /**
   * An event whose content is copied and serialised in canonical form, waiting for its chain
   * fields. Sealed at most once.
   */
  static final class Prepared {
    private final EventType type;
    private final Instant time;
    private final String timeText;
    private final String requestId;
    private final byte[] base;  // canonical bytes of the content, which has none of CHAIN_MEMBERS
    private final int[] at;     // where each of CHAIN_MEMBERS goes in base: the start of the member it precedes

    private Prepared(EventType type, Instant time, String timeText, String requestId, byte[] base, int[] at) {
      this.type = type;
      this.time = time;
      this.timeText = timeText;
      this.requestId = requestId;
      this.base = base;
      this.at = at;
    }

    /**
     * Sets the chain fields, hashes and (with a signer) signs. Runs under the trail's lock, so it
     * is written for speed: the line is assembled once into an array of its exact size, with a
     * hole for the hash; the hash is computed over that array minus the {@code hash} member
     * (exactly the canonical content of format section 5, because every chain member is
     * followed by another member and its comma), then written into the hole. Only a signature,
     * whose length is known after signing, costs a second copy.
     *
     * @throws IllegalStateException if the signer misbehaves
     * @throws IllegalArgumentException if the event id or key id cannot be written canonically
     * @throws RuntimeException whatever the signer throws
     */
    AuditEvent seal(long seq, String eventId, String prevHash, Signer signer) {
      String keyId = null;
      byte[] keyIdMember = null;
      if (signer != null) {
        keyId = signer.keyId();
        if (keyId == null || keyId.isBlank()) {
          throw new IllegalStateException("Signer " + signer.getClass().getName() + " returned a blank keyId: '" + keyId + "'");
        }
        keyIdMember = encoded("keyId", keyId);
      }
      // Plain ASCII strings (UUIDs, hex) are written straight into the line; others are escaped first.
      byte[] eventIdMember = encoded("eventId", eventId);
      byte[] prevHashMember = encoded("prevHash", prevHash);
      int seqDigits = decimalDigits(seq);
      int size = base.length
          + memberLength(EVENT_ID_PREFIX, eventId, eventIdMember) + 1
          + HASH_PREFIX.length + 64 + 1 + 1
          + (signer != null ? memberLength(KEY_ID_PREFIX, keyId, keyIdMember) + 1 : 0)
          + memberLength(PREV_HASH_PREFIX, prevHash, prevHashMember) + 1
          + SEQ_PREFIX.length + seqDigits + 1;
      byte[] line = new byte[size];
      int from = 0;  // next byte of base to copy
      int pos = 0;   // next byte of line to write
      // eventId
      pos = copy(base, from, at[EVENT_ID], line, pos);
      from = at[EVENT_ID];
      pos = member(EVENT_ID_PREFIX, eventId, eventIdMember, line, pos);
      // hash: a hole for now
      pos = copy(base, from, at[HASH], line, pos);
      from = at[HASH];
      int hashStart = pos;
      System.arraycopy(HASH_PREFIX, 0, line, pos, HASH_PREFIX.length);
      int hashHex = pos + HASH_PREFIX.length;
      line[hashHex + 64] = '"';
      line[hashHex + 65] = ',';
      pos = hashHex + 66;
      int hashEnd = pos;
      // keyId
      if (signer != null) {
        pos = copy(base, from, at[KEY_ID], line, pos);
        from = at[KEY_ID];
        pos = member(KEY_ID_PREFIX, keyId, keyIdMember, line, pos);
      }
      // prevHash
      pos = copy(base, from, at[PREV_HASH], line, pos);
      from = at[PREV_HASH];
      int prevHashValue = pos + PREV_HASH_PREFIX.length;
      pos = member(PREV_HASH_PREFIX, prevHash, prevHashMember, line, pos);
      // seq
      pos = copy(base, from, at[SEQ], line, pos);
      from = at[SEQ];
      System.arraycopy(SEQ_PREFIX, 0, line, pos, SEQ_PREFIX.length);
      pos += SEQ_PREFIX.length;
      writeDecimal(seq, line, pos, seqDigits);
      pos += seqDigits;
      line[pos++] = ',';
      pos = copy(base, from, base.length, line, pos);
      if (pos != size) {
        throw new IllegalStateException("sealing miscounted the line of seq " + seq + ": " + pos + " != " + size);
      }

      // The digest is this thread's own, left reset by digest(): no reset (64-int fill) per event.
      MessageDigest sha256 = SEAL_SHA256.get();
      byte[] hash;
      try {
        if (prevHashMember == null) { // plain ASCII: hash the bytes already in the line
          sha256.update(line, prevHashValue, prevHash.length());
        } else {
          sha256.update(prevHash.getBytes(StandardCharsets.US_ASCII));
        }
        sha256.update(line, 0, hashStart);
        sha256.update(line, hashEnd, size - hashEnd);
        hash = sha256.digest();
      } catch (RuntimeException | Error e) {
        sha256.reset();
        throw e;
      }
      for (int i = 0; i < hash.length; i++) {
        line[hashHex + 2 * i] = HEX_DIGITS[(hash[i] >> 4) & 0xF];
        line[hashHex + 2 * i + 1] = HEX_DIGITS[hash[i] & 0xF];
      }
      String hashText = new String(line, hashHex, 64, StandardCharsets.ISO_8859_1);

      String signatureText = null;
      if (signer != null) {
        byte[] signature = signer.sign(hash.clone());
        if (signature == null || signature.length == 0) {
          throw new IllegalStateException("Signer with key '" + signer.keyId() + "' returned an empty signature for seq " + seq);
        }
        signatureText = Base64.getEncoder().encodeToString(signature);
        byte[] signatureMember = CanonicalJson.member("signature", signatureText);
        // every other chain member sorts before "signature", so all were inserted before its place
        int sigAt = at[SIGNATURE] + (size - base.length);
        byte[] signed = new byte[size + signatureMember.length + 1];
        System.arraycopy(line, 0, signed, 0, sigAt);
        System.arraycopy(signatureMember, 0, signed, sigAt, signatureMember.length);
        int p = sigAt + signatureMember.length;
        signed[p++] = ',';
        System.arraycopy(line, sigAt, signed, p, size - sigAt);
        line = signed;
      }
      return new AuditEvent(line, seq, eventId, type, time, timeText, requestId, prevHash, hashText, keyId, signatureText);
    }

    private static int copy(byte[] base, int from, int to, byte[] line, int pos) {
      System.arraycopy(base, from, line, pos, to - from);
      return pos + to - from;
    }

    /** {@code null} if {@code value} is plain ASCII (written directly), else its escaped member. */
    private static byte[] encoded(String name, String value) {
      return isPlain(value) ? null : CanonicalJson.member(name, value);
    }

    private static int memberLength(byte[] prefix, String value, byte[] encoded) {
      return encoded != null ? encoded.length : prefix.length + value.length() + 1;
    }

    /** Writes the member and its trailing comma. */
    private static int member(byte[] prefix, String value, byte[] encoded, byte[] line, int pos) {
      if (encoded != null) {
        System.arraycopy(encoded, 0, line, pos, encoded.length);
        pos += encoded.length;
      } else {
        System.arraycopy(prefix, 0, line, pos, prefix.length);
        pos = putAscii(value, line, pos + prefix.length);
        line[pos++] = '"';
      }
      line[pos++] = ',';
      return pos;
    }
  }

  private static final byte[] EVENT_ID_PREFIX = "\"eventId\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEY_ID_PREFIX = "\"keyId\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PREV_HASH_PREFIX = "\"prevHash\":\"".getBytes(StandardCharsets.US_ASCII);

  private static final ThreadLocal<MessageDigest> SEAL_SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  });

  private static int decimalDigits(long v) {
    if (v < 0) {
      return Long.toString(v).length();
    }
    int n = 1;
    while (v >= 10) {
      v /= 10;
      n++;
    }
    return n;
  }

  private static void writeDecimal(long v, byte[] out, int pos, int digits) {
    if (v < 0) {
      byte[] text = Long.toString(v).getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(text, 0, out, pos, text.length);
      return;
    }
    for (int i = pos + digits - 1; i >= pos; i--) {
      out[i] = (byte) ('0' + (v % 10));
      v /= 10;
    }
  }

  /** Recomputes this event's hash from its content (everything but {@code hash} and {@code signature}). */
  public byte[] recomputeHash() {
    return Hashing.sha256(prevHash().getBytes(StandardCharsets.US_ASCII), CanonicalJson.canonicalBytesWithout(node(), UNHASHED));
  }

  /** The canonical bytes that are hashed after the prevHash: the event without hash and signature. */
  public String hashedContent() {
    return CanonicalJson.canonicalStringWithout(node(), UNHASHED);
  }

  /** The members not covered by the hash. */
  private static final Set<String> UNHASHED = Set.of("hash", "signature");

  /** Decodes a signature strictly (padded, canonical Base64), or returns {@code null} if it is not. */
  public static byte[] decodeSignature(String base64) {
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

  /** Years 0000 to 9999 only: {@code Instant.toString} writes others with a sign, which the format excludes. */
  private static Instant parseTime(String text, JsonNode value) {
    try {
      if (text.startsWith("+") || text.startsWith("-")) {
        throw badField("time", "a UTC instant in years 0000-9999 (YYYY-MM-DDThh:mm:ss[.fff]Z)", value);
      }
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
    if (value instanceof FieldValue) {
      return sanitize(((FieldValue) value).node(), path);
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
    return JsonNodeFactory.instance.numberNode(integerValue(number, path));
  }

  /**
   * The value of an integer within +/-(2^53-1), or the error {@link #toNode} reports for
   * {@code number} at {@code path} (a String, or a {@link FieldEncoder} path).
   */
  private static long integerValue(Number number, Object path) {
    BigInteger value;
    if (number instanceof Integer || number instanceof Long || number instanceof Short || number instanceof Byte
        || number instanceof AtomicInteger || number instanceof AtomicLong) {
      long v = number.longValue();
      if (v >= -MAX_SAFE_INTEGER && v <= MAX_SAFE_INTEGER) {
        return v; // the common case, without a BigInteger
      }
      value = BigInteger.valueOf(v);
    } else if (number instanceof BigInteger) {
      value = (BigInteger) number;
    } else if (number instanceof Double || number instanceof Float || number instanceof BigDecimal) {
      throw floatingPoint(pathText(path), number.toString(), number.getClass());
    } else {
      throw new IllegalArgumentException("field '" + pathText(path) + "': unsupported number type " + number.getClass().getName()
          + " (value " + number + "); use int, long or BigInteger");
    }
    if (value.abs().compareTo(BigInteger.valueOf(MAX_SAFE_INTEGER)) > 0) {
      throw new IllegalArgumentException("field '" + pathText(path) + "': integer " + value + " is outside +/-(2^53-1), which not every "
          + "JSON implementation represents exactly (RFC 7493, RFC 8785); record it as a string");
    }
    return value.longValue();
  }

  private static String pathText(Object path) {
    return path instanceof FieldEncoder ? ((FieldEncoder) path).text() : String.valueOf(path);
  }

  /** What a field whose value has an unpaired surrogate holds: the error {@link #prepare} reports, as before. */
  private static final class Deferred {
    final String message;

    Deferred(String message) {
      this.message = message;
    }
  }

  /**
   * Serialises a builder value straight to canonical bytes, applying exactly the rules of
   * {@link #toNode} (same accepted types, same errors with the same messages, raised in the same
   * order: depth first, in iteration order). Why: building a Jackson tree per value and
   * serialising the tree afterwards was about a fifth of the CPU time of recording an event.
   *
   * <p>Values it does not know natively (JsonNode, non-collection Iterables, beans and records)
   * still go through {@link #toNode}, and the resulting tree is written by {@link CanonicalJson}.
   * An unpaired surrogate is not a {@code field(...)} error (the canonical writer found it when
   * the event was recorded, and still does): it is remembered and reported by {@link #prepare}.
   * Within one field, the first such surrogate in iteration order is reported (the tree-based
   * code reported the first in canonical key order; both name a real offender).
   */
  static final class FieldEncoder {
    // One encoder per thread, reused: a field's bytes are built in its buffer and copied out once.
    private static final ThreadLocal<FieldEncoder> SCRATCH = ThreadLocal.withInitial(FieldEncoder::new);

    private final CanonicalJson.Output out = new CanonicalJson.Output(1024);
    private byte[] reorder = new byte[256]; // map values while they are put in key order
    private String deferred;
    private boolean busy;                   // in use further up this thread's stack (a bean's getter recording an event)
    // Where the value being written sits, as a stack (no object per nested value): a member name,
    // or null and an array index, per level. Rendered only for an error message; see path().
    private String[] pathKeys = new String[8];
    private int[] pathIndexes = new int[8];
    private int depth;
    // The entries of the maps being written, as a stack: each map takes map.size() slots.
    private String[] mapKeys = new String[32];
    private int[] mapEnds = new int[32];
    private int[] mapOrder = new int[32];
    private int mapTop;

    /**
     * The canonical member {@code "name":value}, or a {@link Deferred} error; throws what
     * {@link #toNode} throws for the value.
     */
    static Object encode(String name, Object value) {
      FieldEncoder encoder = SCRATCH.get();
      if (encoder.busy) {
        encoder = new FieldEncoder();
      }
      encoder.busy = true;
      try {
        encoder.push(name, -1);
        encoder.string(name);
        encoder.out.put((byte) ':');
        encoder.write(value);
        return encoder.deferred != null ? new Deferred(encoder.deferred) : encoder.out.toByteArray();
      } finally {
        encoder.out.truncate(0);
        encoder.deferred = null;
        encoder.depth = 0;
        encoder.mapTop = 0;
        encoder.busy = false;
      }
    }

    private void push(String key, int index) {
      if (depth == pathKeys.length) {
        pathKeys = Arrays.copyOf(pathKeys, depth * 2);
        pathIndexes = Arrays.copyOf(pathIndexes, depth * 2);
      }
      pathKeys[depth] = key;
      pathIndexes[depth++] = index;
    }

    /** The current path as {@link #toNode} names it ({@code vote.reasons[0]}). */
    String text() {
      StringBuilder s = new StringBuilder(pathKeys[0]);
      for (int i = 1; i < depth; i++) {
        if (pathKeys[i] != null) {
          s.append('.').append(pathKeys[i]);
        } else {
          s.append('[').append(pathIndexes[i]).append(']');
        }
      }
      return s.toString();
    }

    /** The current path as {@link CanonicalJson} names it ({@code $.vote.reasons[0]}): an object rendered only on error. */
    private Object path() {
      return this;
    }

    @Override
    public String toString() {
      return "$." + text();
    }

    private void write(Object value) {
      if (value == null) {
        out.putAscii("null");
      } else if (value instanceof String) {
        string((String) value);
      } else if (value instanceof JsonNode || value instanceof FieldValue) {
        tree(toNode(value, text()));
      } else if (value instanceof Boolean) {
        out.putAscii((Boolean) value ? "true" : "false");
      } else if (value instanceof Number) {
        out.putLong(integerValue((Number) value, this));
      } else if (value instanceof Instant) {
        string(instantText((Instant) value));
      } else if (value instanceof Character || value instanceof Enum<?> || value instanceof Duration) {
        string(value instanceof Enum<?> ? ((Enum<?>) value).name() : value.toString());
      } else if (value instanceof Map<?, ?>) {
        map((Map<?, ?>) value);
      } else if (value instanceof Collection<?>) {
        out.put((byte) '[');
        int i = 0;
        for (Object element : (Collection<?>) value) {
          if (i > 0) {
            out.put((byte) ',');
          }
          push(null, i++);
          write(element);
          depth--;
        }
        out.put((byte) ']');
      } else if (value instanceof Object[]) {
        Object[] array = (Object[]) value;
        out.put((byte) '[');
        for (int i = 0; i < array.length; i++) {
          if (i > 0) {
            out.put((byte) ',');
          }
          push(null, i);
          write(array[i]);
          depth--;
        }
        out.put((byte) ']');
      } else if (value.getClass().isArray()) {
        out.put((byte) '[');
        for (int i = 0; i < Array.getLength(value); i++) {
          if (i > 0) {
            out.put((byte) ',');
          }
          push(null, i);
          write(Array.get(value, i));
          depth--;
        }
        out.put((byte) ']');
      } else {
        // other Iterables (maybe single-use: iterated once, by toNode) and beans/records
        tree(toNode(value, text()));
      }
    }

    /**
     * Writes the entries in iteration order (so errors come in toNode's order), then reorders
     * the written values by key, as RFC 8785 requires.
     */
    private void map(Map<?, ?> map) {
      int regionStart = out.length();
      int base = mapTop;
      int room = Math.max(map.size(), 1);
      reserve(base + room);
      mapTop = base + room; // nested maps stack above this one's slots
      int n = 0;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        Object key = entry.getKey();
        if (!(key instanceof String)) {
          throw new IllegalArgumentException("field '" + text() + "': map keys must be strings but found key "
              + key + (key == null ? "" : " (" + key.getClass().getName() + ")"));
        }
        if (n == room) { // the map grew while we iterated it: move this map's slots to the top
          int moved = mapTop;
          reserve(moved + room * 2);
          System.arraycopy(mapKeys, base, mapKeys, moved, n);
          System.arraycopy(mapEnds, base, mapEnds, moved, n);
          base = moved;
          room *= 2;
          mapTop = base + room;
        }
        mapKeys[base + n] = (String) key;
        push((String) key, -1);
        write(entry.getValue());
        depth--;
        mapEnds[base + n++] = out.length();
      }
      // Nested maps finished their own reordering during write(...), so one scratch array serves all.
      int regionLength = out.length() - regionStart;
      if (reorder.length < regionLength) {
        reorder = new byte[Math.max(regionLength, reorder.length * 2)];
      }
      byte[] values = reorder;
      out.copyTo(regionStart, values);
      out.truncate(regionStart);
      sortByKey(base, n);
      out.put((byte) '{');
      boolean first = true;
      for (int j = 0; j < n; j++) {
        int i = mapOrder[base + j];
        String key = mapKeys[base + i];
        if (j + 1 < n && mapKeys[base + mapOrder[base + j + 1]].equals(key)) {
          continue; // the same key twice (an identity map): the last value wins, as in ObjectNode.set
        }
        if (!first) {
          out.put((byte) ',');
        }
        first = false;
        push(key, -1);
        string(key);
        depth--;
        out.put((byte) ':');
        int start = i == 0 ? 0 : mapEnds[base + i - 1] - regionStart;
        out.put(values, start, mapEnds[base + i] - regionStart - start);
      }
      out.put((byte) '}');
      for (int i = base; i < base + n; i++) {
        mapKeys[i] = null; // do not keep the caller's keys reachable from this thread
      }
      mapTop = base;
    }

    private void reserve(int slots) {
      if (slots > mapKeys.length) {
        int size = Math.max(slots, mapKeys.length * 2);
        mapKeys = Arrays.copyOf(mapKeys, size);
        mapEnds = Arrays.copyOf(mapEnds, size);
        mapOrder = Arrays.copyOf(mapOrder, size);
      }
    }

    /** Sets mapOrder[base..base+n) to the slots' indices 0..n-1 ordered by key (String order, as RFC 8785), stable. */
    private void sortByKey(int base, int n) {
      String[] keys = mapKeys;
      int[] order = mapOrder;
      for (int i = 0; i < n; i++) {
        order[base + i] = i;
      }
      if (n <= 32) { // insertion sort: maps in events are small
        for (int i = 1; i < n; i++) {
          int o = order[base + i];
          int j = i - 1;
          while (j >= 0 && keys[base + order[base + j]].compareTo(keys[base + o]) > 0) {
            order[base + j + 1] = order[base + j];
            j--;
          }
          order[base + j + 1] = o;
        }
        return;
      }
      Integer[] boxed = new Integer[n];
      for (int i = 0; i < n; i++) {
        boxed[i] = i;
      }
      Arrays.sort(boxed, (a, b) -> keys[base + a].compareTo(keys[base + b])); // stable (TimSort)
      for (int i = 0; i < n; i++) {
        order[base + i] = boxed[i];
      }
    }

    private void string(String s) {
      try {
        out.string(s, path());
      } catch (IllegalArgumentException e) { // an unpaired surrogate: reported when recorded
        deferUnpairedSurrogate(e);
      }
    }

    private void tree(JsonNode node) {
      try {
        out.value(node, path());
      } catch (IllegalArgumentException e) { // sanitized trees fail only on unpaired surrogates
        deferUnpairedSurrogate(e);
      }
    }

    private void deferUnpairedSurrogate(IllegalArgumentException e) {
      if (deferred == null) {
        deferred = e.getMessage();
      }
      out.putAscii("null"); // a placeholder: these bytes are never sealed
    }
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
    // The fields, sorted by name as RFC 8785 orders members (String order): each as its canonical
    // member "name":value, or a Deferred error. Two small arrays, as events have a handful of fields.
    private String[] names = new String[8];
    private Object[] members = new Object[8];
    private int count;

    private Builder(EventType type) {
      this.type = Objects.requireNonNull(type, "AuditEvent type must not be null");
    }

    /** The type this builder was created with. */
    EventType type() {
      return type;
    }

    /**
     * When the event happened (required; years 0000 to 9999, the range the format's {@code time}
     * grammar allows).
     */
    public Builder time(Instant time) {
      Objects.requireNonNull(time, "AuditEvent " + type + ": time must not be null");
      if (time.getEpochSecond() < -62_167_219_200L || time.getEpochSecond() > 253_402_300_799L) {
        throw new IllegalArgumentException("AuditEvent " + type + ": time must be in years 0000-9999 but was " + time);
      }
      this.time = time;
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
     * collections and arrays, {@code Map<String, ?>}, a {@link FieldValue} of another event, or any record/bean
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
        int at = indexOf(name);
        if (at >= 0) {
          System.arraycopy(names, at + 1, names, at, count - at - 1);
          System.arraycopy(members, at + 1, members, at, count - at - 1);
          count--;
          names[count] = null;
          members[count] = null;
        }
      } else {
        Object member;
        try {
          member = FieldEncoder.encode(name, value);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("AuditEvent " + type + ": " + e.getMessage(), e);
        }
        int at = indexOf(name);
        if (at >= 0) {
          members[at] = member;
        } else {
          at = -at - 1;
          if (count == names.length) {
            names = Arrays.copyOf(names, count * 2);
            members = Arrays.copyOf(members, count * 2);
          }
          System.arraycopy(names, at, names, at + 1, count - at);
          System.arraycopy(members, at, members, at + 1, count - at);
          names[at] = name;
          members[at] = member;
          count++;
        }
      }
      return this;
    }

    /** Index of {@code name}, or {@code -(insertion point) - 1}, as {@link Arrays#binarySearch}. */
    private int indexOf(String name) {
      return Arrays.binarySearch(names, 0, count, name);
    }
  }
}
