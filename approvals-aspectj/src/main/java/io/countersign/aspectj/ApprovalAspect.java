package io.countersign.aspectj;

import io.countersign.Countersign;
import io.countersign.Invocation;
import java.util.concurrent.CompletionStage;
import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.annotation.Pointcut;
import org.aspectj.lang.reflect.MethodSignature;

/**
 * Hands every execution of a {@link io.countersign.RequiresApproval} method to the installed
 * {@link io.countersign.ApprovalGate}. Thin on purpose: it adapts the join point to an {@link Invocation} and makes
 * one gate call ({@link Countersign#intercept}); every rule lives in the core.
 *
 * <p>Matches exactly the methods {@link io.countersign.GuardedMethods} calls guarded (methods
 * annotated directly, and public methods of annotated types, static or not; {@code toString},
 * {@code equals} and {@code hashCode} excepted); {@code GuardedMethodsPointcutTest} holds the
 * pointcuts against that rule.
 * Methods returning a {@link CompletionStage} return at once with a future that completes after the
 * decision; all others block until the decision. With no gate installed the call is denied.
 */
@Aspect
public class ApprovalAspect {

  @Pointcut("execution(@io.countersign.RequiresApproval * *(..))")
  void annotatedMethod() {}

  /**
   * Public methods declared in an annotated type, except toString/equals/hashCode (not privileged
   * actions). Both halves are needed to say "declared in": {@code execution(public * (@A *).*(..))}
   * alone also matches a subclass's override of a method of an annotated type, {@code within(@A *)}
   * alone also matches methods of nested types; the rule (and Spring's proxies) guard neither.
   */
  @Pointcut("execution(public * (@io.countersign.RequiresApproval *).*(..)) && within(@io.countersign.RequiresApproval *)"
      + " && !execution(public String toString()) && !execution(public int hashCode())"
      + " && !execution(public boolean equals(Object))")
  void publicMethodOfAnnotatedType() {}

  @Around("annotatedMethod() || publicMethodOfAnnotatedType()")
  public Object guard(ProceedingJoinPoint pjp) throws Throwable {
    MethodSignature signature = (MethodSignature) pjp.getSignature();
    return Countersign.intercept(
        Invocation.of(signature.getMethod(), pjp.getTarget(), pjp.getArgs(), signature.getParameterNames()), pjp::proceed);
  }
}
