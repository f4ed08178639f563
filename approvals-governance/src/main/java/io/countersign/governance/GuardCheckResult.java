package io.countersign.governance;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@link GuardCheck} found: every guarded method in the scanned packages and, for each, the
 * mechanism that intercepts it or why none does.
 *
 * @param packages the packages scanned
 * @param methods one finding per guarded method, sorted by {@code Class#method}
 */
public record GuardCheckResult(List<String> packages, List<Finding> methods) {

  /** Copies the lists. */
  public GuardCheckResult {
    packages = List.copyOf(packages);
    methods = List.copyOf(methods);
  }

  /** The guarded methods nothing intercepts: each would run without approval. */
  public List<Finding> unguarded() {
    return methods.stream().filter(f -> !f.intercepted()).toList();
  }

  /** How many guarded methods each mechanism intercepts, e.g. {@code {AspectJ weaving=12, proxy=3}}. */
  public Map<String, Long> countsByMechanism() {
    Map<String, Long> counts = new TreeMap<>();
    methods.stream().filter(Finding::intercepted).forEach(f -> counts.merge(f.mechanism(), 1L, Long::sum));
    return counts;
  }

  /**
   * One guarded method.
   *
   * @param methodId {@code fully.qualified.Class#method}, as audit events name it
   * @param method the method
   * @param mechanism what intercepts it, or {@code null} if nothing does
   * @param problem why it is not intercepted (and what to do), or {@code null} if it is
   */
  public record Finding(String methodId, Method method, String mechanism, String problem) {

    /** Validates that exactly one of mechanism and problem is set. */
    public Finding {
      Objects.requireNonNull(methodId, "methodId");
      Objects.requireNonNull(method, "method");
      if ((mechanism == null) == (problem == null)) {
        throw new IllegalArgumentException("exactly one of mechanism and problem must be set for " + methodId
            + " but was mechanism=" + mechanism + ", problem=" + problem);
      }
    }

    static Finding intercepted(Method method, String mechanism) {
      return new Finding(id(method), method, mechanism, null);
    }

    static Finding unguarded(Method method, String problem) {
      return new Finding(id(method), method, null, problem);
    }

    /** Whether some mechanism routes this method's calls through the gate. */
    public boolean intercepted() {
      return mechanism != null;
    }

    private static String id(Method method) {
      return method.getDeclaringClass().getName() + "#" + method.getName();
    }
  }
}
