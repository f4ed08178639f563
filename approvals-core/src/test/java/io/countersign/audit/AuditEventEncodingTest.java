package io.countersign.audit;

import static io.countersign.audit.AuditChains.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.internal.CanonicalJson;
import io.countersign.internal.Hashing;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The builder serialises values straight to canonical bytes and sealing splices the chain fields
 * into them; these tests hold both to the tree-based definition (build the event as a Jackson tree
 * with {@link AuditEvent#toNode}, write it with {@link CanonicalJson}), and check the lazily parsed
 * tree behind {@link AuditEvent#get} and {@link AuditEvent#text}.
 */
class AuditEventEncodingTest {

  record Reading(String sensor, long value, List<String> tags) {
  }

  enum Level { LOW, HIGH }

  /** The canonical line of {@code event} as the tree-based code built it: content via toNode, then the chain fields. */
  private static String referenceLine(AuditEvent event, Map<String, Object> fields) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    fields.forEach((name, value) -> {
      if (value != null) { // field(name, null) removes the field
        n.set(name, AuditEvent.toNode(value, name));
      }
    });
    n.put("type", event.type().name());
    n.put("time", event.time().toString());
    if (event.requestId() != null) {
      n.put("requestId", event.requestId());
    }
    n.put("seq", event.seq());
    n.put("eventId", event.eventId());
    n.put("prevHash", event.prevHash());
    n.put("hash", event.hash());
    if (event.keyId() != null) {
      n.put("keyId", event.keyId());
      n.put("signature", event.signature());
    }
    return CanonicalJson.canonicalString(n);
  }

  private static List<AuditEvent> record(AuditTrail trail, InMemoryAuditSink sink, List<Map<String, Object>> contents) {
    for (int i = 0; i < contents.size(); i++) {
      AuditEvent.Builder b = AuditEvent.builder(EventType.VOTE).time(T0.plusMillis(i)).requestId(i % 2 == 0 ? "req-" + i : null);
      contents.get(i).forEach(b::field);
      trail.record(b).join();
    }
    return sink.events();
  }

  private static void assertMatchesReference(List<AuditEvent> events, List<Map<String, Object>> contents, Ed25519Signer key) {
    for (int i = 0; i < events.size(); i++) {
      AuditEvent event = events.get(i);
      assertThat(event.toJson()).isEqualTo(referenceLine(event, contents.get(i)));
      assertThat(Hashing.hex(event.recomputeHash())).isEqualTo(event.hash());
      AuditEvent parsed = AuditEvent.parse(event.toJson());
      assertThat(parsed).isEqualTo(event);
      assertThat(Hashing.hex(parsed.recomputeHash())).isEqualTo(event.hash());
      if (key != null) {
        assertThat(Signatures.verifies(key.verificationKey().publicKey(), Hashing.unhex(event.hash(), "hash"),
            Base64.getDecoder().decode(event.signature()))).isTrue();
      }
    }
  }

  @Test
  void everyKindOfValueIsWrittenAsTheTreeBasedCodeWroteIt() {
    Map<String, Object> ordered = new LinkedHashMap<>();
    ordered.put("zeta", 1);
    ordered.put("alpha", List.of());
    ordered.put("\u00e9t\u00e9", "caf\u00e9 \ud83d\ude00 \"q\" \\ \n\t\u0001\u007f\u2028");
    ordered.put("", Map.of());
    ordered.put("a\u0000b", null);
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("text", "plain");
    content.put("escapes", "\"\\/\b\f\n\r\t\u001f");
    content.put("unicode", "\u00fc\u4e2d\ud834\udd1e");
    content.put("ints", List.of(0, -1, Integer.MAX_VALUE, Long.valueOf((1L << 53) - 1), -((1L << 53) - 1), (short) 7, (byte) -8));
    content.put("bigs", List.of(BigInteger.ZERO, BigInteger.valueOf((1L << 53) - 1), new AtomicInteger(5), new AtomicLong(-6)));
    content.put("flags", new Boolean[] {true, false, null});
    content.put("prims", new int[] {3, 4});
    content.put("longs", new long[0]);
    content.put("chars", new char[] {'x', '"'});
    content.put("level", Level.HIGH);
    content.put("at", Instant.parse("2025-03-01T09:00:00.123456Z"));
    content.put("timeout", Duration.ofMinutes(5));
    content.put("ordered", ordered);
    content.put("nested", Map.of("b", Map.of("d", List.of(Map.of("y", 1, "x", 2)), "c", "v"), "a", List.of(List.of())));
    content.put("set", new LinkedHashSet<>(List.of("s2", "s1")));
    content.put("iterable", (Iterable<String>) () -> List.of("i1", "i2").iterator());
    content.put("node", JsonNodeFactory.instance.objectNode().put("b", 2).put("a", "x").set("c",
        JsonNodeFactory.instance.arrayNode().add(1).add(JsonNodeFactory.instance.binaryNode(new byte[] {1, 2}))));
    content.put("record", new Reading("t1", 42, List.of("x")));
    content.put("mixedInMap", Map.of("r", new Reading("t2", -1, List.of()), "n", JsonNodeFactory.instance.textNode("n")));
    content.put("A", "upper case sorts first");
    content.put("requestIdLike", "sorts after requestId");
    content.put("seqx", "between seq and signature");
    content.put("tz", "after type? no: before");
    content.put("\u00ff", "after every ASCII name");

    InMemoryAuditSink sink = new InMemoryAuditSink();
    Ed25519Signer key = AuditChains.key("k1");
    AuditTrail trail = AuditTrail.builder().sink(sink).signer(key).build();
    List<AuditEvent> events = record(trail, sink, List.of(content, Map.of(), Map.of("only", 1)));

    assertMatchesReference(events, List.of(content, Map.of(), Map.of("only", 1)), key);
  }

  @Test
  void randomContentMatchesTheTreeBasedCode() {
    Random random = new Random(42);
    List<Map<String, Object>> contents = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Map<String, Object> content = new LinkedHashMap<>();
      int fields = random.nextInt(8);
      for (int f = 0; f < fields; f++) {
        String name = randomString(random, 1 + random.nextInt(6));
        if (!AuditEvent.RESERVED.contains(name)) {
          content.put(name, randomValue(random, 3));
        }
      }
      contents.add(content);
    }
    for (Ed25519Signer key : new Ed25519Signer[] {null, AuditChains.key("k\u00fc\"2")}) {
      InMemoryAuditSink sink = new InMemoryAuditSink();
      AtomicLong ids = new AtomicLong();
      AuditTrail.Builder b = AuditTrail.builder().sink(sink)
          .idSource(() -> ids.incrementAndGet() % 3 == 0 ? "id-\u00e9\"" + ids.get() : "id-" + ids.get());
      AuditTrail trail = (key == null ? b : b.signer(key)).build();
      assertMatchesReference(record(trail, sink, contents), contents, key);
    }
  }

  private static String randomString(Random random, int length) {
    String alphabet = "abcdeyzABZ09_-\"\\/\n\u0000\u001f\u007f\u00e9\u00ff\u0100\u20ac\uffff";
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      if (random.nextInt(20) == 0) {
        s.append("\ud83d\ude00"); // a valid surrogate pair
      } else {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
    }
    return s.toString();
  }

  private static Object randomValue(Random random, int depth) {
    switch (random.nextInt(depth > 0 ? 9 : 6)) {
      case 0: return randomString(random, random.nextInt(12));
      case 1: return random.nextLong() >> 12;
      case 2: return random.nextBoolean();
      case 3: return null;
      case 4: return random.nextInt();
      case 5: return Level.values()[random.nextInt(2)];
      case 6: {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = random.nextInt(6); i > 0; i--) {
          map.put(randomString(random, random.nextInt(4)), randomValue(random, depth - 1));
        }
        return map;
      }
      case 7: {
        List<Object> list = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--) {
          list.add(randomValue(random, depth - 1));
        }
        return list;
      }
      default:
        return new Object[] {randomValue(random, depth - 1), randomString(random, 3)};
    }
  }

  @Test
  void badValuesFailInFieldWithTheMessagesOfToNode() {
    Map<String, Object> badKey = new LinkedHashMap<>();
    badKey.put("ok", 1);
    Map<Object, Object> raw = new LinkedHashMap<>();
    raw.put("fine", List.of(1));
    raw.put(7, "x");
    badKey.put("inner", raw);
    Map<String, Object> twoBad = new LinkedHashMap<>();
    twoBad.put("z", 1.5);
    twoBad.put("a", 2.5f);
    List<Object> values = List.of(0.5, 1.5f, BigDecimal.ONE, BigInteger.TWO.pow(53), 1L << 53, -(1L << 53), Long.MIN_VALUE,
        new java.util.concurrent.atomic.DoubleAdder(), badKey, twoBad, List.of(1, List.of(2, 3.0)), new double[] {1},
        new Object[] {Map.of(1, 2)}, Map.of("m", new Money("EUR", 1.5)), new Reading[] {null, null});
    for (Object value : values) {
      String expected;
      try {
        AuditEvent.toNode(value, "f");
        expected = null;
      } catch (IllegalArgumentException e) {
        expected = "AuditEvent VOTE: " + e.getMessage();
      }
      if (expected == null) {
        AuditEvent.builder(EventType.VOTE).field("f", value); // accepted by both
      } else {
        assertThatThrownBy(() -> AuditEvent.builder(EventType.VOTE).field("f", value))
            .isInstanceOf(IllegalArgumentException.class).hasMessage(expected);
      }
    }
  }

  record Money(String currency, double amount) {
  }

  @Test
  void anUnpairedSurrogateFailsTheRecordNotTheFieldAndLeavesTheHeadUnchanged() {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail trail = AuditTrail.builder().sink(sink).build();
    AuditEvent.Builder bad = AuditEvent.builder(EventType.VOTE).time(T0)
        .field("a", Map.of("note", List.of("ok", "x\ud800y")))
        .field("b", "\udc00");

    CompletableFuture<AuditEvent> failed = trail.record(bad);

    assertThat(failed).isCompletedExceptionally();
    assertThatThrownBy(failed::join).hasRootCauseInstanceOf(IllegalArgumentException.class)
        .hasRootCauseMessage("canonical JSON cannot encode $.a.note[1]: unpaired UTF-16 surrogate U+D800 at index 1");
    assertThatThrownBy(() -> trail.record(AuditEvent.builder(EventType.VOTE).time(T0).requestId("r\ud800")).join())
        .hasRootCauseMessage("canonical JSON cannot encode $.requestId: unpaired UTF-16 surrogate U+D800 at index 1");
    assertThatThrownBy(() -> trail.record(AuditEvent.builder(EventType.VOTE).time(T0).field("k", Map.of("\udc01", 1))).join())
        .hasRootCauseMessage("canonical JSON cannot encode $.k.\udc01: unpaired UTF-16 surrogate U+DC01 at index 0");
    assertThatThrownBy(() -> trail.record(AuditEvent.builder(EventType.VOTE).time(T0)
        .field("n", JsonNodeFactory.instance.objectNode().put("t", "\ud800"))).join())
        .hasRootCauseMessage("canonical JSON cannot encode $.n.t: unpaired UTF-16 surrogate U+D800 at index 0");
    assertThat(trail.lastSeq()).isZero();
    assertThat(trail.record(AuditEvent.builder(EventType.VOTE).time(T0).field("a", "fine")).join().seq()).isEqualTo(1);
  }

  @Test
  void aKeySeenTwiceInAnIdentityMapKeepsTheLastValueAsObjectNodeDid() {
    Map<String, Object> identity = new IdentityHashMap<>();
    identity.put(new String("k"), 1);
    identity.put(new String("k"), 2);
    String expected = CanonicalJson.canonicalString(AuditEvent.toNode(identity, "m"));
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail.builder().sink(sink).build().record(AuditEvent.builder(EventType.VOTE).time(T0).field("m", identity)).join();

    assertThat(sink.events().get(0).get("m").toString()).isEqualTo(expected);
  }

  @Test
  void laterChangesToAPassedMapDoNotChangeTheEvent() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("a", 1);
    AuditEvent.Builder b = AuditEvent.builder(EventType.VOTE).time(T0).field("m", map);
    map.put("b", 2);
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail.builder().sink(sink).build().record(b).join();

    assertThat(sink.events().get(0).toJson()).contains("\"m\":{\"a\":1}");
  }

  @Test
  void getAndTextOfASealedEventEqualThoseOfTheParsedLineAlsoConcurrently() throws Exception {
    List<AuditEvent> events = AuditChains.chain(40, AuditChains.key("k1"));
    String[] names = {"seq", "eventId", "type", "time", "requestId", "prevHash", "hash", "keyId", "signature", "action",
        "amountMinor", "justification", "rule", "absent"};
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (AuditEvent event : events) {
        AuditEvent parsed = AuditEvent.parse(event.toJson());
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < 4; t++) {
          done.add(pool.submit(() -> {
            start.await();
            for (String name : names) {
              FieldValue got = event.get(name);
              assertThat(got).isEqualTo(parsed.get(name));
              assertThat(got == null ? null : got.toJava()).isEqualTo(parsed.get(name) == null ? null : parsed.get(name).toJava());
              assertThat(event.text(name)).isEqualTo(parsed.text(name));
            }
            assertThat(event.get("rule").get("quorum").isLong()).isTrue(); // as toNode made integers
            assertThat(event.hashedContent()).isEqualTo(parsed.hashedContent());
            return null;
          }));
        }
        start.countDown();
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    AuditEvent first = events.get(0);
    assertThat(first.get("rule")).isNotSameAs(first.get("rule")); // deep copies: the event cannot be changed
    assertThat(first.text("time")).isEqualTo(T0.plusSeconds(1).toString());
    assertThat(first.text("type")).isEqualTo(first.type().name());
    assertThat(first.text("seq")).isNull();
    assertThat(first.toJson().getBytes(StandardCharsets.UTF_8)).isEqualTo(first.utf8());
  }

  @Test
  void instantTextIsInstantToString() {
    List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(0, 1), Instant.ofEpochSecond(-1),
        Instant.ofEpochSecond(253_402_300_799L, 999_999_999), Instant.ofEpochSecond(253_402_300_800L), Instant.MIN, Instant.MAX,
        Instant.parse("2000-02-29T23:59:59.100Z"), Instant.parse("2024-12-31T00:00:00.000001Z"), Instant.parse("2100-03-01T12:00:00Z")));
    Random random = new Random(7);
    for (int i = 0; i < 100_000; i++) {
      long seconds = random.nextInt(4) == 0 ? random.nextLong() % 300_000_000_000L : (long) (random.nextDouble() * 253_402_400_000L);
      int nanos = switch (random.nextInt(4)) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1000;
        default -> random.nextInt(1_000_000_000);
      };
      instants.add(Instant.ofEpochSecond(seconds, nanos));
    }
    for (Instant instant : instants) {
      assertThat(AuditEvent.instantText(instant)).isEqualTo(instant.toString());
    }
  }

  @Test
  void replacedAndRemovedFieldsAreKeptInOrder() {
    AuditEvent.Builder b = AuditEvent.builder(EventType.VOTE).time(T0);
    for (int i = 20; i > 0; i--) { // more than the builder's initial room, in reverse order
      b.field("f" + (char) ('a' + i), i);
    }
    b.field("fb", "replaced").field("fc", null).field("fz", null).field("absent", null).field("fu", List.of(1));
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail.builder().sink(sink).build().record(b).join();
    AuditEvent event = sink.events().get(0);

    Map<String, Object> expected = new LinkedHashMap<>();
    for (int i = 1; i <= 20; i++) {
      expected.put("f" + (char) ('a' + i), i);
    }
    expected.put("fb", "replaced");
    expected.remove("fc");
    expected.put("fu", List.of(1));
    assertThat(event.toJson()).isEqualTo(referenceLine(event, expected));
  }

  @Test
  void wideDeepAndMisreportedMapsMatchTheTreeBasedCode() {
    Map<String, Object> wide = new LinkedHashMap<>();
    for (int i = 99; i >= 0; i--) {
      wide.put("k" + i, Map.of("v", i, "w", List.of(Map.of("x" + i, i))));
    }
    Object deep = "leaf";
    for (int i = 0; i < 20; i++) {
      deep = i % 2 == 0 ? Map.of("d" + i, deep, "e", i) : List.of(deep, i);
    }
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("z", 1);
    inner.put("a", Map.of("q", 2, "p", 3));
    inner.put("m", 4);
    Map<String, Object> liar = new java.util.AbstractMap<>() { // size() says 1, but iteration yields 6 entries
      @Override
      public java.util.Set<Entry<String, Object>> entrySet() {
        Map<String, Object> real = new LinkedHashMap<>(inner);
        real.put("y", Map.of("n", 5));
        real.put("b", List.of(6));
        real.put("c", 7);
        return real.entrySet();
      }

      @Override
      public int size() {
        return 1;
      }
    };
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("wide", wide);
    content.put("deep", deep);
    content.put("liar", Map.of("outer", liar, "sibling", Map.of("s", 1)));
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail trail = AuditTrail.builder().sink(sink).build();
    assertMatchesReference(record(trail, sink, List.of(content)), List.of(content), null);
  }
}
