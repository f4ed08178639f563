package io.countersign.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.countersign.internal.CanonicalJson;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A read-only value of an {@link AuditEvent} field: a string, an integer, a boolean, null, a list
 * or an object of further values, navigable without a JSON library ({@code event.get("vote")
 * .path("reviewer").asText()}). {@link #toJava()} gives it as plain Java values. Navigating to a
 * member that is not there gives the <em>missing</em> value ({@link #isMissingNode()}), so chains of
 * {@link #path} never throw. Immutable, thread-safe.
 */
public final class FieldValue implements Iterable<FieldValue> {

  private static final FieldValue MISSING = new FieldValue(MissingNode.getInstance());

  private final JsonNode node; // never exposed; the event's tree is copied before it is wrapped

  private FieldValue(JsonNode node) {
    this.node = node;
  }

  /** Wraps a node the caller no longer changes; {@code null} stays {@code null}. */
  static FieldValue of(JsonNode node) {
    return node == null ? null : new FieldValue(node);
  }

  JsonNode node() {
    return node;
  }

  /** The member {@code name} of an object, or the missing value. */
  public FieldValue path(String name) {
    JsonNode n = node.get(name);
    return n == null ? MISSING : new FieldValue(n);
  }

  /** The element {@code index} of a list, or the missing value. */
  public FieldValue path(int index) {
    JsonNode n = node.get(index);
    return n == null ? MISSING : new FieldValue(n);
  }

  /** The member {@code name} of an object, or {@code null} if there is none. */
  public FieldValue get(String name) {
    return of(node.get(name));
  }

  /** The element {@code index} of a list, or {@code null} if there is none. */
  public FieldValue get(int index) {
    return of(node.get(index));
  }

  /** The string, or {@code null} if this is not a string. */
  public String textValue() {
    return node.textValue();
  }

  /** The string, the text of a number or boolean, "null" for null, "" for a list, an object or the missing value. */
  public String asText() {
    return node.asText();
  }

  /** {@link #asText()}, or {@code defaultValue} for null and the missing value. */
  public String asText(String defaultValue) {
    return node.isNull() || node.isMissingNode() ? defaultValue : node.asText();
  }

  /** The integer, or {@code 0} if this is not a number (a string is parsed if it can be). */
  public long asLong() {
    return node.asLong();
  }

  /** {@link #asLong()} as an int. */
  public int asInt() {
    return node.asInt();
  }

  /** The integer as an int, or {@code defaultValue} if this is not a number. */
  public int asInt(int defaultValue) {
    return node.asInt(defaultValue);
  }

  /** The boolean, or {@code false} if this is not one. */
  public boolean asBoolean() {
    return node.asBoolean();
  }

  /** The boolean, or {@code defaultValue} if this is not one. */
  public boolean asBoolean(boolean defaultValue) {
    return node.asBoolean(defaultValue);
  }

  /** The integer; {@code 0} if this is not a number. */
  public long longValue() {
    return node.longValue();
  }

  /** The integer as an int; {@code 0} if this is not a number. */
  public int intValue() {
    return node.intValue();
  }

  /** The boolean; {@code false} if this is not a boolean. */
  public boolean booleanValue() {
    return node.booleanValue();
  }

  /** Whether this is a string. */
  public boolean isTextual() {
    return node.isTextual();
  }

  /** Whether this is an integer (every number in an event is one). */
  public boolean isIntegralNumber() {
    return node.isIntegralNumber();
  }

  /** Whether this is an integer. */
  public boolean isLong() {
    return node.isIntegralNumber();
  }

  /** Whether this is a boolean. */
  public boolean isBoolean() {
    return node.isBoolean();
  }

  /** Whether this is JSON null. */
  public boolean isNull() {
    return node.isNull();
  }

  /** Whether this is a list. */
  public boolean isArray() {
    return node.isArray();
  }

  /** Whether this is an object. */
  public boolean isObject() {
    return node.isObject();
  }

  /** Whether this is the missing value that {@link #path} gives for an absent member. */
  public boolean isMissingNode() {
    return node.isMissingNode();
  }

  /** The number of elements of a list or members of an object; 0 otherwise. */
  public int size() {
    return node.size();
  }

  /** Whether an object has the member {@code name}. */
  public boolean has(String name) {
    return node.has(name);
  }

  /** Whether an object has the member {@code name} with a value other than null. */
  public boolean hasNonNull(String name) {
    return node.hasNonNull(name);
  }

  /** The member names of an object, in canonical (sorted) order; empty otherwise. */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    Collections.sort(names);
    return names;
  }

  /** The elements of a list, or the member values of an object. */
  @Override
  public Iterator<FieldValue> iterator() {
    Iterator<JsonNode> elements = node.elements();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return elements.hasNext();
      }

      @Override
      public FieldValue next() {
        return new FieldValue(elements.next());
      }
    };
  }

  /**
   * This value as plain Java: {@link String}, {@link Long} (or {@link BigDecimal} for an integer
   * that does not fit), {@link Boolean}, {@code null}, an unmodifiable {@link List} or {@link Map}
   * (members in canonical order) of such values; {@code null} for the missing value too.
   */
  public Object toJava() {
    return toJava(node);
  }

  private static Object toJava(JsonNode n) {
    if (n.isTextual()) {
      return n.textValue();
    }
    if (n.isIntegralNumber()) {
      return n.canConvertToLong() ? (Object) n.longValue() : new BigDecimal(n.bigIntegerValue());
    }
    if (n.isNumber()) {
      return n.decimalValue();
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    if (n.isArray()) {
      List<Object> list = new ArrayList<>(n.size());
      n.elements().forEachRemaining(e -> list.add(toJava(e)));
      return Collections.unmodifiableList(list);
    }
    if (n.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      List<String> names = new ArrayList<>();
      n.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      for (String name : names) {
        map.put(name, toJava(n.get(name)));
      }
      return Collections.unmodifiableMap(map);
    }
    return null;
  }

  /** This value in canonical JSON (RFC 8785 style, as in the log). */
  public String toJson() {
    return node.isMissingNode() ? "" : CanonicalJson.canonicalString(node);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldValue && ((FieldValue) o).node.equals(node);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(node);
  }

  /** {@link #toJson()}. */
  @Override
  public String toString() {
    return toJson();
  }
}
