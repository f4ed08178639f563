package io.countersign.policy;

/**
 * A policy condition failed (threw, or gave a non-boolean result) while deciding a call. The gate
 * treats it as "the policy could not decide" and denies the call (fail closed).
 */
public class PolicyEvaluationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public PolicyEvaluationException(String message, Throwable cause) {
    super(message, cause);
  }

  public PolicyEvaluationException(String message) {
    super(message);
  }
}
