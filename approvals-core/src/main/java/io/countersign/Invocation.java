package io.countersign;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Objects;

/**
 * One call of a guarded method, as an interceptor (the AspectJ aspect, a Spring advice, a proxy)
 * hands it to the gate: the method, the target, the actual argument objects and parameter names.
 *
 * <p>The argument array is the one the real call will use; the gate digests it when the request is
 * opened and again just before the call runs, so a mutation in between refuses the call.
 */
public final class Invocation {

  private final Method method;
  private final Object target;
  private final Object[] args;
  private final String[] parameterNames;

  private Invocation(Method method, Object target, Object[] args, String[] parameterNames) {
    this.method = Objects.requireNonNull(method, "method");
    this.target = target;
    this.args = args == null ? new Object[0] : args;
    this.parameterNames = parameterNames;
    if (this.args.length != method.getParameterCount()) {
      throw new IllegalArgumentException("Invocation of " + method + " needs " + method.getParameterCount()
          + " arguments but was given " + this.args.length);
    }
  }

  /** An invocation whose parameter names come from reflection (compile with {@code -parameters}). */
  public static Invocation of(Method method, Object target, Object[] args) {
    return new Invocation(method, target, args, null);
  }

  /** An invocation with parameter names known to the interceptor (AspectJ records them). */
  public static Invocation of(Method method, Object target, Object[] args, String[] parameterNames) {
    if (parameterNames != null && parameterNames.length != method.getParameterCount()) {
      parameterNames = null;
    }
    return new Invocation(method, target, args, parameterNames);
  }

  /** The guarded method. */
  public Method method() {
    return method;
  }

  /** The object the method is called on, or {@code null} for a static method. */
  public Object target() {
    return target;
  }

  /** The live argument array (not a copy: the gate needs to see what the call will use). */
  public Object[] args() {
    return args;
  }

  /** The name of parameter {@code i}. */
  public String parameterName(int i) {
    if (parameterNames != null && parameterNames[i] != null) {
      return parameterNames[i];
    }
    Parameter p = method.getParameters()[i];
    return p.getName();
  }

  @Override
  public String toString() {
    return "Invocation[" + method.getDeclaringClass().getName() + "#" + method.getName() + "]";
  }
}
