package io.countersign.policy.cel;

import io.countersign.policy.PolicyEvaluationException;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts Java argument values to what CEL evaluates (long, double, string, bool, list, map),
 * within bounds (scenario S50): arrays of any kind become lists (primitive arrays as views, not
 * copies), nested collections at most {@code maxDepth} deep and {@code maxElements} elements in
 * all, and a value that contains itself is an error naming where, never a StackOverflowError.
 * Exceeding a bound throws {@link PolicyEvaluationException}: the policy cannot decide and the gate
 * denies and records the call.
 */
final class CelValues {

  private final int maxDepth;
  private final int maxElements;
  private final Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());
  private int elements;

  private CelValues(int maxDepth, int maxElements) {
    this.maxDepth = maxDepth;
    this.maxElements = maxElements;
  }

  /** Converts {@code value}, named {@code where} (e.g. {@code args.ids}) in errors. */
  static Object convert(Object value, String where, int maxDepth, int maxElements) {
    return new CelValues(maxDepth, maxElements).value(value, where, 0);
  }

  private Object value(Object v, String where, int depth) {
    if (v == null) {
      return null;
    }
    if (v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    if (v instanceof BigInteger b) {
      return b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue();
    }
    if (v instanceof BigDecimal d) {
      return d.doubleValue();
    }
    if (v instanceof Enum<?> e) {
      return e.name();
    }
    if (v instanceof Character || v instanceof CharSequence) {
      return v.toString();
    }
    if (v instanceof char[] chars) {
      return new String(chars);
    }
    Class<?> type = v.getClass();
    if (type.isArray() && type.getComponentType().isPrimitive()) {
      return primitiveList(v);
    }
    if (v instanceof Collection<?> || v instanceof Map<?, ?> || type.isArray()) {
      return container(v, where, depth);
    }
    return v.toString();
  }

  private Object container(Object v, String where, int depth) {
    if (depth >= maxDepth) {
      throw new PolicyEvaluationException(where + " is nested more than " + maxDepth
          + " levels deep (the limit for policy conditions), so the policy cannot decide");
    }
    if (!path.add(v)) {
      throw new PolicyEvaluationException(where + " contains itself (a cyclic argument), so the policy cannot decide");
    }
    try {
      if (v instanceof Map<?, ?> m) {
        count(m.size(), where);
        Map<Object, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          Object k = e.getKey();
          Object x = e.getValue();
          if (k != null && x != null) {
            String key = k instanceof String s ? s : String.valueOf(k);
            out.put(key, value(x, where + "." + key, depth + 1));
          }
        }
        return out;
      }
      Collection<?> c = v instanceof Collection<?> col ? col : Arrays.asList((Object[]) v);
      count(c.size(), where);
      List<Object> out = new ArrayList<>(c.size());
      int i = 0;
      for (Object x : c) {
        out.add(x == null ? "null" : value(x, where + "[" + i + "]", depth + 1));
        i++;
      }
      return out;
    } finally {
      path.remove(v);
    }
  }

  private void count(int n, String where) {
    elements += n;
    if (elements > maxElements) {
      throw new PolicyEvaluationException(where + " brings the argument's elements over " + maxElements
          + " (the limit for policy conditions), so the policy cannot decide");
    }
  }

  /** A read-only list view of a primitive array, elements as CEL sees them (int -> long, float -> double). */
  private static List<Object> primitiveList(Object array) {
    int size = Array.getLength(array);
    return new AbstractList<>() {
      @Override
      public Object get(int index) {
        Object x = Array.get(array, index);
        if (x instanceof Integer || x instanceof Short || x instanceof Byte) {
          return ((Number) x).longValue();
        }
        return x instanceof Float f ? (Object) f.doubleValue() : x;
      }

      @Override
      public int size() {
        return size;
      }
    };
  }
}
