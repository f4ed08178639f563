package io.countersign.audit;

import static io.countersign.audit.AuditChains.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuditEventTest {

  record Vote(String reviewer, TimeUnit unit, Instant at, long weight) {
  }

  record Money(String currency, double amount) {
  }

  private static AuditEvent seal(AuditEvent.Builder builder) {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail.builder().sink(sink).idSource(() -> "e1").build().record(builder).join();
    return sink.events().get(0);
  }

  @Test
  void fieldConvertsJavaValuesToTheirCanonicalJsonForms() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("b", List.of(1, 2));
    nested.put("a", null);

    AuditEvent event = seal(AuditEvent.builder(EventType.VOTE).time(T0)
        .field("text", "x")
        .field("int", 7)
        .field("long", -8L)
        .field("big", BigInteger.TEN)
        .field("flag", true)
        .field("unit", TimeUnit.SECONDS)
        .field("at", Instant.parse("2025-03-01T09:00:00.123Z"))
        .field("timeout", Duration.ofMinutes(5))
        .field("list", List.of("a", "b"))
        .field("array", new int[] {3, 4})
        .field("map", nested)
        .field("vote", new Vote("alice", TimeUnit.MINUTES, T0, 1)));

    assertThat(event.toJson()).isEqualTo("{\"array\":[3,4],\"at\":\"2025-03-01T09:00:00.123Z\",\"big\":10,"
        + "\"eventId\":\"e1\",\"flag\":true,\"hash\":\"" + event.hash() + "\",\"int\":7,\"list\":[\"a\",\"b\"],"
        + "\"long\":-8,\"map\":{\"a\":null,\"b\":[1,2]},\"prevHash\":\"" + AuditTrail.GENESIS_HASH + "\",\"seq\":1,"
        + "\"text\":\"x\",\"time\":\"2025-03-01T09:00:00Z\",\"timeout\":\"PT5M\",\"type\":\"VOTE\","
        + "\"unit\":\"SECONDS\",\"vote\":{\"at\":\"2025-03-01T09:00:00Z\",\"reviewer\":\"alice\",\"unit\":\"MINUTES\",\"weight\":1}}");
  }

  @Test
  void fieldWithNullValueLeavesTheFieldOut() {
    AuditEvent event = seal(AuditEvent.builder(EventType.VOTE).time(T0).field("reason", "x").field("reason", null));

    assertThat(event.get("reason")).isNull();
    assertThat(event.toJson()).doesNotContain("reason");
  }

  @ParameterizedTest
  @ValueSource(strings = {"seq", "eventId", "type", "time", "requestId", "prevHash", "hash", "keyId", "signature"})
  void fieldRefusesReservedNames(String name) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditEvent.builder(EventType.VOTE).field(name, "forged"))
        .withMessageStartingWith("AuditEvent VOTE: field '" + name + "' is reserved");
  }

  @Test
  void fieldRejectsDoubleNamingTheField() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditEvent.builder(EventType.REQUESTED).field("amount", 12.5))
        .withMessage("AuditEvent REQUESTED: field 'amount': floating-point value 12.5 (Double) is not allowed because the "
            + "canonical audit form has integers only; record it as a string or in integer minor units");
  }

  @Test
  void fieldRejectsBigDecimalAndFloat() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditEvent.builder(EventType.REQUESTED).field("amount", new BigDecimal("10.00")))
        .withMessageContaining("field 'amount': floating-point value 10.00 (BigDecimal)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditEvent.builder(EventType.REQUESTED).field("ratio", 0.5f))
        .withMessageContaining("field 'ratio': floating-point value 0.5 (Float)");
  }

  @Test
  void fieldRejectsFloatsNestedInRecordsMapsAndJsonNodesNamingThePath() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditEvent.builder(EventType.REQUESTED).field("payment", new Money("EUR", 9.99)))
        .withMessageContaining("field 'payment.amount': floating-point value 9.99");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditEvent.builder(EventType.REQUESTED).field("args", Map.of("items", List.of(1, 2.0))))
        .withMessageContaining("field 'args.items[1]'");
    ObjectNode node = JsonNodeFactory.instance.objectNode().put("x", 1.5);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditEvent.builder(EventType.REQUESTED).field("json", node))
        .withMessageContaining("field 'json.x'");
  }

  @Test
  void fieldRejectsIntegersBeyondTheJsonSafeRange() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditEvent.builder(EventType.REQUESTED).field("id", Long.MAX_VALUE))
        .withMessageContaining("field 'id': integer 9223372036854775807 is outside +/-(2^53-1)");
  }

  @Test
  void fieldRejectsNonStringMapKeys() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditEvent.builder(EventType.REQUESTED).field("m", Map.of(1, "x")))
        .withMessageContaining("field 'm': map keys must be strings but found key 1 (java.lang.Integer)");
  }

  @Test
  void fieldCopiesJsonNodesSoLaterChangesToTheCallersNodeDoNotLeakIn() {
    ObjectNode args = JsonNodeFactory.instance.objectNode().put("to", "alice");
    AuditEvent.Builder builder = AuditEvent.builder(EventType.REQUESTED).time(T0).field("args", args);

    args.put("to", "mallory");

    assertThat(seal(builder).get("args").get("to").textValue()).isEqualTo("alice");
  }

  @Test
  @SuppressWarnings("unchecked")
  void getGivesPlainJavaValuesAndNoWayToChangeTheEvent() {
    AuditEvent event = seal(AuditEvent.builder(EventType.REQUESTED).time(T0).field("args", Map.of("to", "alice", "n", 7L))
        .field("tags", List.of("a", "b")).field("ok", true));
    String before = event.toJson();

    Object args = event.get("args").toJava();
    assertThat(args).isEqualTo(Map.of("n", 7L, "to", "alice"));
    assertThatThrownBy(() -> ((Map<String, Object>) args).put("to", "mallory")).isInstanceOf(UnsupportedOperationException.class);
    assertThat(event.get("tags").toJava()).isEqualTo(List.of("a", "b"));
    assertThat(event.get("ok").toJava()).isEqualTo(true);
    assertThat(event.get("args").path("to").asText()).isEqualTo("alice");
    assertThat(event.get("args").path("missing").isMissingNode()).isTrue();
    assertThat(event.get("args").toJson()).isEqualTo("{\"n\":7,\"to\":\"alice\"}");
    assertThat(event.toJson()).isEqualTo(before);
  }

  @Test
  void textReturnsTopLevelStringsOnly() {
    AuditEvent event = seal(AuditEvent.builder(EventType.REQUESTED).time(T0).requestId("r1").field("n", 3).field("s", "v"));

    assertThat(event.text("s")).isEqualTo("v");
    assertThat(event.text("n")).isNull();
    assertThat(event.text("missing")).isNull();
    assertThat(event.requestId()).isEqualTo("r1");
    assertThat(event.type()).isEqualTo(EventType.REQUESTED);
    assertThat(event.time()).isEqualTo(T0);
  }

  @Test
  void parseOfToJsonGivesAnEqualEvent() {
    for (AuditEvent event : AuditChains.chain(5, AuditChains.key("k1"))) {
      AuditEvent parsed = AuditEvent.parse(event.toJson());

      assertThat(parsed).isEqualTo(event).hasSameHashCodeAs(event);
      assertThat(parsed.toString()).isEqualTo(event.toJson());
      assertThat(parsed.signature()).isEqualTo(event.signature());
    }
  }

  @Test
  void parseRejectsDuplicateKeys() {
    String line = AuditChains.chain(1, null).get(0).toJson().replace("{\"action\"", "{\"seq\":1,\"action\"");

    assertThatThrownBy(() -> AuditEvent.parse(line))
        .isInstanceOf(AuditFormatException.class)
        .hasMessageContaining("Duplicate field 'seq'");
  }

  @Test
  void parseAcceptsAnUnknownTypeOfTheDocumentedGrammarAsAnOrdinaryEvent() {
    String line = AuditChains.chain(1, null).get(0).toJson().replace("\"type\":\"VOTE\"", "\"type\":\"WIDGET_FROBBED\"");

    AuditEvent event = AuditEvent.parse(line);

    assertThat(event.type()).isEqualTo(EventType.of("WIDGET_FROBBED"));
    assertThat(event.typeName()).isEqualTo("WIDGET_FROBBED");
    assertThat(event.text("type")).isEqualTo("WIDGET_FROBBED");
    assertThat(event.toJson()).isEqualTo(line);
  }

  @Test
  void parseRejectsMistypedRequiredFieldsNamingFieldAndValue() {
    String line = AuditChains.chain(1, null).get(0).toJson();

    assertThatThrownBy(() -> AuditEvent.parse(line.replace("\"seq\":1", "\"seq\":\"one\"")))
        .isInstanceOf(AuditFormatException.class)
        .hasMessage("audit event field 'seq' must be an integer >= 1 but was \"one\"");
    assertThatThrownBy(() -> AuditEvent.parse(line.replace("\"seq\":1", "\"seq\":0")))
        .hasMessage("audit event field 'seq' must be an integer >= 1 but was 0");
    assertThatThrownBy(() -> AuditEvent.parse(line.replace("\"type\":\"VOTE\"", "\"type\":\"voted\"")))
        .hasMessage("audit event field 'type' must be upper-case letters, digits and '_', starting with a letter, at most 64 "
            + "characters but was \"voted\"");
    assertThatThrownBy(() -> AuditEvent.parse(line.replace("2025-", "+12025-")))
        .hasMessageStartingWith("audit event field 'time' must be a UTC instant in years 0000-9999");
    // event types are open: an unknown one parses (the verifier checks its hash), an empty one does not
    assertThat(AuditEvent.parse(line.replace("\"type\":\"VOTE\"", "\"type\":\"VOTED\"")).type()).isEqualTo(EventType.of("VOTED"));
    assertThatThrownBy(() -> AuditEvent.parse(line.replace("\"type\":\"VOTE\"", "\"type\":\"\"")))
        .hasMessageStartingWith("audit event field 'type' must be");
    assertThatThrownBy(() -> AuditEvent.parse(line.replace("\"type\":\"VOTE\"", "\"type\":7")))
        .hasMessageStartingWith("audit event field 'type' must be");
    assertThatThrownBy(() -> AuditEvent.parse(line.replace("\"prevHash\":\"0", "\"prevHash\":\"X")))
        .hasMessageStartingWith("audit event field 'prevHash' must be 64 lower-case hex characters but was \"X000");
    assertThatThrownBy(() -> AuditEvent.parse(line.replaceAll("\"hash\":\"[0-9a-f]+\",", "")))
        .hasMessage("audit event field 'hash' must be 64 lower-case hex characters but was missing");
  }

  @Test
  void parseRejectsTimesNotWrittenByInstantToString() {
    String line = AuditChains.chain(1, null).get(0).toJson();

    assertThatThrownBy(() -> AuditEvent.parse(line.replace("09:00:01Z", "09:00:01.000Z")))
        .isInstanceOf(AuditFormatException.class)
        .hasMessageContaining("field 'time' must be a UTC instant as written by Instant.toString")
        .hasMessageEndingWith("but was \"2025-03-01T09:00:01.000Z\"");
  }

  @Test
  void parseRejectsFloatingPointValuesAnywhere() {
    String line = AuditChains.chain(1, null).get(0).toJson().replace("\"quorum\":2", "\"quorum\":2.0");

    assertThatThrownBy(() -> AuditEvent.parse(line))
        .isInstanceOf(AuditFormatException.class)
        .hasMessageContaining("field 'rule.quorum': floating-point value 2.0");
  }

  @Test
  void parseRejectsAKeyIdWithoutSignatureAndNonCanonicalBase64() {
    AuditEvent signed = AuditChains.chain(1, AuditChains.key("k1")).get(0);
    String line = signed.toJson();

    assertThatThrownBy(() -> AuditEvent.parse(line.replace(",\"signature\":\"" + signed.signature() + "\"", "")))
        .isInstanceOf(AuditFormatException.class)
        .hasMessage("audit event seq 1 has keyId 'k1' but no signature; both or neither must be present");
    String unpadded = signed.signature().replace("=", "");
    assertThatThrownBy(() -> AuditEvent.parse(line.replace(signed.signature(), unpadded)))
        .hasMessageStartingWith("audit event field 'signature' must be padded standard Base64 (RFC 4648) but was");
  }

  @Test
  void parseRejectsNonObjectsTrailingDataAndEmptyLines() {
    assertThatThrownBy(() -> AuditEvent.parse("[1,2]")).isInstanceOf(AuditFormatException.class)
        .hasMessage("audit event must be a JSON object but was [1,2]");
    assertThatThrownBy(() -> AuditEvent.parse("{\"a\":1} {}")).isInstanceOf(AuditFormatException.class)
        .hasMessageStartingWith("audit event is not valid JSON");
    assertThatThrownBy(() -> AuditEvent.parse("  ")).isInstanceOf(AuditFormatException.class)
        .hasMessage("audit event line is empty");
  }

  @Test
  void parseRejectsEscapedUnpairedSurrogates() {
    String line = AuditChains.chain(1, null).get(0).toJson().replace("\"action\":\"Payments#refund\"", "\"action\":\"\\ud800\"");

    assertThatThrownBy(() -> AuditEvent.parse(line))
        .isInstanceOf(AuditFormatException.class)
        .hasMessageContaining("unpaired UTF-16 surrogate U+D800");
  }

  @Test
  void getOfANestedFieldReturnsItsJson() {
    FieldValue rule = AuditChains.chain(1, null).get(0).get("rule");

    assertThat(rule.get("quorum").intValue()).isEqualTo(2);
    assertThat(rule.get("timeout").textValue()).isEqualTo("PT15M");
  }
}
