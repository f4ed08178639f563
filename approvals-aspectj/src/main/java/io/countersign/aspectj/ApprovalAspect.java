package io.countersign.aspectj;

import io.countersign.ApprovalGate;
import io.countersign.Countersign;
import io.countersign.Invocation;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.annotation.Pointcut;
import org.aspectj.lang.reflect.MethodSignature;

/**
 * Hands every execution of a {@link io.countersign.RequiresApproval} method to the installed
 * {@link ApprovalGate}. Thin on purpose: it adapts the join point to an {@link Invocation} and makes
 * one gate call; every rule lives in the core.
 *
 * <p>Matches methods annotated directly and public methods of annotated types (static or not;
 * {@code toString}, {@code equals} and {@code hashCode} excepted).
 * Methods returning a {@link CompletionStage} return at once with a future that completes after the
 * decision; all others block until the decision. With no gate installed the call is denied.
 */
@Aspect
public class ApprovalAspect {

  @Pointcut("execution(@io.countersign.RequiresApproval * *(..))")
  void annotatedMethod() {}

  /** Public methods of an annotated type, except toString/equals/hashCode (not privileged actions). */
  @Pointcut("execution(public * (@io.countersign.RequiresApproval *).*(..))"
      + " && !execution(public String toString()) && !execution(public int hashCode())"
      + " && !execution(public boolean equals(Object))")
  void publicMethodOfAnnotatedType() {}

  @Around("annotatedMethod() || publicMethodOfAnnotatedType()")
  public Object guard(ProceedingJoinPoint pjp) throws Throwable {
    MethodSignature signature = (MethodSignature) pjp.getSignature();
    Method method = signature.getMethod();
    Invocation invocation = Invocation.of(method, pjp.getTarget(), pjp.getArgs(), signature.getParameterNames());
    boolean async = CompletionStage.class.isAssignableFrom(method.getReturnType());
    ApprovalGate gate;
    try {
      gate = Countersign.gate();
    } catch (RuntimeException notConfigured) {
      if (async && method.getReturnType().isAssignableFrom(CompletableFuture.class)) {
        return CompletableFuture.failedFuture(notConfigured);
      }
      throw notConfigured;
    }
    if (async && method.getReturnType().isAssignableFrom(CompletableFuture.class)) {
      return gate.guardAsync(invocation, () -> {
        try {
          return (CompletionStage<?>) pjp.proceed();
        } catch (RuntimeException | Error e) {
          throw e;
        } catch (Throwable t) {
          throw new java.util.concurrent.CompletionException(t);
        }
      });
    }
    return gate.guard(invocation, pjp::proceed);
  }
}
