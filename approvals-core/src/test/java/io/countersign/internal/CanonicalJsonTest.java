package io.countersign.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static JsonNode json(String text) throws Exception {
    return MAPPER.readTree(text);
  }

  @Test
  @DisplayName("RFC 8785 3.2.3: members sorted by UTF-16 code units (emoji U+1F600 before U+FB33)")
  void sortsMembersByUtf16CodeUnitsAsInRfc8785Example() throws Exception {
    JsonNode input = json("{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\","
        + "\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
        + "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}");

    assertThat(CanonicalJson.canonicalString(input)).isEqualTo("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
        + "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\","
        + "\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}");
  }

  @Test
  @DisplayName("RFC 8785 3.2.2.2: string escaping example")
  void escapesStringsAsInRfc8785Example() throws Exception {
    JsonNode input = json("{\"string\":\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\"literals\":[null,true,false]}");

    assertThat(CanonicalJson.canonicalString(input))
        .isEqualTo("{\"literals\":[null,true,false],\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
  }

  @Test
  void usesShortEscapesForTheFiveNamedControlCharactersAndLowercaseHexForTheRest() {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x20; c++) {
      all.append(c);
    }

    String canonical = CanonicalJson.canonicalString(F.textNode(all.toString()));

    assertThat(canonical).isEqualTo("\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
        + "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"");
  }

  @Test
  void writesDelSlashLineSeparatorsAndNonAsciiLiterallyAsUtf8() {
    String value = "/\u007f\u2028\u2029\u00e9\u4e2d\ud83d\ude00";

    byte[] bytes = CanonicalJson.canonicalBytes(F.textNode(value));

    assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("\"" + value + "\"");
    assertThat(bytes).containsSequence(0xe2, 0x80, 0xa8); // U+2028 as raw UTF-8, not \u2028
  }

  @Test
  void escapesQuoteAndBackslash() {
    assertThat(CanonicalJson.canonicalString(F.textNode("a\"b\\c"))).isEqualTo("\"a\\\"b\\\\c\"");
  }

  @Test
  void writesNestedStructuresWithoutWhitespace() throws Exception {
    JsonNode input = json("{ \"b\" : [ 1 , { \"z\" : null , \"a\" : [ ] } ] , \"a\" : { } }");

    assertThat(CanonicalJson.canonicalString(input)).isEqualTo("{\"a\":{},\"b\":[1,{\"a\":[],\"z\":null}]}");
  }

  @Test
  void writesIntegersInPlainDecimal() {
    ObjectNode node = F.objectNode();
    node.put("zero", 0);
    node.put("negative", -42);
    node.put("maxSafe", 9007199254740991L);
    node.put("minLong", Long.MIN_VALUE);
    node.put("big", new BigInteger("123456789012345678901234567890"));

    assertThat(CanonicalJson.canonicalString(node))
        .isEqualTo("{\"big\":123456789012345678901234567890,\"maxSafe\":9007199254740991,"
            + "\"minLong\":-9223372036854775808,\"negative\":-42,\"zero\":0}");
  }

  @Test
  void rejectsFloatingPointNumbersNamingTheirPath() throws Exception {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CanonicalJson.canonicalString(json("{\"order\":{\"items\":[1,2.5]}}")))
        .withMessage("canonical JSON allows integers only, but $.order.items[1] is the floating-point number 2.5");
  }

  @Test
  void rejectsBigDecimalEvenWithoutFraction() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CanonicalJson.canonicalString(F.numberNode(new BigDecimal("10"))))
        .withMessageContaining("integers only");
  }

  @Test
  void rejectsUnpairedSurrogatesInsteadOfWritingQuestionMarks() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CanonicalJson.canonicalString(F.objectNode().put("note", "x\ud800y")))
        .withMessage("canonical JSON cannot encode $.note: unpaired UTF-16 surrogate U+D800 at index 1");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CanonicalJson.canonicalString(F.textNode("\udc00")))
        .withMessageContaining("U+DC00");
  }

  @Test
  void rejectsBinaryNodes() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CanonicalJson.canonicalString(F.binaryNode(new byte[] {1})))
        .withMessageContaining("BINARY");
  }

  @Test
  void sha256HexMatchesTheFips180Vector() {
    assertThat(CanonicalJson.sha256Hex("ab".getBytes(StandardCharsets.US_ASCII), "c".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void unhexRejectsUppercaseNamingTheValue() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Hashing.unhex("AB", "key"))
        .withMessage("key must be lower-case hex of even length but was 'AB'");
    assertThat(Hashing.unhex("00ff10", "key")).containsExactly(0x00, 0xff, 0x10);
  }
}
