package io.countersign.internal;

import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalRequirement;
import io.countersign.GuardedMethods;
import io.countersign.PolicyRef;
import io.countersign.RequiresApproval;
import io.countersign.Sensitive;
import io.countersign.spi.ApprovalPolicy;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * What the gate knows about one guarded method, worked out once from its annotation: the rule, the
 * policy, the action text, which parameters are sensitive, and whether it is asynchronous.
 */
record GuardedMethod(
    Method method,
    String methodId,
    String action,
    ApprovalRequirement annotationRule,
    String policyName,
    ApprovalPolicy policy,
    PolicyRef annotationPolicyRef,
    boolean[] sensitive,
    boolean async,
    boolean deferred) {

  /** The effective annotation under {@link GuardedMethods}, or {@code null} if the method is not guarded. */
  static RequiresApproval annotationOf(Method method) {
    return GuardedMethods.annotation(method).orElse(null);
  }

  static String methodId(Method method) {
    return GuardedMethods.id(method);
  }

  /**
   * Resolves and validates the annotation of {@code method}.
   *
   * @throws ApprovalConfigurationException naming the method, attribute and value
   */
  static GuardedMethod resolve(Method method, Map<String, ApprovalPolicy> policies) {
    String id = methodId(method);
    RequiresApproval a = annotationOf(method);
    if (a == null) {
      throw new ApprovalConfigurationException(id + " is intercepted but carries no @RequiresApproval "
          + "(neither on the method nor, for a public method, on its class)");
    }
    List<String> problems = new ArrayList<>();
    Duration timeout = null;
    try {
      timeout = Duration.parse(a.timeout());
      if (timeout.isZero() || timeout.isNegative()) {
        problems.add("timeout must be a positive ISO-8601 duration but was '" + a.timeout() + "'");
        timeout = null;
      }
    } catch (DateTimeParseException e) {
      problems.add("timeout must be an ISO-8601 duration such as 'PT15M' but was '" + a.timeout() + "'");
    }
    ApprovalPolicy policy = null;
    String policyName = a.policy().isBlank() ? null : a.policy();
    if (policyName != null) {
      policy = policies.get(policyName);
      if (policy == null) {
        problems.add("policy names an unknown policy '" + policyName + "' (registered: " + policies.keySet() + ")");
      }
    }
    ApprovalRequirement rule = null;
    if (a.approvers().length == 0) {
      if (policyName == null) {
        problems.add("approvers must name at least one reviewer id or group (or set policy) but was {}");
      }
      if (a.quorum() < 1) {
        problems.add("quorum must be >= 1 but was " + a.quorum());
      }
    } else if (timeout != null) {
      try {
        rule = ApprovalRequirement.of(a.approvers(), a.quorum(), timeout, a.reasonRequired());
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    } else if (a.quorum() < 1) {
      problems.add("quorum must be >= 1 but was " + a.quorum());
    }
    boolean deferred = a.mode() == RequiresApproval.Mode.DEFERRED;
    if (deferred && method.getReturnType() != void.class && !CompletionStage.class.isAssignableFrom(method.getReturnType())) {
      problems.add("mode DEFERRED needs a method returning void or a CompletionStage (the caller gets no result) but it returns "
          + method.getReturnType().getName());
    }
    if (!problems.isEmpty()) {
      throw new ApprovalConfigurationException("@RequiresApproval on " + id + ": " + String.join("; ", problems));
    }
    Annotation[][] paramAnnotations = method.getParameterAnnotations();
    boolean[] sensitive = new boolean[paramAnnotations.length];
    for (int i = 0; i < paramAnnotations.length; i++) {
      for (Annotation pa : paramAnnotations[i]) {
        if (pa.annotationType() == Sensitive.class) {
          sensitive[i] = true;
        }
      }
    }
    String action = a.action().isBlank() ? id : a.action();
    PolicyRef ref = rule == null ? null : new PolicyRef("annotation", "1", AuditFields.ruleDigest(id, rule), id);
    boolean async = CompletionStage.class.isAssignableFrom(method.getReturnType());
    return new GuardedMethod(method, id, action, rule, policyName, policy, ref, sensitive, async, deferred);
  }

  /** Validates every guarded method of {@code type}, collecting all problems into one error. */
  static void validateClass(Class<?> type, Map<String, ApprovalPolicy> policies) {
    List<String> problems = new ArrayList<>();
    for (Method m : GuardedMethods.declaredBy(type)) {
      try {
        resolve(m, policies);
      } catch (ApprovalConfigurationException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new ApprovalConfigurationException(String.join("\n", problems));
    }
  }
}
