package io.countersign.governance;

import io.countersign.ApprovalConfigurationException;
import java.util.stream.Collectors;

/**
 * Thrown at startup by {@link GuardCheck#verify()} when a {@code @RequiresApproval} method is not
 * intercepted, so its calls would run without approval. The message names each unguarded
 * {@code Class#method} (with its parameter types) and what to do about it.
 */
public class UnguardedMethodsException extends ApprovalConfigurationException {

  private static final long serialVersionUID = 1L;

  private final transient GuardCheckResult result;

  /** An exception listing the unguarded methods of {@code result}. */
  public UnguardedMethodsException(GuardCheckResult result) {
    super(message(result));
    this.result = result;
  }

  /** The full result of the check (guarded and unguarded methods), or {@code null} after deserialization. */
  public GuardCheckResult result() {
    return result;
  }

  private static String message(GuardCheckResult result) {
    int n = result.unguarded().size();
    return n + " @RequiresApproval method" + (n == 1 ? " is" : "s are") + " not intercepted and would run WITHOUT approval"
        + " (packages " + result.packages() + "):\n"
        + result.unguarded().stream()
            .map(f -> "  - " + f.methodId() + signature(f) + ": " + f.problem())
            .collect(Collectors.joining("\n"));
  }

  private static String signature(GuardCheckResult.Finding f) {
    StringBuilder s = new StringBuilder("(");
    Class<?>[] params = f.method().getParameterTypes();
    for (int i = 0; i < params.length; i++) {
      s.append(i == 0 ? "" : ", ").append(params[i].getSimpleName());
    }
    return s.append(")").toString();
  }
}
