package io.countersign.policy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/** A {@link Condition} built in code that knows which arguments it reads, so that it can be checked (S49). */
final class CheckedCondition implements Condition {

  private final String description;
  private final Predicate<PolicyInput> test;
  private final BiFunction<ArgumentSchema, List<ArgumentSchema>, List<String>> check;

  CheckedCondition(String description, Predicate<PolicyInput> test,
      BiFunction<ArgumentSchema, List<ArgumentSchema>, List<String>> check) {
    this.description = description;
    this.test = test;
    this.check = check;
  }

  @Override
  public boolean test(PolicyInput input) {
    return test.test(input);
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public List<String> check(ArgumentSchema method, List<ArgumentSchema> scope) {
    return check.apply(method, scope);
  }

  @Override
  public String toString() {
    return description;
  }

  /** A condition reading the argument {@code name}; {@code numeric} if only numbers can match. */
  static Condition readingArg(String description, String name, boolean numeric, Predicate<PolicyInput> test) {
    return new CheckedCondition(description, in -> {
      if (!in.argNamesKnown()) {
        throw new PolicyEvaluationException("condition `" + description + "` reads args." + name + " but the parameter names of "
            + in.method() + " are unknown (compiled without -parameters), so it cannot decide; " + ArgumentSchema.NAMING_FIX);
      }
      return test.test(in);
    }, (method, scope) -> argProblems(name, numeric, method, scope));
  }

  static Condition both(String description, Condition a, Condition b, Predicate<PolicyInput> test) {
    return new CheckedCondition(description, test, (method, scope) -> {
      List<String> out = new ArrayList<>(a.check(method, scope));
      out.addAll(b.check(method, scope));
      return out;
    });
  }

  static List<String> argProblems(String name, boolean numeric, ArgumentSchema method, List<ArgumentSchema> scope) {
    if (!method.namesKnown()) {
      return List.of(method.unknownNamesProblem("args." + name));
    }
    var param = method.param(name);
    if (param.isEmpty()) {
      boolean elsewhere = scope.stream().anyMatch(s -> s.namesKnown() && s.param(name).isPresent());
      return elsewhere ? List.of() : List.of("reads args." + name + " but no guarded method of this policy has a parameter '"
          + name + "' (" + method.signature() + " has " + method.params().stream().map(ArgumentSchema.Param::name).toList() + ")");
    }
    if (numeric && !isNumeric(param.get().type())) {
      return List.of("compares args." + name + " as a number but it is a " + param.get().type().getName() + " in "
          + method.signature() + ", so the condition can never match");
    }
    return List.of();
  }

  static boolean isNumeric(Class<?> type) {
    return type == long.class || type == int.class || type == short.class || type == byte.class
        || type == double.class || type == float.class || Number.class.isAssignableFrom(type)
        || type == Object.class || type == BigDecimal.class || type == BigInteger.class;
  }
}
