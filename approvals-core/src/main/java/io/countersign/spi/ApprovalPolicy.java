package io.countersign.spi;

import io.countersign.ApprovalRequirement;
import io.countersign.CallContext;
import io.countersign.Invocation;
import java.lang.reflect.Method;
import java.util.List;

/**
 * Decides, per call, whether a guarded method may run without approval, must not run, or needs
 * approval under which rule. Registered by name on the gate and selected with
 * {@code @RequiresApproval(policy = "name")}.
 *
 * <p>Called on the calling thread, concurrently. Throwing or returning {@code null} means deny.
 */
@FunctionalInterface
public interface ApprovalPolicy {

  /**
   * Decides for one call.
   *
   * @param invocation the call
   * @param caller who calls
   * @param annotationRequirement the rule written on the annotation, or {@code null} if it names none
   */
  PolicyDecision decide(Invocation invocation, CallContext caller, ApprovalRequirement annotationRequirement);

  /** A version label recorded with every event (change it when the policy changes). */
  default String version() {
    return "1";
  }

  /**
   * A stable SHA-256 (64 lower-case hex characters) of this policy's content, recorded in every
   * audit event of the requests it decides, so that an auditor can tell which rules were in force
   * and that a change of rules changes the digest.
   *
   * <p>The default returns {@code null}: the gate then derives a digest from the policy's name,
   * {@link #version()} and class, which changes only when the version label does. Policies with a
   * canonical form (such as {@code io.countersign.policy.Policy}) return a digest over it. Called on
   * the calling thread right after {@link #decide}; it must be cheap and must not throw.
   */
  default String digest() {
    return null;
  }

  /**
   * Checks, at startup, that this policy can decide calls of these guarded methods, e.g. that its
   * conditions read only arguments the methods have, by names the JVM knows, with types that fit
   * (scenario S49). The gate calls it once with every method that selects this policy among the
   * classes given to {@code ApprovalGate.Builder.guard}. The default checks nothing.
   *
   * @throws io.countersign.ApprovalConfigurationException naming the method, the condition and the fix
   */
  default void checkMethods(List<Method> methods) {}
}
