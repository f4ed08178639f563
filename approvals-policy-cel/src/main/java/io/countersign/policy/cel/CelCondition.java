package io.countersign.policy.cel;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import io.countersign.policy.Condition;
import io.countersign.policy.PolicyEvaluationException;
import io.countersign.policy.PolicyInput;
import java.util.Map;
import java.util.function.Function;

/** A CEL expression compiled and type-checked once; evaluated per call against a {@link PolicyInput}. */
final class CelCondition implements Condition {

  private final String expression;
  private final CelRuntime.Program program;
  private final Function<PolicyInput, Map<String, Object>> activation;

  CelCondition(String expression, CelRuntime.Program program, Function<PolicyInput, Map<String, Object>> activation) {
    this.expression = expression;
    this.program = program;
    this.activation = activation;
  }

  @Override
  public boolean test(PolicyInput input) {
    Object result;
    try {
      result = program.eval(activation.apply(input));
    } catch (CelEvaluationException e) {
      throw new PolicyEvaluationException("CEL expression `" + expression + "` failed: " + e.getMessage(), e);
    }
    if (result instanceof Boolean b) {
      return b;
    }
    throw new PolicyEvaluationException("CEL expression `" + expression + "` must give a bool but gave "
        + (result == null ? "null" : result.getClass().getSimpleName()));
  }

  @Override
  public String description() {
    return expression;
  }

  @Override
  public String toString() {
    return expression;
  }
}
