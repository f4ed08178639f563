package io.countersign.policy;

import io.countersign.ActorKind;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * When a policy rule applies: a test over a {@link PolicyInput} plus a stable text that describes
 * it. The description is what {@link Policy#digest()} covers and what {@link Policy#explain}
 * prints, so two conditions with the same description must mean the same thing: when you change a
 * predicate, change its description (or the policy's version) too.
 *
 * <p>Called on the calling thread, concurrently; must not block or have side effects. Throwing
 * means the policy cannot decide, and the gate denies the call (fail closed).
 */
public interface Condition {

  /** Whether the rule applies to this call. */
  boolean test(PolicyInput input);

  /** A stable, human-readable text of the condition, e.g. {@code args.amount > 10000}. */
  String description();

  /**
   * Checks this condition against one guarded method it applies to, at startup (scenario S49):
   * the arguments it reads must exist (on this method, or on another method of {@code scope} when
   * it tolerates their absence), have types it can compare, and have known names. Returns the
   * problems, each a sentence naming what is read and how to fix it; empty if none.
   *
   * <p>The default checks nothing: a predicate built with {@link #of} reads arguments the library
   * cannot see. Prefer the argument conditions below, or a policy file, whose reads are checked.
   *
   * @param method the method to check against
   * @param scope every guarded method the policy applies to (including {@code method})
   */
  default List<String> check(ArgumentSchema method, List<ArgumentSchema> scope) {
    return List.of();
  }

  /**
   * A condition from any predicate.
   *
   * @param description what it tests, in words or an expression; covered by the policy digest
   */
  static Condition of(String description, Predicate<PolicyInput> test) {
    if (description == null || description.isBlank()) {
      throw new IllegalArgumentException("condition description must not be blank but was "
          + (description == null ? "null" : "'" + description + "'"));
    }
    Objects.requireNonNull(test, "condition test");
    return new CheckedCondition(description, test, (method, scope) -> List.of());
  }

  /** Matches every call. */
  static Condition always() {
    return of("true", in -> true);
  }

  /** The caller is of this kind. */
  static Condition actorKind(ActorKind kind) {
    Objects.requireNonNull(kind, "kind");
    return of("actor.kind == \"" + kind + "\"", in -> in.actorKind() == kind);
  }

  /** The action name equals {@code action}. */
  static Condition action(String action) {
    Objects.requireNonNull(action, "action");
    return of("action == \"" + action + "\"", in -> action.equals(in.action()));
  }

  /** The action name starts with {@code prefix} (e.g. {@code "iam."}). */
  static Condition actionStartsWith(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    return of("action.startsWith(\"" + prefix + "\")", in -> in.action().startsWith(prefix));
  }

  /** The caller acts on behalf of this human. */
  static Condition onBehalfOf(String humanId) {
    Objects.requireNonNull(humanId, "humanId");
    return of("onBehalfOf == \"" + humanId + "\"", in -> humanId.equals(in.onBehalfOf()));
  }

  /** The environment attribute {@code name} equals {@code value}. */
  static Condition environment(String name, Object value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    return of(name + " == " + quoted(value), in -> value.equals(in.environment().get(name)));
  }

  /** The argument {@code name} equals {@code value}. */
  static Condition argEquals(String name, Object value) {
    Objects.requireNonNull(name, "name");
    return CheckedCondition.readingArg("args." + name + " == " + quoted(value), name, false,
        in -> Objects.equals(value, in.arg(name)));
  }

  /**
   * The numeric argument {@code name} is greater than {@code threshold}. A missing or non-numeric
   * argument does not match.
   */
  static Condition argGreaterThan(String name, long threshold) {
    Objects.requireNonNull(name, "name");
    BigDecimal limit = BigDecimal.valueOf(threshold);
    return CheckedCondition.readingArg("args." + name + " > " + threshold, name, true, in -> {
      BigDecimal v = decimal(in.arg(name));
      return v != null && v.compareTo(limit) > 0;
    });
  }

  /** Both this and {@code other} match (evaluated left to right, short-circuit). */
  default Condition and(Condition other) {
    Objects.requireNonNull(other, "other");
    Condition self = this;
    return CheckedCondition.both("(" + description() + ") && (" + other.description() + ")", self, other,
        in -> self.test(in) && other.test(in));
  }

  /** This or {@code other} matches (evaluated left to right, short-circuit). */
  default Condition or(Condition other) {
    Objects.requireNonNull(other, "other");
    Condition self = this;
    return CheckedCondition.both("(" + description() + ") || (" + other.description() + ")", self, other,
        in -> self.test(in) || other.test(in));
  }

  /** This does not match. */
  default Condition negate() {
    Condition self = this;
    return new CheckedCondition("!(" + description() + ")", in -> !self.test(in), self::check);
  }

  private static String quoted(Object value) {
    return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
  }

  private static BigDecimal decimal(Object value) {
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long) {
      return BigDecimal.valueOf(((Number) value).longValue());
    }
    if (value instanceof java.math.BigInteger b) {
      return new BigDecimal(b);
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      return Double.isFinite(d) ? BigDecimal.valueOf(d) : null;
    }
    return null;
  }
}
