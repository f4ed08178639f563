package io.countersign.policy.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelExpr;
import dev.cel.runtime.CelRuntime;
import io.countersign.policy.ArgumentSchema;
import io.countersign.policy.Condition;
import io.countersign.policy.PolicyEvaluationException;
import io.countersign.policy.PolicyInput;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A CEL expression compiled and type-checked once; evaluated per call against a {@link PolicyInput}
 * within the loader's bounds and budget, and checked at startup against the parameters of the
 * methods it applies to (names and types, scenario S49).
 */
final class CelCondition implements Condition {

  private final String expression;
  private final CelRuntime.Program program;
  private final CelPolicyLoader loader;
  /** The argument names read as {@code args.name}, in order of appearance. */
  private final Set<String> argNames;
  /** Whether the expression reads {@code args} at all (by field, index or as a whole). */
  private final boolean readsArgs;

  CelCondition(String expression, CelAbstractSyntaxTree ast, CelRuntime.Program program, CelPolicyLoader loader) {
    this.expression = expression;
    this.program = program;
    this.loader = loader;
    Set<String> names = new LinkedHashSet<>();
    boolean[] reads = {false};
    collectArgs(ast.getExpr(), names, reads);
    this.argNames = Set.copyOf(names);
    this.readsArgs = reads[0];
  }

  @Override
  public boolean test(PolicyInput input) {
    if (readsArgs && !input.argNamesKnown()) {
      throw new PolicyEvaluationException("CEL expression `" + expression + "` reads args but the parameter names of "
          + input.method() + " are unknown (compiled without -parameters), so it cannot decide; " + ArgumentSchema.NAMING_FIX);
    }
    Object result = loader.evaluate(program, input, expression);
    if (result instanceof Boolean b) {
      return b;
    }
    throw new PolicyEvaluationException("CEL expression `" + expression + "` must give a bool but gave "
        + (result == null ? "null" : result.getClass().getSimpleName()));
  }

  @Override
  public List<String> check(ArgumentSchema method, List<ArgumentSchema> scope) {
    if (!readsArgs) {
      return List.of();
    }
    if (!method.namesKnown()) {
      return List.of(method.unknownNamesProblem(argNames.isEmpty() ? "args" : "args." + argNames.iterator().next()));
    }
    List<String> problems = new ArrayList<>();
    for (String name : argNames) {
      boolean exists = scope.stream().anyMatch(s -> s.namesKnown() && s.param(name).isPresent());
      if (!exists) {
        problems.add("reads args." + name + " but no guarded method of this policy has a parameter '" + name + "' ("
            + method.signature() + ")");
      }
    }
    if (problems.isEmpty()) {
      String typeError = loader.typeCheck(expression, method, scope);
      if (typeError != null) {
        problems.add("does not type-check against " + method.signature() + ": " + typeError);
      }
    }
    return problems;
  }

  @Override
  public String description() {
    return expression;
  }

  @Override
  public String toString() {
    return expression;
  }

  private static void collectArgs(CelExpr e, Set<String> names, boolean[] reads) {
    switch (e.getKind()) {
      case IDENT -> reads[0] |= e.ident().name().equals(CelPolicyLoader.ARGS);
      case SELECT -> {
        CelExpr operand = e.select().operand();
        if (operand.getKind() == CelExpr.ExprKind.Kind.IDENT && operand.ident().name().equals(CelPolicyLoader.ARGS)) {
          names.add(e.select().field());
        }
        collectArgs(operand, names, reads);
      }
      case CALL -> {
        e.call().target().ifPresent(t -> collectArgs(t, names, reads));
        e.call().args().forEach(a -> collectArgs(a, names, reads));
      }
      case LIST -> e.list().elements().forEach(x -> collectArgs(x, names, reads));
      case MAP -> e.map().entries().forEach(x -> {
        collectArgs(x.key(), names, reads);
        collectArgs(x.value(), names, reads);
      });
      case STRUCT -> e.struct().entries().forEach(x -> collectArgs(x.value(), names, reads));
      case COMPREHENSION -> {
        CelExpr.CelComprehension c = e.comprehension();
        for (CelExpr x : List.of(c.iterRange(), c.accuInit(), c.loopCondition(), c.loopStep(), c.result())) {
          collectArgs(x, names, reads);
        }
      }
      default -> {
        // constants read nothing
      }
    }
  }
}
