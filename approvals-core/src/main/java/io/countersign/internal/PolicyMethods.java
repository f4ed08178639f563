package io.countersign.internal;

import io.countersign.ApprovalConfigurationException;
import io.countersign.GuardedMethods;
import io.countersign.RequiresApproval;
import io.countersign.spi.ApprovalPolicy;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Startup check of each named policy against the guarded methods that select it (scenario S49):
 * groups the guarded methods of the given classes by policy name and hands each policy its list
 * ({@link ApprovalPolicy#checkMethods}), so that a condition that can never see its argument fails
 * the start instead of silently not matching.
 */
public final class PolicyMethods {

  private PolicyMethods() {}

  /**
   * Checks every policy against its methods among {@code classes}.
   *
   * @throws ApprovalConfigurationException listing every problem of every policy
   */
  public static void check(List<Class<?>> classes, Map<String, ApprovalPolicy> policies) {
    // one policy object registered under several names applies to the methods of all of them
    Map<ApprovalPolicy, List<Method>> byPolicy = new IdentityHashMap<>();
    Map<ApprovalPolicy, List<String>> names = new IdentityHashMap<>();
    for (Class<?> type : classes) {
      for (Method m : GuardedMethods.declaredBy(type)) {
        RequiresApproval a = GuardedMethods.annotation(m).orElseThrow();
        ApprovalPolicy policy = a.policy().isBlank() ? null : policies.get(a.policy());
        if (policy != null) { // an unknown name is reported by the annotation check
          byPolicy.computeIfAbsent(policy, k -> new ArrayList<>()).add(m);
          List<String> known = names.computeIfAbsent(policy, k -> new ArrayList<>());
          if (!known.contains(a.policy())) {
            known.add(a.policy());
          }
        }
      }
    }
    List<String> problems = new ArrayList<>();
    byPolicy.forEach((policy, methods) -> {
      try {
        policy.checkMethods(List.copyOf(methods));
      } catch (ApprovalConfigurationException e) {
        problems.add(e.getMessage());
      } catch (RuntimeException e) {
        problems.add("policy " + names.get(policy) + " failed to check its methods "
            + methods.stream().map(GuardedMethod::methodId).toList() + ": " + e);
      }
    });
    if (!problems.isEmpty()) {
      throw new ApprovalConfigurationException(String.join("\n", problems));
    }
  }
}
