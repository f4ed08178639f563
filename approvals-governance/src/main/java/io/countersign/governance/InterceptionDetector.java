package io.countersign.governance;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Tells whether calls of one {@code @RequiresApproval} method are routed through the approval gate
 * by some interception mechanism: AspectJ weaving ({@link #aspectJ()}), a Spring AOP proxy
 * ({@link #proxiedTypes(Collection)} or a custom hook from the Spring starter), a hand-written proxy.
 *
 * <p>Contract: called once per guarded method while {@link GuardCheck} runs, on the thread that
 * runs it; must not invoke the method. Answering {@code true} is a claim the check trusts, so answer
 * it only for methods the mechanism really intercepts. Throwing counts as "not intercepted" (the
 * check fails closed and names the method and the error).
 */
@FunctionalInterface
public interface InterceptionDetector {

  /** Whether calls of {@code method} (declared by {@code method.getDeclaringClass()}) reach the gate. */
  boolean intercepts(Method method);

  /** A short name of the mechanism, shown in the check's results ({@code "AspectJ weaving"}). */
  default String mechanism() {
    return getClass().getSimpleName();
  }

  /**
   * Detects AspectJ weaving of the Countersign aspect, compile-time ({@code ajc}) or load-time
   * ({@code -javaagent:aspectjweaver.jar}), by inspecting the class as loaded. See {@link AspectJWeaving}.
   */
  static InterceptionDetector aspectJ() {
    return AspectJWeaving.INSTANCE;
  }

  /**
   * A detector for class-based or interface proxies (Spring AOP, CGLIB, JDK proxies) around beans of
   * these types: a method counts as intercepted when its declaring class is one of {@code types} (or
   * a supertype of one) and a class-based proxy can override it: public, not static, not final, in a
   * non-final class. A final or static method of a proxied bean is exactly the case proxies silently
   * skip; for anything this rule judges too strictly (e.g. interface proxies of a final class), pass
   * a {@link #named(String, Predicate)} detector that knows better.
   *
   * @param types the bean types the proxy mechanism wraps (e.g. from the Spring starter's bean
   *     post-processor)
   */
  static InterceptionDetector proxiedTypes(Collection<? extends Class<?>> types) {
    Set<Class<?>> proxied = Set.copyOf(Objects.requireNonNull(types, "types"));
    return named("proxy", method -> {
      int mod = method.getModifiers();
      if (!Modifier.isPublic(mod) || Modifier.isStatic(mod) || Modifier.isFinal(mod)
          || Modifier.isFinal(method.getDeclaringClass().getModifiers()) && !method.getDeclaringClass().isInterface()) {
        return false;
      }
      Class<?> declaring = method.getDeclaringClass();
      return proxied.stream().anyMatch(declaring::isAssignableFrom);
    });
  }

  /** A detector from a predicate, with a mechanism name for the results (e.g. the Spring starter's hook). */
  static InterceptionDetector named(String mechanism, Predicate<Method> intercepts) {
    if (mechanism == null || mechanism.isBlank()) {
      throw new IllegalArgumentException("mechanism must not be blank but was " + (mechanism == null ? "null" : "'" + mechanism + "'"));
    }
    Objects.requireNonNull(intercepts, "intercepts");
    return new InterceptionDetector() {
      @Override
      public boolean intercepts(Method method) {
        return intercepts.test(method);
      }

      @Override
      public String mechanism() {
        return mechanism;
      }

      @Override
      public String toString() {
        return "InterceptionDetector[" + mechanism + "]";
      }
    };
  }
}
